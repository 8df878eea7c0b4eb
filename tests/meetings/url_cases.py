"""Rows of tests/test_url_matrix.py for this area's URLs (see Case there), and the objects they need."""

from tests.test_url_matrix import Case

LOGIN = 302

CASES: dict = {}

# ---- HTML pages (meetings:*) ------------------------------------------------------------------------------
_VIEWERS_A = {"admin": 200, "zuzhibu": 200, "dangwei": 200, "shuji_a": 200, "xuanchuan_a": 200,
              "shuji_b": 404, "outsider": 404, "dangyuan": 404}
_LOGGERS_A = {"admin": 200, "shuji_a": 200, "xuanchuan_a": 200, "zuzhibu": 403, "dangwei": 403,
              "shuji_b": 404, "outsider": 404, "dangyuan": 404}


def _redirected(expect: dict[str, int]) -> dict[str, int]:
    """POST pages answer allowed users with a redirect back to the record."""
    return {k: (302 if v == 200 else v) for k, v in expect.items()}


CASES.update({
    "meetings:list": Case("/meetings/", {"anonymous": LOGIN, "dangyuan": 403}, default=200),
    "meetings:create": Case("/meetings/new/", {"anonymous": LOGIN, "admin": 200, "shuji_a": 200, "shuji_b": 200,
                                               "xuanchuan_a": 200, "outsider": 200}, default=403),
    "meetings:detail": Case(lambda w: f"/meetings/{w.meeting_page_a.pk}/", {"anonymous": LOGIN, **_VIEWERS_A}),
    "meetings:edit": Case(lambda w: f"/meetings/{w.meeting_page_a.pk}/edit/", {"anonymous": LOGIN, **_LOGGERS_A}),
    "meetings:confirm": Case(lambda w: f"/meetings/{w.meeting_page_a.pk}/confirm/",
                             {"anonymous": LOGIN, **_redirected(_LOGGERS_A)}, method="post"),
    "meetings:attachment_upload": Case(lambda w: f"/meetings/{w.meeting_page_a.pk}/attachments/",
                                       {"anonymous": LOGIN, **_redirected(_LOGGERS_A)}, method="post"),
    "meetings:attachment_download": Case(lambda w: f"/meetings/attachments/{w.meeting_attachment_a.pk}/",
                                         {"anonymous": LOGIN, **_VIEWERS_A}),
    "meetings:attachment_delete": Case(lambda w: f"/meetings/attachments/{w.meeting_attachment_a.pk}/delete/",
                                       {"anonymous": LOGIN, **_redirected(_LOGGERS_A)}, method="post"),
    # Members without organizational life for six months, of branch A: whoever may see its meetings.
    "meetings:absent": Case(lambda w: f"/meetings/absent/?org={w.branch_a.pk}", {"anonymous": LOGIN, **_VIEWERS_A}),
})


def _prepare_pages(world) -> None:
    """A draft meeting of branch A with one attendance row and one attachment (for the page rows)."""
    import datetime

    from django.core.files.base import ContentFile
    from django.utils import timezone

    from branches.models import Attendance, Meeting, MeetingAttachment, MeetingType

    meeting = Meeting.objects.create(
        organization=world.branch_a, meeting_type=MeetingType.GENERAL_ASSEMBLY, title="2026年10月支部党员大会",
        held_at=timezone.now() - datetime.timedelta(days=3), place="会议室",
    )
    Attendance.objects.create(meeting=meeting, person=world.member_a)
    attachment = MeetingAttachment(meeting=meeting, kind="document", original_name="签到表.pdf", size=9,
                                   content_type="application/pdf")
    attachment.file.save("sign-in.pdf", ContentFile(b"%PDF-1.4\n"), save=True)
    world.__dict__["meeting_page_a"] = meeting
    world.__dict__["meeting_attachment_a"] = attachment
# ---- end of HTML pages ---------------------------------------------------------------------------------------

# ---- API (api-meeting*) -------------------------------------------------------------------------------------
API_ANON = 403


def _api(expect: dict[str, int], ok: int = 200) -> dict[str, int]:
    return {"anonymous": API_ANON, **{k: (ok if v == 200 else v) for k, v in expect.items()}}


CASES.update({
    "api-meetings": Case("/api/v1/meetings/", {"anonymous": API_ANON, "dangyuan": 403}, default=200),
    "api-meeting": Case(lambda w: f"/api/v1/meetings/{w.meeting_api_a.pk}/", _api(_VIEWERS_A)),
    "api-meeting-confirm": Case(lambda w: f"/api/v1/meetings/{w.meeting_api_a.pk}/confirm/", _api(_LOGGERS_A),
                                method="post"),
    # An empty upload by someone allowed is refused as bad input (400); the others never get that far.
    "api-meeting-attachments": Case(lambda w: f"/api/v1/meetings/{w.meeting_api_a.pk}/attachments/",
                                    _api(_LOGGERS_A, 400), method="post"),
    "api-meeting-attachment": Case(
        lambda w: f"/api/v1/meetings/{w.meeting_api_a.pk}/attachments/{w.meeting_api_attachment_a.pk}/",
        _api(_LOGGERS_A, 204), method="delete"),
    "api-meeting-absent-members": Case(lambda w: f"/api/v1/meetings/absent-members/?organization={w.branch_a.pk}",
                                       _api(_VIEWERS_A)),
    "api-meeting-default-attendees": Case(
        lambda w: f"/api/v1/meetings/default-attendees/?organization={w.branch_a.pk}&meeting_type=committee",
        _api(_LOGGERS_A)),
})


def _prepare_api(world) -> None:
    """A draft meeting of branch A recorded through the service, with an attachment row (for the API rows)."""
    import datetime

    from django.utils import timezone

    from branches.meetings import services
    from branches.models import MeetingAttachment, MeetingType

    meeting = services.meeting_create(
        actor=world.shuji_a, organization=world.branch_a,
        data={"meeting_type": MeetingType.COMMITTEE, "title": "支部委员会", "held_at": timezone.now()
              - datetime.timedelta(days=2)},
        attendance=[{"person": world.member_a.pk, "status": "present"}],
    )
    attachment = MeetingAttachment.objects.create(meeting=meeting, kind="photo", original_name="合影.png", size=8,
                                                  content_type="image/png", file="meetings/missing.png")
    world.__dict__["meeting_api_a"] = meeting
    world.__dict__["meeting_api_attachment_a"] = attachment
# ---- end of API ----------------------------------------------------------------------------------------------


def prepare(world) -> None:
    """Add the objects the paths below refer to (e.g. world.__dict__["meeting_a"] = ...)."""
    _prepare_pages(world)
    _prepare_api(world)

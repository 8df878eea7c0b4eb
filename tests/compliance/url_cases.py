"""Rows of tests/test_url_matrix.py for this area's URLs (see Case there), and the objects they need."""

from tests.test_url_matrix import BRANCH_A_VIEWERS, LOGIN, Case

CASES: dict = {
    "compliance:overview": Case("/compliance/", {"anonymous": LOGIN, "dangyuan": 403}, default=200),
    "compliance:calendar": Case(lambda w: f"/compliance/branch/{w.branch_a.pk}/?year=2026",
                                {"anonymous": LOGIN, **BRANCH_A_VIEWERS}),
    "compliance:card": Case(lambda w: f"/compliance/branch/{w.branch_a.pk}/card/",
                            {"anonymous": LOGIN, **BRANCH_A_VIEWERS}),
}


def prepare(world) -> None:
    """A meeting in branch A so the calendar has something to link."""
    import datetime

    from django.utils import timezone

    from branches.models import Meeting

    world.__dict__["compliance_meeting"] = Meeting.objects.create(
        organization=world.branch_a, meeting_type="committee", title="支委会",
        held_at=timezone.now() - datetime.timedelta(hours=1),
    )

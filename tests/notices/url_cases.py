"""Rows of tests/test_url_matrix.py for the work notice URLs (see Case there), and the objects they need."""

from tests.test_url_matrix import Case

LOGIN = 302
API_ANON = 403

ISSUERS = {"admin": 200, "zuzhibu": 200, "dangwei": 200}
# An issued notice of the institute is addressed to branches A and B.
NOTICE_VIEWERS = {**ISSUERS, "shuji_a": 200, "shuji_b": 200, "xuanchuan_a": 200, "dangyuan": 404, "outsider": 404}
ISSUER_ONLY = {**ISSUERS, "shuji_a": 403, "shuji_b": 403, "xuanchuan_a": 403, "dangyuan": 404, "outsider": 404}
DRAFT_ISSUER_ONLY = {**ISSUERS, "shuji_a": 404, "shuji_b": 404, "xuanchuan_a": 404, "dangyuan": 404,
                     "outsider": 404}
# Branch A's submission: the issuer and branch A only.
SUBMISSION_VIEWERS = {**ISSUERS, "shuji_a": 200, "xuanchuan_a": 200, "shuji_b": 404, "dangyuan": 404,
                      "outsider": 404}
# Answering needs LOG_MEETINGS on a recipient branch; 党委委员 and 组织部 see the notice but do not answer.
SUBMITTERS = {"admin": 200, "shuji_a": 200, "shuji_b": 200, "xuanchuan_a": 200, "zuzhibu": 403, "dangwei": 403,
              "dangyuan": 404, "outsider": 404}


def _status(expect: dict[str, int], ok: int) -> dict[str, int]:
    return {k: (ok if v == 200 else v) for k, v in expect.items()}


CASES: dict = {
    "notices:list": Case("/notices/", {"anonymous": LOGIN, "dangyuan": 403}, default=200),
    "notices:create": Case("/notices/new/", {"anonymous": LOGIN, **ISSUERS}, default=403),
    "notices:open_items": Case("/notices/open-items/", {"anonymous": LOGIN, "dangyuan": 403}, default=200),
    # The committee dashboard's card: for those who issue notices (ISSUE_NOTICES); it names no object.
    "notices:committee_card": Case("/notices/committee-card/", {"anonymous": LOGIN, **ISSUERS}, default=403),
    "notices:detail": Case(lambda w: f"/notices/{w.notice_a.pk}/", {"anonymous": LOGIN, **NOTICE_VIEWERS}),
    "notices:edit": Case(lambda w: f"/notices/{w.notice_draft.pk}/edit/", {"anonymous": LOGIN, **DRAFT_ISSUER_ONLY}),
    "notices:issue": Case(lambda w: f"/notices/{w.notice_draft.pk}/issue/",
                          {"anonymous": LOGIN, **_status(DRAFT_ISSUER_ONLY, 302)}, method="post"),
    "notices:remind": Case(lambda w: f"/notices/{w.notice_a.pk}/remind/",
                           {"anonymous": LOGIN, **_status(ISSUER_ONLY, 302)}, method="post"),
    "notices:submit": Case(lambda w: f"/notices/items/{w.notice_item_report.pk}/submit/",
                           {"anonymous": LOGIN, **SUBMITTERS}),
    "notices:submission": Case(lambda w: f"/notices/submissions/{w.notice_submission_a.pk}/",
                               {"anonymous": LOGIN, **SUBMISSION_VIEWERS}),
    "notices:submission_file": Case(lambda w: f"/notices/submissions/{w.notice_submission_a.pk}/file/",
                                    {"anonymous": LOGIN, **SUBMISSION_VIEWERS}),
    "api-notices": Case("/api/v1/notices/", {"anonymous": API_ANON, "dangyuan": 403}, default=200),
    "api-notice": Case(lambda w: f"/api/v1/notices/{w.notice_a.pk}/", {"anonymous": API_ANON, **NOTICE_VIEWERS}),
    "api-notice-issue": Case(lambda w: f"/api/v1/notices/{w.notice_draft.pk}/issue/",
                             {"anonymous": API_ANON, **DRAFT_ISSUER_ONLY}, method="post"),
    "api-notice-remind": Case(lambda w: f"/api/v1/notices/{w.notice_a.pk}/remind/",
                              {"anonymous": API_ANON, **ISSUER_ONLY}, method="post"),
    "api-notice-status": Case(lambda w: f"/api/v1/notices/{w.notice_a.pk}/status/",
                              {"anonymous": API_ANON, **ISSUER_ONLY}),
    # An empty answer to a written-report item is refused as bad input (400) for those allowed to answer.
    "api-notice-submissions": Case(lambda w: f"/api/v1/notice-items/{w.notice_item_report.pk}/submissions/",
                                   {"anonymous": API_ANON, **_status(SUBMITTERS, 400)}, method="post"),
}


def prepare(world) -> None:
    """An issued notice of the institute (two items) with branch A's file answer, and a draft."""
    import datetime

    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone

    from branches.models import RequirementKind
    from branches.notices import services

    deadline = timezone.localdate() + datetime.timedelta(days=10)
    notice = services.notice_create(
        actor=world.dangwei, organization=world.institute, number="第3期", title="党支部工作提示",
        items=[services.ItemData(title="学习交流活动情况", deadline=deadline),
               services.ItemData(title="“一支部一品牌”创建计划表", deadline=deadline,
                                 requirement=RequirementKind.FILE_UPLOAD)],
    )
    services.notice_issue(actor=world.dangwei, notice=notice)
    report_item, file_item = notice.items.order_by("order")
    submission = services.submission_create(
        actor=world.shuji_a, item=file_item, organization=world.branch_a, data={},
        file=SimpleUploadedFile("计划表.pdf", b"%PDF-1.4\n", content_type="application/pdf"),
    )
    draft = services.notice_create(
        actor=world.dangwei, organization=world.institute, number="第4期", title="草稿",
        items=[services.ItemData(title="组织关系排查", deadline=deadline)],
    )
    world.__dict__.update(notice_a=notice, notice_item_report=report_item, notice_submission_a=submission,
                          notice_draft=draft)

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from branches.models import NoticeReminder, NoticeSubmission, OrgType, WorkNotice
from branches.notices import services
from tests.factories import make_org

from .helpers import issued_notice, items, meeting, pdf

pytestmark = pytest.mark.django_db


def _create_payload(world, **extra):
    deadline = (timezone.localdate() + datetime.timedelta(days=7)).isoformat()
    data = {
        "organization": world.institute.pk, "number": "第3期", "title": "党支部工作提示", "body": "正文",
        "items-TOTAL_FORMS": "3", "items-INITIAL_FORMS": "0", "items-MIN_NUM_FORMS": "1",
        "items-MAX_NUM_FORMS": "1000",
        "items-0-title": "学习研讨", "items-0-deadline": deadline, "items-0-requirement": "written_report",
        "items-1-title": "召开支委会", "items-1-deadline": deadline, "items-1-requirement": "meeting_held",
        "items-1-meeting_type": "committee",
        # a row added in the browser and left empty is ignored
        "items-2-title": "", "items-2-deadline": "", "items-2-requirement": "written_report",
    }
    data.update(extra)
    return data


def test_dangwei_creates_and_issues_a_notice(world, login):
    client = login("dangwei")
    page = client.get("/notices/new/")
    assert page.status_code == 200
    assert "添加事项" in page.content.decode()
    response = client.post("/notices/new/", _create_payload(world))
    notice = WorkNotice.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/notices/{notice.pk}/"
    assert [i.title for i in notice.items.order_by("order")] == ["学习研讨", "召开支委会"]
    response = client.post(f"/notices/{notice.pk}/issue/", follow=True)
    assert "已下发给 2 个党支部" in response.content.decode()
    notice.refresh_from_db()
    assert notice.is_issued


def test_create_with_bad_item_shows_chinese_message_and_saves_nothing(world, login):
    client = login("dangwei")
    response = client.post("/notices/new/", _create_payload(world, **{"items-1-meeting_type": ""}))
    assert response.status_code == 200
    assert "请选择会议类型" in response.content.decode()
    assert not WorkNotice.objects.exists()


def test_branch_secretary_cannot_create(world, login):
    assert login("shuji_a").post("/notices/new/", _create_payload(world)).status_code == 403
    assert not WorkNotice.objects.exists()


def test_edit_draft(world, login):
    notice = services.notice_create(actor=world.dangwei, organization=world.institute, title="草稿", items=[
        services.ItemData(title="旧事项", deadline=timezone.localdate())])
    client = login("dangwei")
    assert "旧事项" in client.get(f"/notices/{notice.pk}/edit/").content.decode()
    data = _create_payload(world, title="改后的标题")
    del data["organization"]
    assert client.post(f"/notices/{notice.pk}/edit/", data).status_code == 302
    notice.refresh_from_db()
    assert notice.title == "改后的标题"
    assert notice.items.count() == 2


def test_shuji_a_sees_and_answers_the_notice_before_deadline(world, login):
    notice = issued_notice(world)
    report, file_item, meeting_item = items(notice)
    client = login("shuji_a")
    listing = client.get("/notices/").content.decode()
    assert "学习研讨情况" in listing
    assert "召开一次支委会" in listing
    page = client.get(f"/notices/{notice.pk}/").content.decode()
    assert "本支部督办事项" in page
    response = client.post(f"/notices/items/{report.pk}/submit/", {"text": "已组织学习。"})
    assert response.status_code == 302
    sub = NoticeSubmission.objects.get()
    assert sub.organization == world.branch_a
    assert not sub.late
    held = meeting(world.branch_a)
    form = client.get(f"/notices/items/{meeting_item.pk}/submit/").content.decode()
    assert held.title in form
    assert client.post(f"/notices/items/{meeting_item.pk}/submit/", {"meeting": held.pk}).status_code == 302
    meeting_sub = NoticeSubmission.objects.get(item=meeting_item)
    assert f"/meetings/{held.pk}/" in login("dangwei").get(f"/notices/submissions/{meeting_sub.pk}/").content.decode()
    client = login("shuji_a")
    assert client.post(f"/notices/items/{file_item.pk}/submit/", {"file": pdf()}).status_code == 302
    assert NoticeSubmission.objects.count() == 3
    # Answered items leave the open list.
    assert "学习研讨情况" not in client.get("/notices/").content.decode()


def test_wrong_file_type_on_the_form_is_refused(world, login):
    _, file_item, _ = items(issued_notice(world))
    response = login("shuji_a").post(f"/notices/items/{file_item.pk}/submit/",
                                     {"file": SimpleUploadedFile("a.pdf", b"GIF89a")})
    assert response.status_code == 200
    assert "内容与扩展名不符" in response.content.decode()
    assert not NoticeSubmission.objects.exists()


def test_shuji_b_sees_the_notice_but_not_branch_a_submission(world, login):
    notice = issued_notice(world)
    report, file_item, _ = items(notice)
    text_sub = services.submission_create(actor=world.shuji_a, item=report, organization=world.branch_a,
                                          data={"text": "甲支部的机密情况"})
    file_sub = services.submission_create(actor=world.shuji_a, item=file_item, organization=world.branch_a,
                                          data={}, file=pdf())
    client = login("shuji_b")
    page = client.get(f"/notices/{notice.pk}/").content.decode()
    assert "党支部工作提示" in page
    assert "甲支部的机密情况" not in page
    assert client.get(f"/notices/submissions/{text_sub.pk}/").status_code == 404
    assert client.get(f"/notices/submissions/{file_sub.pk}/file/").status_code == 404
    # dangwei (issuer) reads it; shuji_a too.
    assert "甲支部的机密情况" in login("dangwei").get(f"/notices/submissions/{text_sub.pk}/").content.decode()
    response = login("shuji_a").get(f"/notices/submissions/{file_sub.pk}/file/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_outsider_sees_nothing(world, login):
    notice = issued_notice(world)
    report, *_ = items(notice)
    client = login("outsider")
    assert client.get(f"/notices/{notice.pk}/").status_code == 404
    assert client.get(f"/notices/items/{report.pk}/submit/").status_code == 404
    assert "党支部工作提示" not in client.get("/notices/").content.decode()


def test_committee_matrix_shows_submitted_late_and_missing(world, login):
    notice = issued_notice(world, days=1)
    report, *_ = items(notice)
    services.submission_create(actor=world.shuji_a, item=report, organization=world.branch_a, data={"text": "好"})
    NoticeSubmission.objects.filter(organization=world.branch_a).update(late=True)
    client = login("dangwei")
    page = client.get(f"/notices/{notice.pk}/").content.decode()
    assert "提交情况" in page
    assert "逾期提交" in page
    assert "未提交" in page
    assert "第二党支部" in page
    assert "第一党支部" in page
    listing = client.get("/notices/").content.decode()
    assert "已提交 1/6" in listing
    assert "逾期 1" in listing


def test_remind_button_is_idempotent(world, login):
    notice = issued_notice(world)
    client = login("dangwei")
    first = client.post(f"/notices/{notice.pk}/remind/", {"organization": world.branch_a.pk}, follow=True)
    assert "已向 1 个党支部发出催办" in first.content.decode()
    second = client.post(f"/notices/{notice.pk}/remind/", {"organization": world.branch_a.pk}, follow=True)
    assert "今天已经催办过" in second.content.decode()
    assert NoticeReminder.objects.count() == 1
    assert "今日已催办" in second.content.decode()
    # The branch sees the reminder beside its open items.
    assert "党委催办" in login("shuji_a").get("/notices/").content.decode()


def test_dashboard_card_lists_open_items(world, login):
    issued_notice(world)
    client = login("shuji_a")
    assert "notices/open-items/" in client.get("/").content.decode()
    card = client.get(f"/notices/open-items/?org={world.branch_a.pk}").content.decode()
    assert "学习研讨情况" in card
    assert client.get(f"/notices/open-items/?org={world.other_branch.pk}").status_code == 404


def test_navbar_link(world, login):
    assert 'href="/notices/"' in login("shuji_a").get("/").content.decode()
    assert 'href="/notices/"' not in login("dangyuan").get("/").content.decode()


def _matrix_queries(client, notice) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(f"/notices/{notice.pk}/").status_code == 200
    return len(ctx.captured_queries)


def test_matrix_query_count_constant_3_vs_30_branches(world, login):
    make_org(world.institute, org_type=OrgType.BRANCH, name="第三党支部", short_name="第三党支部")
    small = issued_notice(world)
    for n in range(27):
        make_org(world.institute, org_type=OrgType.BRANCH, name=f"第{n + 4}党支部", short_name=f"第{n + 4}党支部")
    large = issued_notice(world)
    assert large.recipients.count() == 30
    assert small.recipients.count() == 3
    for notice in (small, large):
        report, *_ = items(notice)
        services.submission_create(actor=world.shuji_a, item=report, organization=world.branch_a,
                                   data={"text": "x"})
    client = login("dangwei")
    _matrix_queries(client, small)
    assert _matrix_queries(client, small) == _matrix_queries(client, large)


def test_list_query_count_constant(world, login):
    issued_notice(world)
    client = login("shuji_a")
    client.get("/notices/")
    with CaptureQueriesContext(connection) as small:
        client.get("/notices/")
    for _ in range(5):
        issued_notice(world)
    with CaptureQueriesContext(connection) as large:
        client.get("/notices/")
    assert len(small.captured_queries) == len(large.captured_queries)
    client = login("dangwei")
    client.get("/notices/")
    with CaptureQueriesContext(connection) as committee_large:
        client.get("/notices/")
    issued_notice(world)
    with CaptureQueriesContext(connection) as committee_larger:
        client.get("/notices/")
    assert len(committee_large.captured_queries) == len(committee_larger.captured_queries)

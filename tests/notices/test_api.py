import datetime

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from branches.models import NoticeReminder, NoticeSubmission, WorkNotice
from branches.notices import services

from .helpers import issued_notice, items, meeting, pdf

pytestmark = pytest.mark.django_db


def _payload(world, **extra):
    deadline = (timezone.localdate() + datetime.timedelta(days=7)).isoformat()
    data = {"organization": world.institute.pk, "number": "第5期", "title": "接口下发", "items": [
        {"title": "书面报告", "deadline": deadline, "requirement": "written_report"},
        {"title": "召开支委会", "deadline": deadline, "requirement": "meeting_held", "meeting_type": "committee"},
    ]}
    data.update(extra)
    return data


def test_dangwei_drafts_and_issues_through_the_api(world, login):
    client = login("dangwei")
    response = client.post("/api/v1/notices/", _payload(world), content_type="application/json")
    assert response.status_code == 201, response.json()
    pk = response.json()["id"]
    assert [i["title"] for i in response.json()["items"]] == ["书面报告", "召开支委会"]
    issued = client.post(f"/api/v1/notices/{pk}/issue/")
    assert issued.status_code == 200
    assert issued.json()["status"] == "issued"
    again = client.post(f"/api/v1/notices/{pk}/issue/")
    assert again.status_code == 400
    assert "已经下发" in again.json()["non_field_errors"][0]
    listing = client.get("/api/v1/notices/").json()["issued"]
    assert listing[0]["recipient_count"] == 2
    assert listing[0]["item_count"] == 2


def test_create_bad_input_and_unknown_fields_save_nothing(world, login):
    client = login("dangwei")
    bad = _payload(world)
    bad["items"][1]["meeting_type"] = ""
    response = client.post("/api/v1/notices/", bad, content_type="application/json")
    assert response.status_code == 400
    assert "会议类型" in response.json()["items"][0]
    response = client.post("/api/v1/notices/", _payload(world, color="red"), content_type="application/json")
    assert response.status_code == 400
    assert "color" in response.json()
    assert not WorkNotice.objects.exists()


def test_create_permissions(world, login):
    assert login("shuji_a").post("/api/v1/notices/", _payload(world),
                                 content_type="application/json").status_code == 403
    other = _payload(world, organization=world.other_institute.pk)
    assert login("dangwei").post("/api/v1/notices/", other, content_type="application/json").status_code == 404
    assert not WorkNotice.objects.exists()


def test_branch_submits_multipart_and_sees_only_its_own(world, login):
    notice = issued_notice(world)
    report, file_item, meeting_item = items(notice)
    client = login("shuji_a")
    response = client.post(f"/api/v1/notice-items/{file_item.pk}/submissions/", {"file": pdf()})
    assert response.status_code == 201
    assert response.json()["late"] is False
    response = client.post(f"/api/v1/notice-items/{meeting_item.pk}/submissions/",
                           {"meeting": meeting(world.branch_a).pk})
    assert response.status_code == 201
    services.submission_create(actor=world.shuji_b, item=report, organization=world.branch_b,
                               data={"text": "乙支部的内容"})
    open_items = client.get("/api/v1/notices/").json()["open_items"]
    assert [(r["item"]["title"], r["organization"]) for r in open_items] == [(report.title, world.branch_a.pk)]
    detail = client.get(f"/api/v1/notices/{notice.pk}/").json()
    assert {s["organization"] for s in detail["submissions"]} == {world.branch_a.pk}
    assert "乙支部的内容" not in str(detail)


def test_submission_bad_file_is_refused(world, login):
    _, file_item, _ = items(issued_notice(world))
    response = login("shuji_a").post(f"/api/v1/notice-items/{file_item.pk}/submissions/",
                                     {"file": SimpleUploadedFile("x.docx", b"not a zip")})
    assert response.status_code == 400
    assert "内容与扩展名不符" in response.json()["file"][0]
    assert not NoticeSubmission.objects.exists()


def test_submission_for_another_branch_is_404(world, login):
    report, *_ = items(issued_notice(world))
    response = login("shuji_a").post(f"/api/v1/notice-items/{report.pk}/submissions/",
                                     {"organization": world.branch_b.pk, "text": "冒充"})
    assert response.status_code == 404
    assert not NoticeSubmission.objects.exists()


def test_status_matrix_and_remind(world, login):
    notice = issued_notice(world, days=1)
    report, *_ = items(notice)
    with time_machine.travel(timezone.now() + datetime.timedelta(days=2)):
        services.submission_create(actor=world.shuji_a, item=report, organization=world.branch_a, data={"text": "晚了"})
        client = login("dangwei")
        data = client.get(f"/api/v1/notices/{notice.pk}/status/").json()
        rows = {b["name"]: b for b in data["branches"]}
        assert [c["status"] for c in rows["第一党支部"]["cells"]] == ["late", "overdue", "overdue"]
        assert [c["status"] for c in rows["第二党支部"]["cells"]] == ["overdue", "overdue", "overdue"]
        assert client.post(f"/api/v1/notices/{notice.pk}/remind/").json()["sent"] == [world.branch_a.pk,
                                                                                        world.branch_b.pk]
        assert client.post(f"/api/v1/notices/{notice.pk}/remind/").json()["sent"] == []
        assert NoticeReminder.objects.count() == 2
        assert login("shuji_a").get(f"/api/v1/notices/{notice.pk}/status/").status_code == 403
        assert login("outsider").get(f"/api/v1/notices/{notice.pk}/status/").status_code == 404

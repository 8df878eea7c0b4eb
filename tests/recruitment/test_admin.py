"""The pipeline admin: read-only, scoped to manage_recruitment."""

import pytest

from tests.reports.periodic.helpers import D, pipeline

pytestmark = pytest.mark.django_db


def test_pipeline_admin_is_read_only_and_scoped(world, login):
    mine = pipeline(world.branch_a, name="甲申请人", applied=D(2026, 3, 1))
    other = pipeline(world.other_branch, name="乙申请人", applied=D(2026, 3, 1))
    world.shuji_a.is_staff = True
    world.shuji_a.save(update_fields=["is_staff"])
    client = login("shuji_a")
    page = client.get("/admin/recruitment/pipeline/")
    assert page.status_code == 200
    assert "甲申请人" in page.content.decode()
    assert "乙申请人" not in page.content.decode()
    assert client.get(f"/admin/recruitment/pipeline/{mine.pk}/change/").status_code == 200
    assert client.get(f"/admin/recruitment/pipeline/{other.pk}/change/").status_code == 302  # not found
    assert client.get("/admin/recruitment/pipeline/add/").status_code == 403
    form = client.get(f"/admin/recruitment/pipeline/{mine.pk}/change/").content.decode()
    assert 'name="stage"' not in form  # every field read-only


def test_pipeline_admin_needs_manage_recruitment(world, login):
    world.xuanchuan_a.is_staff = True
    world.xuanchuan_a.save(update_fields=["is_staff"])
    assert login("xuanchuan_a").get("/admin/recruitment/pipeline/").status_code == 403

"""The reminders in the Django admin: read-only, scoped like the other admin pages."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.admin.sites import site
from django.test import RequestFactory

from branches import reminders
from branches.models import Notification, RoleKind
from tests.factories import RoleFactory, UserFactory

pytestmark = pytest.mark.django_db

ON = datetime.date(2026, 3, 28)


@pytest.fixture
def reminded(world):
    reminders.reminders_compute(on=ON)
    assert Notification.objects.filter(organization=world.other_branch).exists()
    return world


def test_superuser_sees_the_list_with_filters_and_search(reminded, client):
    client.force_login(reminded.admin)
    response = client.get("/admin/branches/notification/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "第一党支部" in page
    assert "乙所第一党支部" in page
    assert "未读" in page  # the read-state filter
    assert "会议已逾期" in page  # the kind filter and column
    response = client.get("/admin/branches/notification/", {"q": "shuji_b"})
    assert response.status_code == 200
    assert response.context["cl"].result_count == Notification.objects.filter(user=reminded.shuji_b).count() > 0
    response = client.get("/admin/branches/notification/", {"read": "yes"})
    assert response.context["cl"].result_count == 0


def test_the_list_costs_the_same_queries_at_any_size(reminded, client, django_assert_max_num_queries):
    client.force_login(reminded.admin)
    with django_assert_max_num_queries(20):
        assert client.get("/admin/branches/notification/").status_code == 200


def test_a_reminder_opens_read_only(reminded, client):
    client.force_login(reminded.admin)
    row = Notification.objects.filter(user=reminded.shuji_a).first()
    response = client.get(f"/admin/branches/notification/{row.pk}/change/")
    assert response.status_code == 200
    assert row.title in response.content.decode()
    assert 'name="title"' not in response.content.decode()  # no editable field
    assert client.get("/admin/branches/notification/add/").status_code == 403
    assert client.post(f"/admin/branches/notification/{row.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Notification.objects.filter(pk=row.pk).exists()


def test_staff_see_only_the_reminders_of_organizations_they_administer(reminded, client):
    staff = UserFactory(username="staff_jia", is_staff=True)
    RoleFactory(user=staff, organization=reminded.institute, kind=RoleKind.ORG_DEPARTMENT)
    request = RequestFactory().get("/admin/")
    request.user = staff
    orgs = {n.organization for n in site._registry[Notification].get_queryset(request)}
    assert orgs == {reminded.branch_a, reminded.branch_b}
    client.force_login(staff)
    assert client.get("/admin/branches/notification/").status_code == 200
    other = Notification.objects.filter(organization=reminded.other_branch).first()
    assert client.get(f"/admin/branches/notification/{other.pk}/change/").status_code == 302
    mine = Notification.objects.filter(organization=reminded.branch_a).first()
    assert client.get(f"/admin/branches/notification/{mine.pk}/change/").status_code == 200

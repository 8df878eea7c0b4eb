import pytest
from auditlog.models import LogEntry
from django.contrib.admin.sites import site
from django.test import RequestFactory

from branches.models import Organization, Role, RoleKind
from tests.factories import RoleFactory, UserFactory

from .conftest import audit_entries, days

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_jia(world):
    """A staff user with 组织部 rights over 甲所 only."""
    user = UserFactory(username="staff_jia", is_staff=True)
    RoleFactory(user=user, organization=world.institute, kind=RoleKind.ORG_DEPARTMENT)
    return user


def request_for(user):
    request = RequestFactory().get("/admin/")
    request.user = user
    return request


def test_organization_queryset_scoped_to_administer(world, staff_jia):
    model_admin = site._registry[Organization]
    orgs = set(model_admin.get_queryset(request_for(staff_jia)))
    assert orgs == {world.institute, world.branch_a, world.branch_b, world.group_a}
    assert set(model_admin.get_queryset(request_for(world.admin))) == set(Organization.objects.all())


def test_change_permission_checked_per_object(world, staff_jia):
    model_admin = site._registry[Organization]
    request = request_for(staff_jia)
    assert model_admin.has_change_permission(request, world.branch_a)
    assert not model_admin.has_change_permission(request, world.other_branch)
    assert not model_admin.has_delete_permission(request, world.branch_a)
    assert not model_admin.has_add_permission(request)


def test_role_admin_scoped(world, staff_jia):
    model_admin = site._registry[Role]
    request = request_for(staff_jia)
    users = {r.user.username for r in model_admin.get_queryset(request)}
    assert users == {"dangwei", "shuji_a", "shuji_b", "xuanchuan_a", "staff_jia"}
    outsider_role = world.outsider.portal_roles.get()
    assert not model_admin.has_change_permission(request, outsider_role)
    assert model_admin.has_change_permission(request, world.shuji_a.portal_roles.get())


def test_admin_pages_over_http(world, client, staff_jia):
    client.force_login(staff_jia)
    assert client.get(f"/admin/branches/organization/{world.branch_a.pk}/change/").status_code == 200
    assert client.get(f"/admin/branches/organization/{world.other_branch.pk}/change/").status_code == 302
    response = client.get("/admin/branches/organization/")
    assert response.status_code == 200
    assert "乙所第一党支部" not in response.content.decode()


def test_admin_change_goes_through_the_service(world, client, staff_jia):
    client.force_login(staff_jia)
    org = world.branch_b
    data = {
        "name": org.name, "short_name": "第二支部", "code": org.code, "unit_relation": org.unit_relation,
        "founded_on": "", "unit_name": "", "term_started_on": "", "term_ends_on": "", "secretary_name": "",
        "contact_name": "", "contact_phone": "",
    }
    response = client.post(f"/admin/branches/organization/{org.pk}/change/", data)
    assert response.status_code == 302
    org.refresh_from_db()
    assert org.short_name == "第二支部"
    assert audit_entries(org, LogEntry.Action.UPDATE).get().actor == staff_jia


def test_admin_role_end(world, client, staff_jia):
    client.force_login(staff_jia)
    role = world.shuji_b.portal_roles.get()
    response = client.post(f"/admin/branches/role/{role.pk}/change/", {"ends_on": "2019-01-01"})
    assert response.status_code == 200
    assert "结束日期不能早于开始日期" in response.content.decode()
    response = client.post(f"/admin/branches/role/{role.pk}/change/", {"ends_on": days(0).isoformat()})
    assert response.status_code == 302
    role.refresh_from_db()
    assert role.ends_on == days(0)

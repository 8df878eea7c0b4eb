import pytest
from auditlog.models import LogEntry
from django.db import connection
from django.test.utils import CaptureQueriesContext

from branches.models import Organization, OrgType, Role, RoleKind
from members.codes import MemberCategory
from tests.factories import RoleFactory, UserFactory, make_member, make_org

from .conftest import audit_entries, days

pytestmark = pytest.mark.django_db

JSON = "application/json"
NEW = {"name": "中共甲研究所第三支部委员会", "short_name": "第三党支部", "org_type": "branch", "code": "JIA-3"}


def ids(response) -> set[int]:
    return {row["id"] for row in response.json()["results"]}


class TestOrganizationList:
    def test_scoped(self, world, login):
        assert ids(login("shuji_a").get("/api/v1/organizations/")) == {world.branch_a.pk, world.group_a.pk}
        assert len(ids(login("zuzhibu").get("/api/v1/organizations/"))) == 7

    def test_filters_and_ordering(self, world, login):
        client = login("zuzhibu")
        assert ids(client.get(f"/api/v1/organizations/?parent={world.institute.pk}")) == {
            world.branch_a.pk, world.branch_b.pk}
        assert ids(client.get("/api/v1/organizations/?org_type=party_group")) == {world.group_a.pk}
        assert ids(client.get("/api/v1/organizations/?q=乙所")) == {world.other_institute.pk, world.other_branch.pk}
        names = [r["short_name"] for r in client.get("/api/v1/organizations/?ordering=-short_name").json()["results"]]
        assert names == sorted(names, reverse=True)

    def test_include_closed(self, world, login):
        empty = make_org(world.institute, org_type=OrgType.BRANCH)
        Organization.objects.filter(pk=empty.pk).update(closed_on=days(0))
        client = login("zuzhibu")
        assert empty.pk not in ids(client.get("/api/v1/organizations/"))
        assert empty.pk in ids(client.get("/api/v1/organizations/?include_closed=true"))

    def test_counts_parent_and_warnings(self, world, login):
        Organization.objects.filter(pk=world.branch_b.pk).update(term_ends_on=days(-2))
        rows = {r["id"]: r for r in login("dangwei").get("/api/v1/organizations/").json()["results"]}
        a = rows[world.branch_a.pk]
        assert (a["full_count"], a["probationary_count"], a["parent"]) == (2, 0, world.institute.pk)
        assert rows[world.institute.pk]["parent"] == world.root.pk
        assert rows[world.branch_b.pk]["warnings"][0]["code"] == "term_overdue"

    def test_query_count_constant(self, world, login):
        client = login("zuzhibu")

        def count():
            with CaptureQueriesContext(connection) as ctx:
                assert client.get("/api/v1/organizations/").status_code == 200
            return len(ctx.captured_queries)

        small = count()
        for _ in range(20):
            b = make_org(world.institute, org_type=OrgType.BRANCH)
            make_member(b, category=MemberCategory.PROBATIONARY)
        assert count() == small

    def test_without_role_403_and_anonymous(self, world, login, client):
        assert client.get("/api/v1/organizations/").status_code == 403
        assert login("dangyuan").get("/api/v1/organizations/").status_code == 403


class TestOrganizationDetail:
    def test_retrieve_with_warnings(self, world, login):
        Organization.objects.filter(pk=world.branch_a.pk).update(term_ends_on=days(10))
        response = login("xuanchuan_a").get(f"/api/v1/organizations/{world.branch_a.pk}/")
        assert response.status_code == 200
        assert [w["code"] for w in response.json()["warnings"]] == ["term_ending"]

    def test_other_branch_404(self, world, login):
        assert login("shuji_b").get(f"/api/v1/organizations/{world.branch_a.pk}/").status_code == 404
        assert login("shuji_b").patch(f"/api/v1/organizations/{world.branch_a.pk}/", {"short_name": "x"},
                                      content_type=JSON).status_code == 404

    def test_patch(self, world, login):
        response = login("zuzhibu").patch(f"/api/v1/organizations/{world.branch_b.pk}/",
                                          {"secretary_name": "刘书记"}, content_type=JSON)
        assert response.status_code == 200
        assert response.json()["secretary_name"] == "刘书记"
        assert audit_entries(world.branch_b, LogEntry.Action.UPDATE).get().actor == world.zuzhibu

    def test_patch_in_scope_without_capability_403(self, world, login):
        for persona in ("xuanchuan_a", "shuji_a", "dangwei"):
            response = login(persona).patch(f"/api/v1/organizations/{world.branch_a.pk}/", {"short_name": "x"},
                                            content_type=JSON)
            assert response.status_code == 403
        assert Organization.objects.get(pk=world.branch_a.pk).short_name == "第一党支部"

    def test_patch_unknown_field_400(self, world, login):
        response = login("zuzhibu").patch(f"/api/v1/organizations/{world.branch_b.pk}/",
                                          {"short_name": "x", "path": "0001"}, content_type=JSON)
        assert response.status_code == 400
        assert response.json() == {"path": ["未知字段。"]}
        assert Organization.objects.get(pk=world.branch_b.pk).short_name == "第二党支部"

    def test_patch_bad_dates_400_chinese(self, world, login):
        response = login("zuzhibu").patch(f"/api/v1/organizations/{world.branch_b.pk}/", {
            "term_started_on": "2024-05-01", "term_ends_on": "2024-01-01"}, content_type=JSON)
        assert response.status_code == 400
        assert response.json()["term_ends_on"] == ["届满日期必须晚于本届开始日期。"]

    def test_anonymous(self, world, client):
        assert client.get(f"/api/v1/organizations/{world.branch_a.pk}/").status_code == 403


class TestOrganizationCreate:
    def test_creates(self, world, login):
        response = login("zuzhibu").post("/api/v1/organizations/", {**NEW, "parent": world.institute.pk},
                                         content_type=JSON)
        assert response.status_code == 201
        body = response.json()
        assert body["parent"] == world.institute.pk
        org = Organization.objects.get(pk=body["id"])
        assert audit_entries(org, LogEntry.Action.CREATE).get().actor == world.zuzhibu

    def test_bad_input_400_nothing_saved(self, world, login):
        client = login("zuzhibu")
        before = Organization.objects.count()
        r = client.post("/api/v1/organizations/", {**NEW, "parent": world.group_a.pk}, content_type=JSON)
        assert r.status_code == 400
        assert "党小组下不能再设立党组织。" in str(r.json())
        r = client.post("/api/v1/organizations/", {**NEW, "parent": world.institute.pk, "depth": 2}, content_type=JSON)
        assert r.status_code == 400
        assert r.json() == {"depth": ["未知字段。"]}
        assert Organization.objects.count() == before

    def test_permissions(self, world, login, client, admin_yi):
        data = {**NEW, "parent": world.institute.pk}
        assert client.post("/api/v1/organizations/", data, content_type=JSON).status_code == 403
        assert login("dangwei").post("/api/v1/organizations/", data, content_type=JSON).status_code == 403
        assert login("zuzhibu_yi").post("/api/v1/organizations/", data, content_type=JSON).status_code == 404
        assert login("zuzhibu").post("/api/v1/organizations/", {**NEW, "parent": None},
                                     content_type=JSON).status_code == 403
        assert not Organization.objects.filter(code="JIA-3").exists()


class TestMoveAndClose:
    def test_move(self, world, login):
        response = login("zuzhibu").post(f"/api/v1/organizations/{world.branch_b.pk}/move/",
                                         {"parent": world.other_institute.pk}, content_type=JSON)
        assert response.status_code == 200
        assert response.json()["parent"] == world.other_institute.pk

    def test_move_under_descendant_400(self, world, login):
        response = login("zuzhibu").post(f"/api/v1/organizations/{world.institute.pk}/move/",
                                         {"parent": world.group_a.pk}, content_type=JSON)
        assert response.status_code == 400
        assert "不能把“甲所党委”移到它自己的下级组织“第一党小组”之下。" in response.json()["new_parent"]

    def test_move_into_other_scope_404(self, world, login):
        jia = UserFactory(username="zuzhibu_jia")
        RoleFactory(user=jia, organization=world.institute, kind=RoleKind.ORG_DEPARTMENT)
        path = world.branch_b.path
        response = login("zuzhibu_jia").post(f"/api/v1/organizations/{world.branch_b.pk}/move/",
                                             {"parent": world.other_institute.pk}, content_type=JSON)
        assert response.status_code == 404
        assert Organization.objects.get(pk=world.branch_b.pk).path == path

    def test_move_permissions(self, world, login):
        url = f"/api/v1/organizations/{world.group_a.pk}/move/"
        assert login("xuanchuan_a").post(url, {"parent": world.branch_b.pk}, content_type=JSON).status_code == 403
        assert login("shuji_b").post(url, {"parent": world.branch_b.pk}, content_type=JSON).status_code == 404
        assert login("zuzhibu").post(url, {"parent": world.branch_b.pk, "pos": "x"},
                                     content_type=JSON).status_code == 400

    def test_close(self, world, login):
        empty = make_org(world.institute, org_type=OrgType.BRANCH)
        response = login("zuzhibu").post(f"/api/v1/organizations/{empty.pk}/close/",
                                         {"closed_on": days(0).isoformat(), "reason": "撤并"}, content_type=JSON)
        assert response.status_code == 200
        assert response.json()["closed_on"] == days(0).isoformat()

    def test_close_with_members_400(self, world, login):
        response = login("zuzhibu").post(f"/api/v1/organizations/{world.branch_a.pk}/close/",
                                         {"closed_on": days(0).isoformat(), "reason": "撤并"}, content_type=JSON)
        assert response.status_code == 400
        assert "还有 2 名人员编在该组织" in response.json()["non_field_errors"][0]
        assert Organization.objects.get(pk=world.branch_a.pk).closed_on is None

    def test_close_permissions(self, world, login):
        url = f"/api/v1/organizations/{world.branch_b.pk}/close/"
        data = {"closed_on": days(0).isoformat(), "reason": "x"}
        assert login("dangwei").post(url, data, content_type=JSON).status_code == 403
        assert login("shuji_a").post(url, data, content_type=JSON).status_code == 404


class TestRolesApi:
    def test_list_scoped_and_filtered(self, world, login, admin_yi):
        client = login("zuzhibu")
        rows = client.get(f"/api/v1/roles/?organization={world.branch_a.pk}").json()["results"]
        assert {r["username"] for r in rows} == {"shuji_a", "xuanchuan_a"}
        assert {r["username"] for r in client.get("/api/v1/roles/?kind=secretary&active=true").json()["results"]} == {
            "shuji_a", "shuji_b", "outsider"}
        yi = login("zuzhibu_yi").get("/api/v1/roles/").json()["results"]
        assert {r["username"] for r in yi} == {"outsider", "zuzhibu_yi"}

    @pytest.mark.parametrize("persona", ["dangwei", "shuji_a", "xuanchuan_a", "dangyuan"])
    def test_non_administrators_403(self, world, login, persona):
        assert login(persona).get("/api/v1/roles/").status_code == 403

    def test_grant(self, world, login):
        response = login("zuzhibu").post("/api/v1/roles/", {
            "user": world.dangyuan.pk, "organization": world.branch_a.pk, "kind": "organization_member",
            "starts_on": days(0).isoformat()}, content_type=JSON)
        assert response.status_code == 201
        role = Role.objects.get(pk=response.json()["id"])
        assert audit_entries(role, LogEntry.Action.CREATE).get().actor == world.zuzhibu

    def test_grant_bad_input(self, world, login):
        client = login("zuzhibu")
        r = client.post("/api/v1/roles/", {"user": world.dangyuan.pk, "organization": world.branch_a.pk,
                                           "kind": "secretary", "starts_on": "2025-03-01", "ends_on": "2025-01-01"},
                        content_type=JSON)
        assert r.status_code == 400
        assert r.json()["ends_on"] == ["结束日期（2025-01-01）不能早于开始日期（2025-03-01）。"]
        r = client.post("/api/v1/roles/", {"user": world.dangyuan.pk, "organization": world.branch_a.pk,
                                           "kind": "secretary", "starts_on": "2025-03-01", "admin": True},
                        content_type=JSON)
        assert r.json() == {"admin": ["未知字段。"]}
        assert not Role.objects.filter(user=world.dangyuan).exists()

    def test_grant_outside_scope_404(self, world, login, admin_yi):
        r = login("zuzhibu_yi").post("/api/v1/roles/", {"user": world.dangyuan.pk, "organization": world.branch_a.pk,
                                                        "kind": "secretary", "starts_on": "2025-03-01"},
                                     content_type=JSON)
        assert r.status_code == 404
        assert not Role.objects.filter(user=world.dangyuan).exists()

    def test_end(self, world, login):
        role = world.shuji_a.portal_roles.get()
        r = login("zuzhibu").post(f"/api/v1/roles/{role.pk}/end/", {"ends_on": days(0).isoformat()},
                                  content_type=JSON)
        assert r.status_code == 200
        assert r.json()["ends_on"] == days(0).isoformat()
        assert audit_entries(role, LogEntry.Action.UPDATE).get().actor == world.zuzhibu

    def test_end_refusals(self, world, login, client):
        role = world.shuji_a.portal_roles.get()
        url = f"/api/v1/roles/{role.pk}/end/"
        assert client.post(url, {"ends_on": days(0).isoformat()}, content_type=JSON).status_code == 403
        assert login("xuanchuan_a").post(url, {"ends_on": days(0).isoformat()}, content_type=JSON).status_code == 403
        assert login("outsider").post(url, {"ends_on": days(0).isoformat()}, content_type=JSON).status_code == 404
        r = login("zuzhibu").post(url, {"ends_on": "2019-01-01"}, content_type=JSON)
        assert r.status_code == 400
        assert "不能早于该职务的开始日期" in r.json()["ends_on"][0]
        assert Role.objects.get(pk=role.pk).ends_on is None


class TestMe:
    def test_me(self, world, login):
        body = login("shuji_a").get("/api/v1/me/").json()
        assert body["username"] == "shuji_a"
        assert body["dashboard"] == "branch"
        assert [r["organization"] for r in body["roles"]] == [world.branch_a.pk]
        assert "edit_people" in body["capabilities"]
        assert "administer" not in body["capabilities"]
        assert login("dangyuan").get("/api/v1/me/").json()["dashboard"] == "member"
        assert login("zuzhibu").get("/api/v1/me/").json()["dashboard"] == "committee"

    def test_me_is_cheap(self, world, login):
        client = login("zuzhibu")
        with CaptureQueriesContext(connection) as ctx:
            client.get("/api/v1/me/")
        assert len(ctx.captured_queries) <= 4  # session, user, scope, roles

    def test_anonymous(self, client):
        assert client.get("/api/v1/me/").status_code == 403


def test_schema_documents_the_endpoints(world, login):
    schema = login("admin").get("/api/schema/?format=json").json()
    for path in ("/api/v1/organizations/", "/api/v1/organizations/{id}/", "/api/v1/organizations/{id}/move/",
                 "/api/v1/organizations/{id}/close/", "/api/v1/roles/", "/api/v1/roles/{id}/end/", "/api/v1/me/"):
        assert path in schema["paths"], path
    params = {p["name"] for p in schema["paths"]["/api/v1/organizations/"]["get"]["parameters"]}
    assert {"org_type", "parent", "q", "include_closed", "ordering", "page"} <= params
    role_params = {p["name"] for p in schema["paths"]["/api/v1/roles/"]["get"]["parameters"]}
    assert {"organization", "kind", "active", "ordering", "page"} <= role_params

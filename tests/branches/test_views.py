import datetime

import pytest
from auditlog.models import LogEntry
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext

from branches import services
from branches.models import Organization, OrgType, Role, RoleKind
from members.codes import MemberCategory
from tests.factories import RoleFactory, UserFactory, make_member, make_org

from .conftest import audit_entries, days

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return response.content.decode()


def grow(world, n: int, parent=None) -> None:
    for i in range(n):
        b = make_org(parent or world.institute, org_type=OrgType.BRANCH, term_ends_on=days(i - 3))
        make_org(b, org_type=OrgType.PARTY_GROUP)
        make_member(b)
        make_member(b, category=MemberCategory.PROBATIONARY)


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


class TestAnonymous:
    @pytest.mark.parametrize("url", [
        "/orgs/", "/orgs/search/?q=a", "/orgs/{a}/", "/orgs/{i}/children/", "/orgs/{i}/add-child/",
        "/orgs/{a}/edit/", "/orgs/{a}/move/", "/orgs/{a}/close/", "/orgs/roles/", "/orgs/roles/grant/",
        "/orgs/roles/users/?username=a", "/orgs/roles/{r}/end/", "/orgs/audit/", "/",
    ])
    def test_redirected_to_login(self, world, client, url):
        role = world.shuji_a.portal_roles.get()
        url = url.format(a=world.branch_a.pk, i=world.institute.pk, r=role.pk)
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


class TestTree:
    def test_committee_sees_whole_scope(self, world, login):
        response = login("zuzhibu").get("/orgs/")
        assert response.status_code == 200
        body = text(response)
        for org in (world.root, world.institute, world.branch_a, world.other_branch, world.group_a):
            assert f'href="/orgs/{org.pk}/"' in body

    def test_secretary_sees_only_own_branch(self, world, login):
        body = text(login("shuji_a").get("/orgs/"))
        assert f'href="/orgs/{world.branch_a.pk}/"' in body
        assert f'href="/orgs/{world.group_a.pk}/"' in body
        assert f'href="/orgs/{world.branch_b.pk}/"' not in body
        assert f'href="/orgs/{world.institute.pk}/"' not in body

    def test_without_any_role_403(self, world, login):
        assert login("dangyuan").get("/orgs/").status_code == 403

    def test_closed_hidden_unless_asked_and_warning_view(self, world, login):
        empty = make_org(world.institute, org_type=OrgType.BRANCH, short_name="已撤销的支部")
        services.organization_close(actor=world.admin, organization=empty, closed_on=days(0), reason="撤并")
        Organization.objects.filter(pk=world.branch_b.pk).update(term_ends_on=days(-3))
        client = login("dangwei")
        assert "已撤销的支部" not in text(client.get("/orgs/"))
        assert "已撤销的支部" in text(client.get("/orgs/?closed=1"))
        flagged = text(client.get("/orgs/?warnings=1"))
        assert f'href="/orgs/{world.branch_b.pk}/"' in flagged
        assert f'href="/orgs/{world.branch_a.pk}/"' not in flagged
        assert "超期未换届" in flagged

    def test_query_count_constant(self, world, login):
        client = login("zuzhibu")
        grow(world, 3)
        small = count_queries(client, "/orgs/")
        grow(world, 27)
        assert count_queries(client, "/orgs/") == small

    def test_large_tree_loads_deeper_levels_on_demand(self, world, login, monkeypatch):
        from branches import views

        monkeypatch.setattr(views, "TREE_FULL_RENDER_LIMIT", 3)
        body = text(login("zuzhibu").get("/orgs/"))
        assert f'href="/orgs/{world.institute.pk}/"' in body
        assert f'href="/orgs/{world.branch_a.pk}/"' not in body
        assert f"/orgs/{world.institute.pk}/children/?level=2" in body


class TestSearchAndChildren:
    def test_search_scoped(self, world, login):
        assert f'href="/orgs/{world.branch_a.pk}/"' in text(login("dangwei").get("/orgs/search/?q=第一支部"))
        assert f'href="/orgs/{world.branch_a.pk}/"' not in text(login("shuji_b").get("/orgs/search/?q=第一支部"))
        assert login("dangyuan").get("/orgs/search/?q=第一").status_code == 403

    def test_children_rows(self, world, login):
        response = login("dangwei").get(f"/orgs/{world.institute.pk}/children/?level=1")
        assert response.status_code == 200
        assert f'href="/orgs/{world.branch_b.pk}/"' in text(response)
        assert f'href="/orgs/{world.group_a.pk}/"' not in text(response)  # direct children only
        assert login("shuji_b").get(f"/orgs/{world.institute.pk}/children/").status_code == 404
        assert login("shuji_a").get(f"/orgs/{world.branch_a.pk}/children/").status_code == 200


class TestDetail:
    def test_in_scope_without_administer_has_no_buttons(self, world, login):
        response = login("dangwei").get(f"/orgs/{world.branch_a.pk}/")
        assert response.status_code == 200
        body = text(response)
        assert "中共甲研究所第一支部委员会" in body
        assert f"/people/?org={world.branch_a.pk}" in body
        assert f"/orgs/{world.branch_a.pk}/edit/" not in body
        assert "shuji_a" in body  # the role held there

    def test_administrator_gets_buttons(self, world, login):
        body = text(login("zuzhibu").get(f"/orgs/{world.branch_a.pk}/"))
        for action in ("edit", "move", "close"):
            assert f"/orgs/{world.branch_a.pk}/{action}/" in body
        assert f"/orgs/{world.branch_a.pk}/add-child/" in body

    def test_shows_warnings(self, world, login):
        Organization.objects.filter(pk=world.branch_b.pk).update(term_ends_on=days(-3))
        assert "已超期 3 天" in text(login("shuji_b").get(f"/orgs/{world.branch_b.pk}/"))

    def test_other_branch_404(self, world, login):
        assert login("shuji_b").get(f"/orgs/{world.branch_a.pk}/").status_code == 404
        assert login("outsider").get(f"/orgs/{world.institute.pk}/").status_code == 404
        assert login("dangyuan").get(f"/orgs/{world.branch_a.pk}/").status_code == 404


FORM = {"name": "中共甲研究所第三支部委员会", "short_name": "第三党支部", "code": "JIA-3", "org_type": "branch",
        "unit_relation": "same_as_parent"}


class TestCreateChild:
    def test_creates(self, world, login):
        client = login("zuzhibu")
        assert client.get(f"/orgs/{world.institute.pk}/add-child/").status_code == 200
        response = client.post(f"/orgs/{world.institute.pk}/add-child/", FORM)
        org = Organization.objects.get(code="JIA-3")
        assert response.status_code == 302
        assert response["Location"] == f"/orgs/{org.pk}/"
        assert org.path.startswith(world.institute.path)
        assert audit_entries(org, LogEntry.Action.CREATE).get().actor == world.zuzhibu

    def test_bad_input_saves_nothing(self, world, login):
        before = Organization.objects.count()
        response = login("zuzhibu").post(f"/orgs/{world.institute.pk}/add-child/", {
            **FORM, "code": world.branch_a.code, "term_started_on": "2024-05-01", "term_ends_on": "2024-01-01"})
        assert response.status_code == 200
        body = text(response)
        assert "届满日期必须晚于本届开始日期。" in body
        assert Organization.objects.count() == before

    def test_duplicate_code_message(self, world, login):
        response = login("zuzhibu").post(f"/orgs/{world.institute.pk}/add-child/", {**FORM, "code": world.branch_a.code})
        assert "组织代码" in text(response)
        assert "已被" in text(response)
        assert not Organization.objects.filter(short_name="第三党支部").exists()

    def test_only_party_groups_offered_under_a_branch(self, world, login):
        response = login("zuzhibu").post(f"/orgs/{world.branch_a.pk}/add-child/", FORM)
        assert response.status_code == 200
        assert not Organization.objects.filter(short_name="第三党支部").exists()

    @pytest.mark.parametrize(("persona", "status"), [("dangwei", 403), ("xuanchuan_a", 403), ("shuji_b", 404),
                                                      ("outsider", 404)])
    def test_refused(self, world, login, persona, status):
        parent = world.branch_a
        assert login(persona).post(f"/orgs/{parent.pk}/add-child/", {**FORM, "org_type": "party_group"}).status_code == status
        assert not Organization.objects.filter(code="JIA-3").exists()


class TestEdit:
    def test_edits(self, world, login):
        data = {**FORM, "name": world.branch_b.name, "short_name": "第二支部", "code": world.branch_b.code,
                "secretary_name": "刘书记"}
        response = login("zuzhibu").post(f"/orgs/{world.branch_b.pk}/edit/", data)
        assert response.status_code == 302
        world.branch_b.refresh_from_db()
        assert (world.branch_b.short_name, world.branch_b.secretary_name) == ("第二支部", "刘书记")
        assert audit_entries(world.branch_b, LogEntry.Action.UPDATE).get().actor == world.zuzhibu

    def test_type_change_refused_with_message(self, world, login):
        data = {**FORM, "name": world.institute.name, "short_name": "甲所党委", "code": world.institute.code,
                "org_type": "branch"}
        response = login("zuzhibu").post(f"/orgs/{world.institute.pk}/edit/", data)
        assert response.status_code == 200
        assert "党支部之下只能设党小组" in text(response)
        assert Organization.objects.get(pk=world.institute.pk).org_type == OrgType.COMMITTEE

    @pytest.mark.parametrize(("persona", "status"), [("dangwei", 403), ("shuji_a", 403), ("outsider", 404)])
    def test_refused(self, world, login, persona, status):
        client = login(persona)
        assert client.get(f"/orgs/{world.branch_a.pk}/edit/").status_code == status
        assert client.post(f"/orgs/{world.branch_a.pk}/edit/", {**FORM, "code": "X"}).status_code == status
        assert Organization.objects.get(pk=world.branch_a.pk).short_name == "第一党支部"


class TestMove:
    def test_moves(self, world, login):
        client = login("zuzhibu")
        page = text(client.get(f"/orgs/{world.branch_b.pk}/move/"))
        assert f'value="{world.other_institute.pk}"' in page
        assert f'value="{world.branch_a.pk}"' not in page  # a branch cannot hold a branch
        response = client.post(f"/orgs/{world.branch_b.pk}/move/", {"new_parent": world.other_institute.pk})
        assert response.status_code == 302
        world.branch_b.refresh_from_db()
        assert world.branch_b.path.startswith(world.other_institute.path)

    def test_under_own_descendant_refused(self, world, login):
        path = world.institute.path
        response = login("zuzhibu").post(f"/orgs/{world.institute.pk}/move/", {"new_parent": world.branch_a.pk})
        assert response.status_code == 200
        assert "不能把“甲所党委”移到它自己的下级组织“第一党支部”之下。" in text(response)
        assert Organization.objects.get(pk=world.institute.pk).path == path

    def test_into_another_scope_is_404(self, world, login):
        jia = UserFactory(username="zuzhibu_jia")
        RoleFactory(user=jia, organization=world.institute, kind=RoleKind.ORG_DEPARTMENT)
        path = world.branch_a.path
        response = login("zuzhibu_jia").post(f"/orgs/{world.branch_a.pk}/move/",
                                             {"new_parent": world.other_institute.pk})
        assert response.status_code == 404
        assert Organization.objects.get(pk=world.branch_a.pk).path == path

    @pytest.mark.parametrize(("persona", "status"), [("xuanchuan_a", 403), ("dangwei", 403), ("shuji_b", 404)])
    def test_refused(self, world, login, persona, status):
        path = world.group_a.path
        response = login(persona).post(f"/orgs/{world.group_a.pk}/move/", {"new_parent": world.branch_b.pk})
        assert response.status_code == status
        assert Organization.objects.get(pk=world.group_a.pk).path == path


class TestClose:
    def test_refused_with_people(self, world, login):
        response = login("zuzhibu").post(f"/orgs/{world.branch_b.pk}/close/",
                                         {"closed_on": days(0).isoformat(), "reason": "撤并"})
        assert response.status_code == 200
        assert "还有 1 名人员编在该组织" in text(response)
        assert Organization.objects.get(pk=world.branch_b.pk).closed_on is None

    def test_closes(self, world, login):
        empty = make_org(world.institute, org_type=OrgType.BRANCH)
        response = login("zuzhibu").post(f"/orgs/{empty.pk}/close/",
                                         {"closed_on": days(0).isoformat(), "reason": "撤并"})
        assert response.status_code == 302
        empty.refresh_from_db()
        assert empty.closed_on == days(0)
        assert Organization.objects.filter(pk=empty.pk).exists()

    @pytest.mark.parametrize(("persona", "status"), [("dangwei", 403), ("shuji_a", 404), ("outsider", 404)])
    def test_refused(self, world, login, persona, status):
        empty = make_org(world.branch_b, org_type=OrgType.PARTY_GROUP)
        response = login(persona).post(f"/orgs/{empty.pk}/close/", {"closed_on": days(0).isoformat(), "reason": "x"})
        assert response.status_code == status
        assert Organization.objects.get(pk=empty.pk).closed_on is None


class TestRoles:
    def test_list_scoped(self, world, login, admin_yi):
        body = text(login("zuzhibu").get("/orgs/roles/"))
        assert "shuji_a" in body
        assert "outsider" in body
        body = text(login("zuzhibu_yi").get("/orgs/roles/"))
        assert "outsider" in body
        assert "shuji_a" not in body

    def test_filters(self, world, login):
        client = login("zuzhibu")
        body = text(client.get("/orgs/roles/?org=第一支部&kind=secretary&active=1"))
        assert "shuji_a" in body
        assert "xuanchuan_a" not in body
        assert "shuji_b" not in body
        assert "没有符合条件的职务" in text(client.get("/orgs/roles/?active=0"))

    @pytest.mark.parametrize("persona", ["dangwei", "shuji_a", "xuanchuan_a", "dangyuan"])
    def test_non_administrators_403(self, world, login, persona):
        client = login(persona)
        assert client.get("/orgs/roles/").status_code == 403
        assert client.get("/orgs/roles/grant/").status_code == 403
        assert client.get("/orgs/roles/users/?username=dang").status_code == 403

    def test_query_count_constant(self, world, login):
        client = login("zuzhibu")
        small = count_queries(client, "/orgs/roles/")
        for i in range(20):
            RoleFactory(user=UserFactory(), organization=world.branch_b, kind=RoleKind.PROPAGANDA_MEMBER,
                        starts_on=datetime.date(2024, 1, 1) + datetime.timedelta(days=i))
        assert count_queries(client, "/orgs/roles/") == small

    def test_grant_existing_user(self, world, login):
        response = login("zuzhibu").post("/orgs/roles/grant/", {
            "account": "existing", "username": "dangyuan", "organization": world.branch_a.pk,
            "kind": "organization_member", "starts_on": days(0).isoformat()})
        assert response.status_code == 302
        role = Role.objects.get(user=world.dangyuan)
        assert role.kind == RoleKind.ORGANIZATION_MEMBER
        assert audit_entries(role, LogEntry.Action.CREATE).get().actor == world.zuzhibu

    def test_grant_new_account(self, world, login):
        response = login("zuzhibu").post("/orgs/roles/grant/", {
            "account": "new", "username": "lihua", "full_name": "李华", "password": "Dangjian#2026",
            "organization": world.branch_b.pk, "kind": "discipline_member", "starts_on": days(0).isoformat()})
        assert response.status_code == 302
        assert Role.objects.get(user__username="lihua").organization == world.branch_b

    def test_grant_bad_input_saves_nothing(self, world, login):
        response = login("zuzhibu").post("/orgs/roles/grant/", {
            "account": "new", "username": "lihua", "full_name": "李华", "password": "Dangjian#2026",
            "organization": world.branch_b.pk, "kind": "discipline_member",
            "starts_on": "2025-03-01", "ends_on": "2025-02-01"})
        assert response.status_code == 200
        assert "结束日期（2025-02-01）不能早于开始日期（2025-03-01）。" in text(response)
        assert not User.objects.filter(username="lihua").exists()

    def test_grant_unknown_username(self, world, login):
        response = login("zuzhibu").post("/orgs/roles/grant/", {
            "account": "existing", "username": "nobody", "organization": world.branch_b.pk,
            "kind": "discipline_member", "starts_on": days(0).isoformat()})
        assert "找不到用户名为“nobody”的账号" in text(response)
        assert Role.objects.count() == 7

    def test_grant_outside_scope_refused(self, world, login, admin_yi):
        response = login("zuzhibu_yi").post("/orgs/roles/grant/", {
            "account": "existing", "username": "dangyuan", "organization": world.branch_a.pk,
            "kind": "discipline_member", "starts_on": days(0).isoformat()})
        assert response.status_code == 200
        assert not Role.objects.filter(user=world.dangyuan).exists()

    def test_user_candidates(self, world, login):
        body = text(login("zuzhibu").get("/orgs/roles/users/?username=dangy"))
        assert 'value="dangyuan"' in body

    def test_end(self, world, login):
        role = world.shuji_a.portal_roles.get()
        client = login("zuzhibu")
        assert client.get(f"/orgs/roles/{role.pk}/end/").status_code == 200
        response = client.post(f"/orgs/roles/{role.pk}/end/", {"ends_on": days(0).isoformat()})
        assert response.status_code == 302
        role.refresh_from_db()
        assert role.ends_on == days(0)
        assert audit_entries(role, LogEntry.Action.UPDATE).get().actor == world.zuzhibu

    def test_end_before_start_refused(self, world, login):
        role = world.shuji_a.portal_roles.get()
        response = login("zuzhibu").post(f"/orgs/roles/{role.pk}/end/", {"ends_on": "2019-01-01"})
        assert response.status_code == 200
        assert "不能早于该职务的开始日期（2020-01-01）" in text(response)
        assert Role.objects.get(pk=role.pk).ends_on is None

    @pytest.mark.parametrize(("persona", "status"), [("xuanchuan_a", 403), ("dangwei", 403), ("shuji_b", 404),
                                                      ("outsider", 404)])
    def test_end_refused(self, world, login, persona, status):
        role = world.shuji_a.portal_roles.get()
        assert login(persona).post(f"/orgs/roles/{role.pk}/end/", {"ends_on": days(0).isoformat()}).status_code == status
        assert Role.objects.get(pk=role.pk).ends_on is None


class TestAudit:
    def test_superuser_searches(self, world, login):
        services.organization_update(actor=world.zuzhibu, organization=world.branch_b, data={"contact_name": "赵敏"})
        client = login("admin")
        body = text(client.get("/orgs/audit/?actor=zuzhibu&action=1"))
        assert "赵敏" in body
        assert "联系人" in body
        assert "没有符合条件的记录" in text(client.get("/orgs/audit/?actor=nobody"))
        assert "没有符合条件的记录" in text(client.get(f"/orgs/audit/?date_to={days(-1).isoformat()}&actor=zuzhibu"))

    @pytest.mark.parametrize("persona", ["zuzhibu", "dangwei", "shuji_a", "dangyuan"])
    def test_others_403(self, world, login, persona):
        assert login(persona).get("/orgs/audit/").status_code == 403

    def test_query_count_constant(self, world, login):
        client = login("admin")
        services.organization_update(actor=world.zuzhibu, organization=world.branch_b, data={"contact_name": "x"})
        # Related names are looked up once per kind of object on the page: have both kinds at both sizes.
        services.role_grant(actor=world.zuzhibu, user=UserFactory(), organization=world.branch_b,
                            kind=RoleKind.PROPAGANDA_MEMBER, starts_on=days(-1))
        count_queries(client, "/orgs/audit/")  # the first request fills the content-type cache of the filter
        small = count_queries(client, "/orgs/audit/")
        for i in range(15):
            services.role_grant(actor=world.zuzhibu, user=UserFactory(), organization=world.branch_b,
                                kind=RoleKind.PROPAGANDA_MEMBER, starts_on=days(-i))
        assert count_queries(client, "/orgs/audit/") == small


class TestDashboards:
    @pytest.mark.parametrize(("persona", "template"), [
        ("admin", "dashboards/committee.html"), ("zuzhibu", "dashboards/committee.html"),
        ("dangwei", "dashboards/committee.html"), ("shuji_a", "dashboards/branch.html"),
        ("xuanchuan_a", "dashboards/branch.html"), ("dangyuan", "dashboards/member.html"),
    ])
    def test_each_role_gets_its_dashboard(self, world, login, persona, template):
        response = login(persona).get("/")
        assert response.status_code == 200
        assert template in [t.name for t in response.templates]

    def test_committee_dashboard_content(self, world, login):
        Organization.objects.filter(pk=world.branch_b.pk).update(term_ends_on=days(-3))
        body = text(login("dangwei").get("/"))
        assert 'id="members-chart"' in body
        assert "echarts.min.js" in body
        assert "超期未换届" in body
        assert f'href="/orgs/{world.branch_b.pk}/"' in body

    def test_branch_dashboard_content(self, world, login):
        from members.models import Person

        with services.acting(world.shuji_a):
            person = Person.objects.get(pk=world.member_a.pk)
            person.post = "研究员"
            person.save()
        body = text(login("shuji_a").get("/"))
        assert "第一党支部" in body
        assert "研究员" in body  # the recent change
        assert f"/people/?org={world.branch_a.pk}" in body
        assert "李四" not in body

    def test_member_dashboard_content(self, world, login):
        body = text(login("dangyuan").get("/"))
        assert "赵喆" in body
        assert "正式党员" in body
        assert "第一支部委员会" in body

    def test_member_without_person(self, world, login):
        UserFactory(username="nobody")
        assert "尚未关联人员档案" in text(login("nobody").get("/"))

    def test_committee_query_count_constant(self, world, login):
        client = login("zuzhibu")
        grow(world, 3)
        small = count_queries(client, "/")
        grow(world, 27)
        assert count_queries(client, "/") == small

    def test_branch_query_count_constant(self, world, login):
        from members.models import Person

        client = login("shuji_a")
        small = count_queries(client, "/")
        with services.acting(world.shuji_a):
            for i in range(12):
                p = make_member(world.branch_a, category=MemberCategory.PROBATIONARY)
                person = Person.objects.get(pk=p.pk)
                person.post = f"岗位{i}"
                person.save()
        assert count_queries(client, "/") == small

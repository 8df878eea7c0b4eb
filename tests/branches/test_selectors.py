import datetime

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from branches import selectors, services
from branches.models import Organization, OrgType
from members.codes import MemberCategory
from tests.factories import make_member, make_org

from .conftest import days

pytestmark = pytest.mark.django_db


def annotated(org):
    return selectors.with_member_counts(Organization.objects.filter(pk=org.pk)).get()


def codes(org):
    return [w.code for w in selectors.organization_warnings(annotated(org))]


class TestWarnings:
    def test_settings_hold_the_regulation_defaults(self, settings):
        assert settings.PORTAL_ORG_RULES == {
            "branch_max_members": 50, "committee_required_from": 7, "term_warning_days": 90,
        }

    def test_counts_full_and_probationary_members_directly_anchored(self, world):
        make_member(world.branch_a, category=MemberCategory.PROBATIONARY)
        org = annotated(world.branch_a)
        assert (org.full_count, org.probationary_count, org.people_count) == (2, 1, 3)

    def test_branch_over_the_limit(self, world, settings):
        settings.PORTAL_ORG_RULES = {**settings.PORTAL_ORG_RULES, "branch_max_members": 2}
        assert "branch_too_large" not in codes(world.branch_a)
        make_member(world.branch_a, category=MemberCategory.PROBATIONARY)
        warning = next(w for w in selectors.organization_warnings(annotated(world.branch_a))
                       if w.code == "branch_too_large")
        assert warning.message.startswith("党员 3 名，超过 2 名")
        assert warning.level == "warning"

    def test_branch_over_fifty_by_default(self, world):
        branch = make_org(world.institute, org_type=OrgType.BRANCH, has_committee=True)
        for _ in range(51):
            make_member(branch)
        assert codes(branch) == ["branch_too_large"]

    def test_seven_full_members_need_a_committee(self, world):
        branch = make_org(world.institute, org_type=OrgType.BRANCH)
        for _ in range(6):
            make_member(branch)
        make_member(branch, category=MemberCategory.PROBATIONARY)
        assert codes(branch) == []  # the probationary member does not count
        make_member(branch)
        assert codes(branch) == ["committee_missing"]
        assert "正式党员 7 名" in selectors.organization_warnings(annotated(branch))[0].message
        Organization.objects.filter(pk=branch.pk).update(has_committee=True)
        assert codes(branch) == []

    def test_term_ending_and_overdue(self, world):
        Organization.objects.filter(pk=world.branch_a.pk).update(term_ends_on=days(30))
        Organization.objects.filter(pk=world.branch_b.pk).update(term_ends_on=days(-10))
        Organization.objects.filter(pk=world.institute.pk).update(term_ends_on=days(91))
        ending = selectors.organization_warnings(annotated(world.branch_a))
        assert [w.code for w in ending] == ["term_ending"]
        assert "还有 30 天" in ending[0].message
        overdue = selectors.organization_warnings(annotated(world.branch_b))
        assert [(w.code, w.level) for w in overdue] == [("term_overdue", "danger")]
        assert "已超期 10 天" in overdue[0].message
        assert codes(world.institute) == []

    def test_term_warning_days_configurable(self, world, settings):
        settings.PORTAL_ORG_RULES = {**settings.PORTAL_ORG_RULES, "term_warning_days": 120}
        Organization.objects.filter(pk=world.institute.pk).update(term_ends_on=days(100))
        assert codes(world.institute) == ["term_ending"]

    def test_temporary_branch_cannot_hold_probationary_members(self, world):
        temp = make_org(world.institute, org_type=OrgType.TEMPORARY_BRANCH)
        make_member(temp)
        assert codes(temp) == []
        make_member(temp, category=MemberCategory.PROBATIONARY)
        warning = selectors.organization_warnings(annotated(temp))[0]
        assert (warning.code, warning.level) == ("temporary_probationary", "danger")
        assert "临时党支部不能接收预备党员" in warning.message

    def test_closed_organizations_have_no_warnings(self, world):
        Organization.objects.filter(pk=world.branch_b.pk).update(term_ends_on=days(-10), closed_on=days(0))
        assert codes(world.branch_b) == []


def _grow(world, branches: int) -> None:
    for i in range(branches):
        b = make_org(world.institute, org_type=OrgType.BRANCH, term_ends_on=days(i - 5))
        make_org(b, org_type=OrgType.PARTY_GROUP)
        make_member(b)
        make_member(b, category=MemberCategory.PROBATIONARY)


def _queries(fn) -> int:
    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)


class TestTree:
    def test_scope(self, world):
        paths = {n.org.pk for n in selectors.organization_tree(user=world.shuji_a)}
        assert paths == {world.branch_a.pk, world.group_a.pk}
        everything = {n.org.pk for n in selectors.organization_tree(user=world.zuzhibu)}
        assert everything == set(Organization.objects.values_list("pk", flat=True))

    def test_no_scope_is_403(self, world):
        with pytest.raises(PermissionDenied):
            selectors.organization_tree(user=world.dangyuan)

    def test_levels_and_subtree_totals(self, world):
        make_member(world.branch_b, category=MemberCategory.PROBATIONARY)
        nodes = {n.org.pk: n for n in selectors.organization_tree(user=world.dangwei)}
        institute = nodes[world.institute.pk]
        assert institute.level == 0
        assert nodes[world.branch_a.pk].level == 1
        assert nodes[world.group_a.pk].level == 2
        assert (institute.members, institute.full, institute.probationary) == (4, 3, 1)
        assert institute.branches == 2
        assert institute.children == 2

    def test_subtree_warning_counts(self, world):
        Organization.objects.filter(pk=world.branch_b.pk).update(term_ends_on=days(-1))
        nodes = {n.org.pk: n for n in selectors.organization_tree(user=world.zuzhibu)}
        assert nodes[world.root.pk].subtree_warnings == 1
        assert nodes[world.institute.pk].subtree_warnings == 1
        assert nodes[world.other_institute.pk].subtree_warnings == 0
        flagged = selectors.organizations_with_warnings(nodes.values())
        assert [n.org.pk for n in flagged] == [world.branch_b.pk]

    def test_closed_hidden_unless_asked(self, world):
        empty = make_org(world.institute, org_type=OrgType.BRANCH)
        services.organization_close(actor=world.admin, organization=empty, closed_on=days(0), reason="撤并")
        assert empty.pk not in {n.org.pk for n in selectors.organization_tree(user=world.zuzhibu)}
        assert empty.pk in {n.org.pk for n in selectors.organization_tree(user=world.zuzhibu, include_closed=True)}

    def test_query_count_constant_with_3_and_30_branches(self, world):
        def run():
            user = type(world.zuzhibu).objects.get(pk=world.zuzhibu.pk)
            nodes = selectors.organization_tree(user=user)
            assert selectors.organizations_with_warnings(nodes)
            selectors.committee_dashboard(user=user)

        _grow(world, 3)
        small = _queries(run)
        _grow(world, 27)
        large = _queries(run)
        assert Organization.objects.count() > 60
        assert small == large

    def test_search_by_name_short_name_and_code_scoped(self, world):
        Organization.objects.filter(pk=world.branch_a.pk).update(code="A-0001")
        assert [o.pk for o in selectors.organization_search(user=world.dangwei, q="A-0001")] == [world.branch_a.pk]
        found = selectors.organization_search(user=world.dangwei, q="第一支部委员会")
        assert [o.pk for o in found] == [world.branch_a.pk]
        assert found[0].ancestor_names == ["院党组", "甲所党委"]
        assert [o.pk for o in selectors.organization_search(user=world.zuzhibu, q="乙所第一")] == [world.other_branch.pk]
        assert selectors.organization_search(user=world.shuji_b, q="第一党支部") == []
        assert selectors.organization_search(user=world.shuji_b, q="  ") == []

    def test_search_query_count_constant(self, world):
        _grow(world, 3)
        def run():
            user = type(world.dangwei).objects.get(pk=world.dangwei.pk)
            assert selectors.organization_search(user=user, q="测试")

        small = _queries(run)
        _grow(world, 15)
        assert _queries(run) == small


class TestDetail:
    def test_detail(self, world):
        Organization.objects.filter(pk=world.branch_b.pk).update(term_ends_on=days(-1))
        d = selectors.organization_detail(user=world.dangwei, pk=world.institute.pk)
        assert [c.pk for c in d.children] == [world.branch_a.pk, world.branch_b.pk]
        assert d.children[1].tree.warnings[0].code == "term_overdue"
        assert [r.user.username for r in d.roles] == ["dangwei"]
        assert d.ancestors == []  # the academy committee is outside dangwei's scope
        assert d.parent == world.root
        assert d.can_administer is False
        assert d.totals.members == 3

    def test_detail_outside_scope_is_404(self, world):
        with pytest.raises(Http404):
            selectors.organization_detail(user=world.shuji_b, pk=world.branch_a.pk)
        with pytest.raises(Http404):
            selectors.organization_detail(user=world.admin, pk=999999)

    def test_move_targets_exclude_own_subtree_and_wrong_types(self, world):
        targets = {o.pk for o in selectors.move_targets(user=world.zuzhibu, org=world.institute)}
        assert targets == {world.other_institute.pk}  # not its own parent, not its own branches
        group_targets = {o.pk for o in selectors.move_targets(user=world.zuzhibu, org=world.group_a)}
        assert group_targets == {world.branch_b.pk, world.other_branch.pk}


class TestRolesAndAudit:
    def test_role_list_scoped_to_administer(self, world, admin_yi):
        assert {r.user.username for r in selectors.role_list(user=admin_yi)} == {"outsider", "zuzhibu_yi"}
        all_roles = selectors.role_list(user=world.zuzhibu)
        assert all_roles.count() == 8
        assert {r.user.username for r in selectors.role_list(user=world.zuzhibu, organization=world.branch_a)} == {
            "shuji_a", "xuanchuan_a"}
        assert selectors.role_list(user=world.zuzhibu, active=False).count() == 0

    def test_user_candidates_scoped(self, world, admin_yi):
        assert [u.username for u in selectors.user_candidates(user=world.zuzhibu, q="dangyuan")] == ["dangyuan"]
        assert selectors.user_candidates(user=admin_yi, q="dangyuan") == []

    def test_audit_search_superuser_only_and_filters(self, world):
        services.organization_update(actor=world.zuzhibu, organization=world.branch_b, data={"contact_name": "赵"})
        with pytest.raises(PermissionDenied):
            selectors.audit_search(user=world.zuzhibu)
        found = list(selectors.audit_search(user=world.admin, actor="zuzhibu", action=LogEntry.Action.UPDATE,
                                            q="第二", date_from=days(0), date_to=days(0)))
        assert len(found) == 1
        assert not selectors.audit_search(user=world.admin, actor="zuzhibu", date_to=days(-1)).exists()
        selectors.describe_changes(found)
        assert [(c.label, c.before, c.after) for c in found[0].change_rows] == [("联系人", "—", "赵")]

    def test_describe_changes_names_related_objects_in_constant_queries(self, world):
        for kind in ("organization_member", "discipline_member"):
            services.role_grant(actor=world.zuzhibu, user=world.dangyuan, organization=world.branch_a, kind=kind,
                                starts_on=datetime.date(2025, 1, 1))
        entries = list(selectors.audit_search(user=world.admin, q="dangyuan"))
        with CaptureQueriesContext(connection) as ctx:
            selectors.describe_changes(entries)
        assert len(ctx.captured_queries) <= 2
        labels = {c.label: c.after for c in entries[0].change_rows}
        assert labels["党组织"] == "第一党支部"
        assert labels["职务"] in ("组织委员", "纪检委员")


class TestDashboards:
    def test_committee_dashboard_counts(self, world):
        make_member(world.branch_b, category=MemberCategory.PROBATIONARY)
        d = selectors.committee_dashboard(user=world.dangwei)
        assert (d.committees, d.branches, d.members, d.probationary) == (1, 2, 4, 1)
        assert [n.org.pk for n in d.chart] == [world.branch_a.pk, world.branch_b.pk]

    def test_branch_dashboard_recent_changes_of_my_people(self, world):
        from members.models import Person

        with services.acting(world.shuji_a):
            person = Person.objects.get(pk=world.member_a.pk)
            person.post = "研究员"
            person.save()
            other = Person.objects.get(pk=world.member_b.pk)
            other.post = "工程师"
            other.save()
        d = selectors.branch_dashboard(user=world.shuji_a)
        assert d.org == world.branch_a
        assert [e.object_repr for e in d.recent if e.actor == world.shuji_a] == ["张三"]
        assert (d.node.full, d.node.probationary) == (2, 0)

    def test_member_dashboard_through_person_user(self, world):
        d = selectors.member_dashboard(user=world.dangyuan)
        assert d.person.name == "赵喆"
        assert d.membership.category == MemberCategory.FULL
        assert d.party_years >= 14

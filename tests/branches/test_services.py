import datetime

import pytest
from auditlog.models import LogEntry
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from branches import services
from branches.models import Organization, OrgType, Role, RoleKind
from members.models import PartyMembership
from tests.factories import make_member, make_org

from .conftest import audit_entries, days

pytestmark = pytest.mark.django_db

NEW_BRANCH = {"name": "中共甲研究所第三支部委员会", "short_name": "第三党支部", "org_type": OrgType.BRANCH,
              "code": "JIA-003"}


def snapshot():
    return list(Organization.objects.order_by("pk").values_list("pk", "path", "name", "closed_on"))


def messages(exc: ValidationError) -> str:
    return " ".join(exc.messages)


class TestOrganizationCreate:
    def test_creates_child_through_treebeard_and_audits_actor(self, world):
        org = services.organization_create(actor=world.zuzhibu, parent=world.institute, data=NEW_BRANCH)
        org.refresh_from_db()
        assert org.path.startswith(world.institute.path)
        assert org.depth == world.institute.depth + 1
        assert Organization.objects.get(pk=world.institute.pk).numchild == 3
        entry = audit_entries(org, LogEntry.Action.CREATE).get()
        assert entry.actor == world.zuzhibu
        assert entry.changes_dict["name"][1] == NEW_BRANCH["name"]

    def test_party_group_under_branch(self, world):
        group = services.organization_create(
            actor=world.zuzhibu, parent=world.branch_b,
            data={"name": "第二党支部第一党小组", "short_name": "第一党小组", "org_type": OrgType.PARTY_GROUP},
        )
        assert group.path.startswith(world.branch_b.path)

    @pytest.mark.parametrize(
        ("parent", "org_type", "message"),
        [
            ("group_a", OrgType.BRANCH, "党小组下不能再设立党组织"),
            ("branch_a", OrgType.BRANCH, "党支部之下只能设立党小组"),
            ("institute", OrgType.PARTY_GROUP, "党小组只能设在党支部"),
        ],
    )
    def test_refuses_wrong_placement(self, world, parent, org_type, message):
        before = snapshot()
        with pytest.raises(ValidationError) as exc:
            services.organization_create(actor=world.admin, parent=getattr(world, parent),
                                         data={**NEW_BRANCH, "org_type": org_type})
        assert message in messages(exc.value)
        assert snapshot() == before

    def test_refuses_duplicate_code(self, world):
        before = snapshot()
        with pytest.raises(ValidationError) as exc:
            services.organization_create(actor=world.zuzhibu, parent=world.institute,
                                         data={**NEW_BRANCH, "code": world.branch_a.code})
        assert "已被“中共甲研究所第一支部委员会”使用" in " ".join(exc.value.message_dict["code"])
        assert snapshot() == before

    def test_refuses_term_ending_before_it_starts_and_future_founding(self, world):
        with pytest.raises(ValidationError) as exc:
            services.organization_create(actor=world.zuzhibu, parent=world.institute, data={
                **NEW_BRANCH, "term_started_on": datetime.date(2024, 5, 1), "term_ends_on": datetime.date(2024, 4, 1),
                "founded_on": days(3),
            })
        assert exc.value.message_dict["term_ends_on"] == ["届满日期必须晚于本届开始日期。"]
        assert exc.value.message_dict["founded_on"] == ["成立日期不能晚于今天。"]
        assert not Organization.objects.filter(code="JIA-003").exists()

    def test_refuses_unknown_fields(self, world):
        with pytest.raises(ValidationError) as exc:
            services.organization_create(actor=world.zuzhibu, parent=world.institute, data={**NEW_BRANCH, "path": "0001"})
        assert exc.value.message_dict == {"path": ["未知字段。"]}

    def test_needs_administer_on_parent(self, world, admin_yi):
        with pytest.raises(PermissionDenied):
            services.organization_create(actor=world.dangwei, parent=world.institute, data=NEW_BRANCH)
        with pytest.raises(Http404):
            services.organization_create(actor=admin_yi, parent=world.institute, data=NEW_BRANCH)
        assert not Organization.objects.filter(code="JIA-003").exists()

    def test_only_superusers_create_roots(self, world):
        with pytest.raises(PermissionDenied):
            services.organization_create(actor=world.zuzhibu, parent=None, data={**NEW_BRANCH, "org_type": "committee"})
        root = services.organization_create(actor=world.admin, parent=None, data={**NEW_BRANCH, "org_type": "committee"})
        assert root.depth == 1


class TestOrganizationUpdate:
    def test_updates_and_audits(self, world):
        services.organization_update(actor=world.zuzhibu, organization=world.branch_b,
                                     data={"secretary_name": "李书记", "has_committee": True})
        world.branch_b.refresh_from_db()
        assert world.branch_b.secretary_name == "李书记"
        entry = audit_entries(world.branch_b, LogEntry.Action.UPDATE).get()
        assert entry.actor == world.zuzhibu
        assert set(entry.changes_dict) == {"secretary_name", "has_committee"}

    def test_no_audit_row_when_nothing_changed(self, world):
        services.organization_update(actor=world.zuzhibu, organization=world.branch_b,
                                     data={"name": world.branch_b.name})
        assert not audit_entries(world.branch_b, LogEntry.Action.UPDATE).exists()

    def test_refuses_type_change_that_breaks_the_tree(self, world):
        with pytest.raises(ValidationError) as exc:
            services.organization_update(actor=world.zuzhibu, organization=world.branch_a,
                                         data={"org_type": OrgType.COMMITTEE})
        assert "党小组只能设在党支部之下" in messages(exc.value)
        with pytest.raises(ValidationError) as exc:
            services.organization_update(actor=world.zuzhibu, organization=world.institute,
                                         data={"org_type": OrgType.BRANCH})
        assert "党支部之下只能设党小组" in messages(exc.value)
        assert Organization.objects.get(pk=world.branch_a.pk).org_type == OrgType.BRANCH
        assert Organization.objects.get(pk=world.institute.pk).org_type == OrgType.COMMITTEE

    def test_refuses_bad_dates_and_keeps_row(self, world):
        with pytest.raises(ValidationError) as exc:
            services.organization_update(actor=world.zuzhibu, organization=world.branch_b, data={
                "term_started_on": datetime.date(2024, 5, 1), "term_ends_on": datetime.date(2024, 5, 1)})
        assert exc.value.message_dict["term_ends_on"] == ["届满日期必须晚于本届开始日期。"]
        assert Organization.objects.get(pk=world.branch_b.pk).term_started_on is None

    def test_permission(self, world):
        with pytest.raises(PermissionDenied):
            services.organization_update(actor=world.shuji_a, organization=world.branch_a, data={"name": "x"})
        with pytest.raises(Http404):
            services.organization_update(actor=world.shuji_b, organization=world.branch_a, data={"name": "x"})
        assert Organization.objects.get(pk=world.branch_a.pk).name != "x"


class TestOrganizationMove:
    def test_moves_subtree_and_audits(self, world):
        group = make_org(world.branch_b, org_type=OrgType.PARTY_GROUP)
        services.organization_move(actor=world.zuzhibu, organization=world.branch_b,
                                   new_parent=world.other_institute)
        world.branch_b.refresh_from_db()
        group.refresh_from_db()
        world.other_institute.refresh_from_db()
        assert world.branch_b.path.startswith(world.other_institute.path)
        assert group.path.startswith(world.branch_b.path)
        assert Organization.objects.get_parent(world.branch_b).pk == world.other_institute.pk
        entry = audit_entries(world.branch_b, LogEntry.Action.UPDATE).get()
        assert entry.actor == world.zuzhibu
        assert entry.changes_dict["parent"] == ["甲所党委", "乙所党委"]
        # Scope follows the path: shuji_b's role moves with the branch.
        assert Organization.objects.filter(path__startswith=world.institute.path).count() == 3

    def test_refuses_own_descendant_and_itself(self, world):
        before = snapshot()
        with pytest.raises(ValidationError) as exc:
            services.organization_move(actor=world.zuzhibu, organization=world.institute, new_parent=world.branch_a)
        assert exc.value.message_dict["new_parent"] == ["不能把“甲所党委”移到它自己的下级组织“第一党支部”之下。"]
        with pytest.raises(ValidationError) as exc:
            services.organization_move(actor=world.zuzhibu, organization=world.institute, new_parent=world.institute)
        assert exc.value.message_dict["new_parent"] == ["不能把党组织移到它自己之下。"]
        assert snapshot() == before

    def test_refuses_target_outside_administer_scope_as_404(self, world):
        from tests.factories import RoleFactory, UserFactory

        jia = UserFactory(username="zuzhibu_jia")
        RoleFactory(user=jia, organization=world.institute, kind=RoleKind.ORG_DEPARTMENT)
        before = snapshot()
        with pytest.raises(Http404):
            services.organization_move(actor=jia, organization=world.branch_a, new_parent=world.other_institute)
        assert snapshot() == before

    @pytest.mark.parametrize(("target", "message"), [
        ("group_a", "党小组下不能再设立党组织"),
        ("branch_a", "党支部之下只能设立党小组"),
    ])
    def test_refuses_invalid_target_type(self, world, target, message):
        before = snapshot()
        with pytest.raises(ValidationError) as exc:
            services.organization_move(actor=world.zuzhibu, organization=world.branch_b,
                                       new_parent=getattr(world, target))
        assert message in messages(exc.value)
        assert snapshot() == before

    def test_refuses_same_parent(self, world):
        with pytest.raises(ValidationError) as exc:
            services.organization_move(actor=world.zuzhibu, organization=world.branch_b, new_parent=world.institute)
        assert "已经在“甲所党委”之下" in messages(exc.value)

    def test_refuses_party_group_with_members(self, world):
        PartyMembership.objects.filter(person=world.member_a).update(party_group=world.group_a)
        before = snapshot()
        with pytest.raises(ValidationError) as exc:
            services.organization_move(actor=world.zuzhibu, organization=world.group_a, new_parent=world.branch_b)
        assert "该党小组还有 1 名党员" in messages(exc.value)
        assert snapshot() == before

    def test_permission(self, world):
        with pytest.raises(PermissionDenied):
            services.organization_move(actor=world.xuanchuan_a, organization=world.group_a, new_parent=world.branch_b)
        with pytest.raises(Http404):
            services.organization_move(actor=world.outsider, organization=world.branch_a,
                                       new_parent=world.other_institute)


class TestOrganizationClose:
    def test_refuses_with_children_and_people_saying_how_many(self, world):
        before = snapshot()
        with pytest.raises(ValidationError) as exc:
            services.organization_close(actor=world.zuzhibu, organization=world.branch_a,
                                        closed_on=days(0), reason="撤并")
        text = messages(exc.value)
        assert "还有 1 个未撤销的下级党组织" in text
        assert "还有 2 名人员编在该组织" in text
        assert snapshot() == before

    def test_refuses_with_people(self, world):
        with pytest.raises(ValidationError) as exc:
            services.organization_close(actor=world.zuzhibu, organization=world.branch_b, closed_on=days(0),
                                        reason="撤并")
        assert "还有 1 名人员" in messages(exc.value)
        assert Organization.objects.get(pk=world.branch_b.pk).closed_on is None

    def test_closes_keeping_history_and_ends_roles(self, world):
        empty = make_org(world.institute, org_type=OrgType.BRANCH)
        role = Role.objects.create(user=world.shuji_b, organization=empty, kind=RoleKind.SECRETARY,
                                   starts_on=datetime.date(2020, 1, 1))
        services.organization_close(actor=world.zuzhibu, organization=empty, closed_on=days(0), reason="项目结束")
        empty.refresh_from_db()
        role.refresh_from_db()
        assert empty.closed_on == days(0)
        assert empty.closed_reason == "项目结束"
        assert role.ends_on == days(0)
        assert audit_entries(empty, LogEntry.Action.UPDATE).get().actor == world.zuzhibu
        assert audit_entries(role, LogEntry.Action.UPDATE).get().actor == world.zuzhibu

    def test_refuses_bad_input(self, world):
        empty = make_org(world.institute, org_type=OrgType.BRANCH)
        with pytest.raises(ValidationError) as exc:
            services.organization_close(actor=world.zuzhibu, organization=empty, closed_on=days(2), reason=" ")
        assert exc.value.message_dict == {"reason": ["请填写撤销原因。"], "closed_on": ["撤销日期不能晚于今天。"]}
        assert Organization.objects.get(pk=empty.pk).closed_on is None

    def test_refuses_twice(self, world):
        empty = make_org(world.institute, org_type=OrgType.BRANCH)
        services.organization_close(actor=world.zuzhibu, organization=empty, closed_on=days(0), reason="撤并")
        with pytest.raises(ValidationError) as exc:
            services.organization_close(actor=world.zuzhibu, organization=empty, closed_on=days(0), reason="撤并")
        assert "已于" in messages(exc.value)

    def test_closed_parent_takes_no_children(self, world):
        empty = make_org(world.institute, org_type=OrgType.GENERAL_BRANCH)
        services.organization_close(actor=world.zuzhibu, organization=empty, closed_on=days(0), reason="撤并")
        with pytest.raises(ValidationError) as exc:
            services.organization_create(actor=world.zuzhibu, parent=empty, data=NEW_BRANCH)
        assert "已撤销" in messages(exc.value)

    def test_permission(self, world):
        with pytest.raises(PermissionDenied):
            services.organization_close(actor=world.dangwei, organization=world.branch_b, closed_on=days(0), reason="x")
        with pytest.raises(Http404):
            services.organization_close(actor=world.shuji_a, organization=world.branch_b, closed_on=days(0), reason="x")


class TestRoles:
    def test_grant_audited(self, world):
        user = User.objects.create(username="zuzhiweiyuan")
        role = services.role_grant(actor=world.zuzhibu, user=user, organization=world.branch_b,
                                   kind=RoleKind.ORGANIZATION_MEMBER, starts_on=days(0))
        assert role.is_active()
        entry = audit_entries(role, LogEntry.Action.CREATE).get()
        assert entry.actor == world.zuzhibu

    def test_grant_refuses_end_before_start(self, world):
        with pytest.raises(ValidationError) as exc:
            services.role_grant(actor=world.zuzhibu, user=world.dangyuan, organization=world.branch_a,
                                kind=RoleKind.PROPAGANDA_MEMBER, starts_on=datetime.date(2025, 3, 1),
                                ends_on=datetime.date(2025, 2, 1))
        assert exc.value.message_dict["ends_on"] == ["结束日期（2025-02-01）不能早于开始日期（2025-03-01）。"]
        assert not Role.objects.filter(user=world.dangyuan).exists()

    def test_grant_refuses_overlap(self, world):
        with pytest.raises(ValidationError) as exc:
            services.role_grant(actor=world.zuzhibu, user=world.shuji_a, organization=world.branch_a,
                                kind=RoleKind.SECRETARY, starts_on=days(0))
        assert "已有同一时段的“书记”职务" in messages(exc.value)
        assert Role.objects.filter(user=world.shuji_a).count() == 1

    def test_grant_refuses_system_admin_unless_superuser(self, world):
        with pytest.raises(ValidationError) as exc:
            services.role_grant(actor=world.zuzhibu, user=world.dangyuan, organization=world.branch_a,
                                kind=RoleKind.SYSTEM_ADMIN, starts_on=days(0))
        assert exc.value.message_dict["kind"] == ["只有系统管理员可以授予“系统管理员”职务。"]
        assert not Role.objects.filter(user=world.dangyuan).exists()

    def test_grant_refuses_closed_organization(self, world):
        empty = make_org(world.institute, org_type=OrgType.BRANCH)
        services.organization_close(actor=world.zuzhibu, organization=empty, closed_on=days(0), reason="撤并")
        with pytest.raises(ValidationError) as exc:
            services.role_grant(actor=world.zuzhibu, user=world.dangyuan, organization=empty,
                                kind=RoleKind.SECRETARY, starts_on=days(0))
        assert exc.value.message_dict["organization"] == ["该党组织已撤销，不能再授予职务。"]

    def test_grant_permission(self, world):
        with pytest.raises(PermissionDenied):
            services.role_grant(actor=world.dangwei, user=world.dangyuan, organization=world.branch_a,
                                kind=RoleKind.PROPAGANDA_MEMBER, starts_on=days(0))
        with pytest.raises(Http404):
            services.role_grant(actor=world.shuji_b, user=world.dangyuan, organization=world.branch_a,
                                kind=RoleKind.PROPAGANDA_MEMBER, starts_on=days(0))
        assert not Role.objects.filter(user=world.dangyuan).exists()

    def test_end_audited_and_scope_shrinks(self, world):
        from branches import permissions

        role = world.shuji_a.portal_roles.get()
        assert permissions.has_capability(world.shuji_a, world.branch_a, "view_people")
        services.role_end(actor=world.zuzhibu, role=role, ends_on=days(-1))
        role.refresh_from_db()
        assert role.ends_on == days(-1)
        permissions.forget_scope(world.shuji_a)  # the scope is cached per user object, i.e. per request
        assert not permissions.has_capability(world.shuji_a, world.branch_a, "view_people")
        entry = audit_entries(role, LogEntry.Action.UPDATE).get()
        assert entry.actor == world.zuzhibu
        assert entry.changes_dict["ends_on"][1] == days(-1).isoformat()

    def test_end_refuses_before_start(self, world):
        role = world.shuji_a.portal_roles.get()
        with pytest.raises(ValidationError) as exc:
            services.role_end(actor=world.zuzhibu, role=role, ends_on=datetime.date(2019, 12, 31))
        assert exc.value.message_dict["ends_on"] == ["结束日期（2019-12-31）不能早于该职务的开始日期（2020-01-01）。"]
        assert Role.objects.get(pk=role.pk).ends_on is None

    def test_end_refuses_already_ended(self, world):
        role = world.shuji_a.portal_roles.get()
        services.role_end(actor=world.zuzhibu, role=role, ends_on=datetime.date(2021, 1, 1))
        with pytest.raises(ValidationError) as exc:
            services.role_end(actor=world.zuzhibu, role=role, ends_on=datetime.date(2022, 1, 1))
        assert "该职务已于 2021-01-01 结束" in messages(exc.value)
        assert Role.objects.get(pk=role.pk).ends_on == datetime.date(2021, 1, 1)

    def test_end_permission(self, world):
        role = world.shuji_a.portal_roles.get()
        with pytest.raises(PermissionDenied):
            services.role_end(actor=world.xuanchuan_a, role=role, ends_on=days(0))
        with pytest.raises(Http404):
            services.role_end(actor=world.outsider, role=role, ends_on=days(0))
        assert Role.objects.get(pk=role.pk).ends_on is None


class TestUserCreate:
    def test_creates_and_audits(self, world):
        user = services.user_create(actor=world.zuzhibu, username="wangfang", full_name="王芳",
                                    password="Dangjian#2026")
        assert user.check_password("Dangjian#2026")
        assert user.get_full_name() == "王芳"
        entry = audit_entries(user, LogEntry.Action.CREATE).get()
        assert entry.actor == world.zuzhibu

    def test_refuses_bad_input(self, world):
        with pytest.raises(ValidationError) as exc:
            services.user_create(actor=world.zuzhibu, username="SHUJI_A", full_name="", password="12345678")
        errors = exc.value.message_dict
        assert errors["username"] == ["用户名“SHUJI_A”已被使用。"]
        assert errors["full_name"] == ["请填写姓名。"]
        assert errors["password"]
        assert not User.objects.filter(username="SHUJI_A").exists()

    def test_only_administrators(self, world):
        with pytest.raises(PermissionDenied):
            services.user_create(actor=world.shuji_a, username="x1", full_name="某", password="Dangjian#2026")
        assert not User.objects.filter(username="x1").exists()


def test_member_counts_unaffected_by_move(world):
    """Moving a branch keeps its people: they are anchored by organization id, not by path."""
    make_member(world.branch_b)
    services.organization_move(actor=world.admin, organization=world.branch_b, new_parent=world.other_institute)
    assert world.branch_b.people.count() == 2

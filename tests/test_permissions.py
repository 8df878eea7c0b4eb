import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from branches import permissions as perms
from branches.permissions import Capability as C


@pytest.mark.django_db
class TestScope:
    def test_role_covers_whole_subtree_and_nothing_else(self, world):
        orgs = set(perms.orgs_with(world.dangwei, C.VIEW_PEOPLE))
        assert orgs == {world.institute, world.branch_a, world.branch_b, world.group_a}

    def test_secretary_sees_only_own_branch(self, world):
        assert set(perms.orgs_with(world.shuji_a, C.VIEW_PEOPLE)) == {world.branch_a, world.group_a}

    def test_check_is_404_outside_scope_and_403_without_capability(self, world):
        with pytest.raises(Http404):
            perms.check(world.shuji_b, world.branch_a, C.VIEW_PEOPLE)
        with pytest.raises(PermissionDenied):
            perms.check(world.xuanchuan_a, world.branch_a, C.EDIT_PEOPLE)
        perms.check(world.shuji_a, world.branch_a, C.EDIT_PEOPLE)

    def test_member_without_role_has_no_scope(self, world):
        assert not perms.orgs_with(world.dangyuan).exists()

    def test_ended_role_grants_nothing(self, world):
        role = world.shuji_a.portal_roles.get()
        role.ends_on = role.starts_on
        role.save()
        perms.forget_scope(world.shuji_a)
        assert not perms.has_capability(world.shuji_a, world.branch_a, C.VIEW_PEOPLE)

    def test_scope_costs_one_query_at_any_depth(self, world, django_assert_num_queries):
        from tests.factories import make_org

        deep = world.branch_a
        for _ in range(6):
            deep = make_org(deep, org_type="party_group")
        perms.forget_scope(world.zuzhibu)
        with django_assert_num_queries(1):
            assert perms.has_capability(world.zuzhibu, deep, C.EDIT_PEOPLE)
            assert perms.has_capability(world.zuzhibu, world.branch_b, C.EXPORT)

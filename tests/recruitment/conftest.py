import datetime

import pytest

from branches.models import RoleKind
from tests.factories import PersonFactory, RoleFactory, UserFactory, make_member


@pytest.fixture
def committee_user(world):
    """党委书记 of the institute above branch_a: records 预审, 谈话, 审批 and 备案."""
    user = UserFactory(username="dangwei_shuji")
    RoleFactory(user=user, organization=world.institute, kind=RoleKind.COMMITTEE_SECRETARY)
    return user


@pytest.fixture
def applicant(world):
    return PersonFactory(organization=world.branch_a, name="李青", birth_date=datetime.date(1995, 4, 2))


@pytest.fixture
def full_members(world):
    return [make_member(world.branch_a, name=name) for name in ("王介绍", "陈联系", "周培养")]

"""Personas, as in DESIGN.md's demo accounts, plus the ones the scope tests need.

The tree:          院党组 root (academy committee)
                   ├── 甲所党委 institute (dangwei is 党委委员 here)
                   │   ├── 第一党支部 branch_a (shuji_a secretary; xuanchuan_a 宣传委员; dangyuan member)
                   │   └── 第二党支部 branch_b (shuji_b secretary)
                   └── 乙所党委 other_institute
                       └── 乙所第一党支部 other_branch
Personas: admin (superuser + 系统管理员 at root), zuzhibu (组织部 at root), dangwei, shuji_a, shuji_b,
dangyuan (no role), xuanchuan_a (in branch A's scope without edit/export capabilities), outsider (other institute).
"""

from dataclasses import dataclass

import pytest
from django.contrib.auth.models import User

from branches.models import Organization, OrgType, RoleKind

from .factories import RoleFactory, UserFactory, make_member, make_org


@dataclass
class World:
    root: Organization
    institute: Organization
    branch_a: Organization
    branch_b: Organization
    group_a: Organization
    other_institute: Organization
    other_branch: Organization
    users: dict[str, User]
    member_a: object
    member_b: object
    member_other: object

    def __getattr__(self, name):
        try:
            return self.__dict__["users"][name]
        except KeyError:
            raise AttributeError(name)


def build_world() -> World:
    root = make_org(None, org_type=OrgType.COMMITTEE, name="中共测试科学院党组", short_name="院党组")
    institute = make_org(root, org_type=OrgType.COMMITTEE, name="中共测试科学院甲研究所委员会", short_name="甲所党委")
    branch_a = make_org(institute, org_type=OrgType.BRANCH, name="中共甲研究所第一支部委员会", short_name="第一党支部",
                        has_committee=True)
    branch_b = make_org(institute, org_type=OrgType.BRANCH, name="中共甲研究所第二支部委员会", short_name="第二党支部")
    group_a = make_org(branch_a, org_type=OrgType.PARTY_GROUP, name="第一党支部第一党小组", short_name="第一党小组")
    other_institute = make_org(root, org_type=OrgType.COMMITTEE, name="中共测试科学院乙研究所委员会", short_name="乙所党委")
    other_branch = make_org(other_institute, org_type=OrgType.BRANCH, name="中共乙研究所第一支部委员会",
                            short_name="乙所第一党支部")
    for org in (root, institute, branch_a, branch_b, group_a, other_institute, other_branch):
        org.refresh_from_db()

    users = {}
    admin = UserFactory(username="admin", is_staff=True, is_superuser=True)
    users["admin"] = admin
    RoleFactory(user=admin, organization=root, kind=RoleKind.SYSTEM_ADMIN)
    for username, org, kind in [
        ("zuzhibu", root, RoleKind.ORG_DEPARTMENT),
        ("dangwei", institute, RoleKind.COMMITTEE_MEMBER),
        ("shuji_a", branch_a, RoleKind.SECRETARY),
        ("shuji_b", branch_b, RoleKind.SECRETARY),
        ("xuanchuan_a", branch_a, RoleKind.PROPAGANDA_MEMBER),
        ("outsider", other_branch, RoleKind.SECRETARY),
    ]:
        users[username] = UserFactory(username=username)
        RoleFactory(user=users[username], organization=org, kind=kind)
    users["dangyuan"] = UserFactory(username="dangyuan")

    member_a = make_member(branch_a, name="张三")
    dangyuan_person = make_member(branch_a, name="赵喆")
    dangyuan_person.user = users["dangyuan"]
    dangyuan_person.save(update_fields=["user"])
    member_b = make_member(branch_b, name="李四")
    member_other = make_member(other_branch, name="王五")
    return World(root, institute, branch_a, branch_b, group_a, other_institute, other_branch, users,
                 member_a, member_b, member_other)


@pytest.fixture
def world(db) -> World:
    return build_world()


@pytest.fixture
def login(client):
    """login("shuji_a") logs the test client in as that persona and returns the client."""

    def _login(username: str):
        client.logout()
        client.force_login(User.objects.get(username=username))
        return client

    return _login


@pytest.fixture(autouse=True)
def _reset_axes(settings):
    settings.AXES_ENABLED = False

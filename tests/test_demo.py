"""The demo data generator: `manage.py seed_demo --scale small` and the builder in branches.demo."""

import datetime
from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.db.models import Count, F, Max, Q
from django.test import TestCase, override_settings
from django.utils import timezone

from branches import permissions
from branches.demo import DEMO_ACCOUNTS, RARE_FEMALE, RARE_MALE, SCALES, cn_number
from branches.models import Organization, OrgType, Role, RoleKind
from members import idcard
from members.codes import MemberCategory, MembershipStatus, PoliticalStatus
from members.models import PartyMembership, Person
from members.services import pinyin_for

C = permissions.Capability
PASSWORD = "dangjian2026"


def seed(*args: str) -> str:
    out = StringIO()
    with override_settings(DEBUG=True):
        call_command("seed_demo", "--scale", "small", *args, stdout=out)
    return out.getvalue()


def snapshot() -> dict:
    return {
        "orgs": list(Organization.objects.order_by("pk").values_list("pk", "path", "name", "updated_at")),
        "people": list(Person.objects.order_by("pk").values_list("pk", "name", "id_number", "organization_id",
                                                                 "updated_at")),
        "memberships": PartyMembership.objects.aggregate(n=Count("pk"), last=Max("updated_at")),
        "users": list(User.objects.order_by("pk").values_list("pk", "username", "password", "last_login")),
        "roles": list(Role.objects.order_by("pk").values_list("pk", "user_id", "organization_id", "kind")),
    }


def branches():
    return Organization.objects.filter(org_type__in=OrgType.branch_types())


def user(username: str) -> User:
    return User.objects.get(username=username)


def role_org(username: str) -> Organization:
    return Role.objects.get(user__username=username).organization


class SmallDemoTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        # --reset restarts the id sequences, so ids match a rebuild even after other tests used them (PostgreSQL).
        cls.output = seed("--reset")

    def test_small_has_the_planned_size(self):
        scale = SCALES["small"]
        assert Organization.objects.filter(depth=1).count() == 1
        root = Organization.objects.get(depth=1)
        assert root.org_type == OrgType.COMMITTEE
        institutes = Organization.objects.filter(depth=2)
        assert institutes.count() == scale.institutes
        assert all(o.org_type == OrgType.COMMITTEE and o.name.endswith("委员会") for o in institutes)
        assert branches().count() == scale.branches
        assert Organization.objects.filter(org_type=OrgType.TEMPORARY_BRANCH).count() == 1
        assert Organization.objects.filter(org_type=OrgType.JOINT_BRANCH).exists()
        assert Organization.objects.filter(org_type=OrgType.GENERAL_BRANCH).exists()
        assert Organization.objects.filter(org_type=OrgType.PARTY_GROUP).exists()
        party = Person.objects.filter(political_status__in=PoliticalStatus.party())
        assert party.count() == scale.members
        assert Person.objects.exclude(political_status__in=PoliticalStatus.party()).count() == scale.non_members
        assert "党员 380 人，非党员 120 人" in self.output

    def test_tree_paths_are_what_treebeard_would_build(self):
        assert Organization.objects.find_problems() == ([], [], [], [], [])
        # Treebeard's own API works on the bulk-built tree.
        root = Organization.objects.get(depth=1)
        assert Organization.objects.get_children_count(root) == SCALES["small"].institutes
        branch = branches().first()
        assert Organization.objects.get_ancestors(branch).first() == root

    def test_codes_are_unique_text(self):
        codes = list(Organization.objects.values_list("code", flat=True))
        assert all(codes)
        assert len(set(codes)) == len(codes)

    def test_health_warning_conditions_are_present(self):
        today = timezone.localdate()
        counted = branches().annotate(
            members=Count("people", filter=Q(people__political_status__in=PoliticalStatus.party())),
            full=Count("people", filter=Q(people__membership__category=MemberCategory.FULL)),
        )
        assert len([b for b in counted if b.members > 50]) == 1
        assert any(b.full >= 7 and not b.has_committee for b in counted)
        # Mostly consistent: nearly every branch of seven or more full members has a committee.
        big_enough = [b for b in counted if b.full >= 7 and b.org_type != OrgType.TEMPORARY_BRANCH]
        assert sum(b.has_committee for b in big_enough) >= len(big_enough) - 2
        soon = today + datetime.timedelta(days=90)
        assert Organization.objects.filter(term_ends_on__gte=today, term_ends_on__lte=soon).exists()
        assert Organization.objects.filter(term_ends_on__lt=today).exists()
        assert not Organization.objects.filter(term_ends_on__lte=F("term_started_on")).exists()

    def test_demo_accounts_have_names_password_and_roles(self):
        for username, account in DEMO_ACCOUNTS.items():
            u = user(username)
            assert u.first_name == account.full_name
            assert u.check_password(PASSWORD)
        admin = user("admin")
        assert admin.is_superuser
        assert admin.is_staff
        assert Role.objects.filter(user=admin, kind=RoleKind.SYSTEM_ADMIN, organization__depth=1).exists()
        zuzhibu = user("zuzhibu")
        assert not zuzhibu.is_superuser
        assert list(Role.objects.filter(user=zuzhibu).values_list("kind", "organization__depth")) == [
            (RoleKind.ORG_DEPARTMENT, 1)
        ]
        assert list(Role.objects.filter(user=user("dangwei")).values_list("kind", flat=True)) == [
            RoleKind.COMMITTEE_MEMBER
        ]
        for name in ("shuji_a", "shuji_b"):
            assert list(Role.objects.filter(user=user(name)).values_list("kind", flat=True)) == [RoleKind.SECRETARY]
        assert not Role.objects.filter(user=user("dangyuan")).exists()
        assert all(r.is_active() for r in Role.objects.all())

    def test_scopes_follow_the_design(self):
        everything = Organization.objects.count()
        assert permissions.orgs_with(user("zuzhibu"), C.VIEW_PEOPLE).count() == everything
        assert permissions.has_capability(user("zuzhibu"), Organization.objects.last(), C.ADMINISTER)

        dangwei = user("dangwei")
        institute = role_org("dangwei")
        assert institute.depth == 2
        assert institute.org_type == OrgType.COMMITTEE
        assert permissions.scope_for(dangwei).any_roots == (institute.path,)
        scoped = permissions.orgs_with(dangwei, C.VIEW_PEOPLE)
        assert set(scoped.values_list("pk", flat=True)) == set(
            Organization.objects.filter(path__startswith=institute.path).values_list("pk", flat=True)
        )
        other_institute = Organization.objects.filter(depth=2).exclude(pk=institute.pk).first()
        assert not permissions.in_scope(dangwei, other_institute)

        branch_a, branch_b = role_org("shuji_a"), role_org("shuji_b")
        assert branch_a != branch_b
        for branch in (branch_a, branch_b):
            assert branch.org_type == OrgType.BRANCH
            assert branch.path.startswith(institute.path)
            assert permissions.has_capability(dangwei, branch, C.VIEW_PEOPLE)
        assert permissions.has_capability(user("shuji_a"), branch_a, C.EDIT_PEOPLE)
        assert not permissions.in_scope(user("shuji_a"), branch_b)
        assert not permissions.in_scope(user("shuji_b"), branch_a)
        assert branch_a.secretary_name == user("shuji_a").first_name
        assert branch_a.has_committee

        dangyuan = user("dangyuan")
        assert permissions.scope_for(dangyuan).any_roots == ()
        assert not permissions.has_capability_anywhere(dangyuan, C.VIEW_PEOPLE)
        assert not permissions.is_committee_user(dangyuan)

    def test_people_of_the_demo_accounts(self):
        institute, branch_a, branch_b = role_org("dangwei"), role_org("shuji_a"), role_org("shuji_b")
        expected = {"shuji_a": branch_a, "shuji_b": branch_b, "dangyuan": branch_a}
        for username, org in expected.items():
            person = Person.objects.get(user__username=username)
            assert person.organization == org
            assert person.name == user(username).first_name
        dangwei = Person.objects.get(user__username="dangwei")
        assert dangwei.organization.path.startswith(institute.path)
        assert dangwei.organization.is_branch
        dangyuan = Person.objects.get(user__username="dangyuan")
        assert dangyuan.political_status == PoliticalStatus.CPC_MEMBER
        membership = dangyuan.membership
        assert membership.category == MemberCategory.FULL
        assert membership.status == MembershipStatus.NORMAL
        assert (membership.lost_contact, membership.mobile, membership.rights_suspended) == (False, False, False)
        assert membership.has_vote

    def test_every_record_passes_the_models_own_validation(self):
        for person in Person.objects.select_related("organization"):
            person.full_clean()
        for membership in PartyMembership.objects.select_related("person__organization", "party_group"):
            membership.full_clean()
        for org in Organization.objects.all():
            org.full_clean()

    def test_id_numbers_are_valid_unique_and_agree_with_birth_and_sex(self):
        rows = list(Person.objects.values_list("id_number", "birth_date", "sex"))
        numbers = [n for n, _, _ in rows]
        assert all(numbers)
        assert len(set(numbers)) == len(numbers)
        for number, birth, sex in rows:
            facts = idcard.parse(number)
            assert (facts.birth_date, facts.sex) == (birth, sex)
            assert idcard.check_digit(number[:17]) == number[17]

    def test_names_are_realistic_and_searchable(self):
        names = list(Person.objects.values_list("name", "name_pinyin", "name_initials"))
        rare = set(RARE_MALE) | set(RARE_FEMALE)
        assert [n for n, _, _ in names if rare & set(n)], "rare characters must appear"
        assert "赵喆" in {n for n, _, _ in names}
        assert any(n[:2] in ("欧阳", "司马", "上官", "诸葛", "司徒", "皇甫", "东方", "令狐", "慕容", "夏侯", "尉迟", "公孙")
                   for n, _, _ in names)
        assert {len(n) for n, _, _ in names} >= {2, 3}
        for name, pinyin, initials in names:
            assert (pinyin, initials) == pinyin_for(name)
        surnames = [n[0] for n, _, _ in names]
        assert surnames.count("王") + surnames.count("李") + surnames.count("张") > len(names) * 0.1

    def test_people_look_like_a_research_institute(self):
        people = Person.objects.all()
        total = people.count()
        postgraduate = people.filter(education__in=["11", "14"]).count()
        assert postgraduate > total * 0.5
        assert not people.filter(education="11").exclude(degree="2").exists()
        assert not people.filter(education="14").exclude(degree="3").exists()
        assert 0.08 * total < people.filter(returned_from_abroad=True).count() < 0.25 * total
        assert people.exclude(ethnicity="01").exists()
        assert people.filter(ethnicity="01").count() > total * 0.8
        assert people.filter(title="研究员", title_level="senior").exists()
        assert not people.exclude(title="").filter(title_level="").exists()
        assert all(p.isdigit() and len(p) == 11 and p[0] == "1" for p in people.values_list("phone", flat=True))
        assert all("@" in e for e in people.values_list("email", flat=True))
        statuses = set(people.values_list("political_status", flat=True))
        assert {PoliticalStatus.CPC_MEMBER, PoliticalStatus.CPC_PROBATIONARY, PoliticalStatus.MASSES,
                PoliticalStatus.CYL_MEMBER} <= statuses
        assert statuses & set(PoliticalStatus.democratic_parties())

    def test_memberships_match_political_status(self):
        party = Person.objects.filter(political_status__in=PoliticalStatus.party())
        assert PartyMembership.objects.count() == party.count()
        assert not party.filter(membership__isnull=True).exists()
        assert not Person.objects.exclude(political_status__in=PoliticalStatus.party()).filter(
            membership__isnull=False).exists()
        assert not PartyMembership.objects.filter(
            category=MemberCategory.PROBATIONARY).exclude(person__political_status="02").exists()
        assert PartyMembership.objects.filter(lost_contact=True, lost_contact_on__isnull=False).exists()
        assert PartyMembership.objects.filter(mobile=True, mobile_since__isnull=False).exists()
        assert PartyMembership.objects.filter(rights_suspended=True).exists()
        grouped = PartyMembership.objects.filter(party_group__isnull=False).select_related("person__organization",
                                                                                            "party_group")
        assert grouped.exists()
        assert all(m.party_group.path.startswith(m.person.organization.path) for m in grouped)
        # Members sit in branches; non-members are anchored at their unit's branch or committee.
        assert all(p.organization.is_branch for p in party.select_related("organization"))
        anchors = set(Person.objects.exclude(political_status__in=PoliticalStatus.party())
                      .values_list("organization__org_type", flat=True))
        assert OrgType.COMMITTEE in anchors
        assert OrgType.PARTY_GROUP not in anchors

    def test_second_run_without_reset_changes_nothing(self):
        before = snapshot()
        output = seed()
        assert "已有党组织" in output
        assert snapshot() == before

    def test_reset_rebuilds_the_same_data(self):
        def content() -> tuple:
            snap = snapshot()
            return ([row[:3] for row in snap["orgs"]], [row[:4] for row in snap["people"]],
                    snap["memberships"]["n"], [row[:2] for row in snap["users"]], snap["roles"])

        before = content()
        Organization.objects.filter(depth=1).update(short_name="改过的名字")
        Person.objects.create(name="多余的人", sex="1", birth_date=datetime.date(1990, 1, 1),
                              organization=Organization.objects.get(depth=1))
        output = seed("--reset")
        assert "已清空" in output
        assert Organization.objects.get(depth=1).short_name == "院党组"
        assert not Person.objects.filter(name="多余的人").exists()
        assert content() == before


@pytest.mark.django_db
def test_refuses_to_run_with_production_settings(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="生产配置"):
        call_command("seed_demo", "--scale", "small", stdout=StringIO())
    assert not Organization.objects.exists()
    assert not User.objects.exists()


@pytest.mark.django_db
def test_allow_production_builds_anyway(settings):
    settings.DEBUG = False
    call_command("seed_demo", "--scale", "small", "--allow-production", stdout=StringIO())
    assert User.objects.filter(username__in=DEMO_ACCOUNTS).count() == len(DEMO_ACCOUNTS)


def test_chinese_numerals():
    assert [cn_number(n) for n in (1, 9, 10, 12, 20, 40, 99)] == ["一", "九", "十", "十二", "二十", "四十", "九十九"]

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404, QueryDict

from branches.permissions import Capability
from members import selectors
from members.codes import Education, MemberCategory, PoliticalStatus, TitleLevel
from members.models import PartyMembership, Person
from tests.factories import PersonFactory, make_member

pytestmark = pytest.mark.django_db


def names(qs) -> list[str]:
    return [p.name for p in qs]


class TestPersonList:
    def test_scope_per_persona(self, world):
        assert set(names(selectors.person_list(user=world.shuji_a))) == {"张三", "赵喆"}
        assert set(names(selectors.person_list(user=world.dangwei))) == {"张三", "赵喆", "李四"}
        assert set(names(selectors.person_list(user=world.outsider))) == {"王五"}
        assert names(selectors.person_list(user=world.dangyuan)) == []
        assert len(selectors.person_list(user=world.admin)) == 4

    def test_accepts_a_querydict_like_the_page(self, world):
        params = QueryDict("q=zs&political_status=01")
        assert names(selectors.person_list(user=world.zuzhibu, params=params)) == ["张三"]

    def test_default_order_is_by_pinyin(self, world):
        assert names(selectors.person_list(user=world.zuzhibu)) == ["李四", "王五", "张三", "赵喆"]

    def test_rows_carry_related_objects(self, world, django_assert_num_queries):
        people = list(selectors.person_list(user=world.zuzhibu))
        with django_assert_num_queries(0):
            for person in people:
                str(person.organization)
                group = person.membership_or_none and person.membership_or_none.party_group
                assert group is None or group.short_name


class TestSearch:
    @pytest.mark.parametrize(("q", "expected"), [
        ("zhangsan", ["张三"]), ("zs", ["张三"]), ("ZS", ["张三"]), ("zhang", ["张三"]), ("zhaozhe", ["赵喆"]),
        ("喆", ["赵喆"]), ("zz", ["赵喆"]), ("li", ["李四"]), ("nobody", []),
    ])
    def test_name_pinyin_initials(self, world, q, expected):
        assert names(selectors.person_list(user=world.zuzhibu, params={"q": q})) == expected

    def test_id_tail(self, world):
        tail = world.member_a.id_number[-4:]
        found = selectors.person_list(user=world.zuzhibu, params={"q": tail})
        assert world.member_a in found

    def test_id_tail_with_x(self, world):
        person = PersonFactory(organization=world.branch_a, name="钱堃", id_number="11010519491231002X",
                               birth_date=datetime.date(1949, 12, 31), sex="2")
        assert names(selectors.person_list(user=world.zuzhibu, params={"q": "002x"})) == [person.name]

    def test_short_digits_do_not_match_id_numbers(self, world):
        assert names(selectors.person_list(user=world.zuzhibu, params={"q": "123"})) == []

    def test_search_stays_inside_scope(self, world):
        assert names(selectors.person_list(user=world.shuji_a, params={"q": "lisi"})) == []


class TestFilters:
    def test_political_status_and_category(self, world):
        probationary = make_member(world.branch_a, name="周敏", category=MemberCategory.PROBATIONARY)
        by_status = selectors.person_list(user=world.zuzhibu,
                                          params={"political_status": PoliticalStatus.CPC_PROBATIONARY})
        by_category = selectors.person_list(user=world.zuzhibu, params={"category": MemberCategory.PROBATIONARY})
        assert list(by_status) == [probationary] == list(by_category)

    def test_title_level_and_education(self, world):
        Person.objects.filter(pk=world.member_b.pk).update(title_level=TitleLevel.SENIOR,
                                                           education=Education.DOCTORATE)
        assert names(selectors.person_list(user=world.zuzhibu, params={"title_level": "senior"})) == ["李四"]
        assert names(selectors.person_list(user=world.zuzhibu, params={"education": "11"})) == ["李四"]

    def test_lost_contact_and_mobile(self, world):
        PartyMembership.objects.filter(person=world.member_a).update(lost_contact=True,
                                                                     lost_contact_on=datetime.date(2023, 1, 1))
        PartyMembership.objects.filter(person=world.member_b).update(mobile=True,
                                                                     mobile_since=datetime.date(2023, 1, 1))
        assert names(selectors.person_list(user=world.zuzhibu, params={"lost_contact": "true"})) == ["张三"]
        assert names(selectors.person_list(user=world.zuzhibu, params={"mobile": "true"})) == ["李四"]

    def test_org_subtree(self, world):
        in_institute = selectors.person_list(user=world.zuzhibu, params={"org": str(world.institute.pk)})
        assert set(names(in_institute)) == {"张三", "赵喆", "李四"}

    def test_org_outside_scope_finds_nothing(self, world):
        assert names(selectors.person_list(user=world.shuji_a, params={"org": world.institute.pk})) == []
        assert names(selectors.person_list(user=world.shuji_a, params={"org": world.branch_b.pk})) == []

    @pytest.mark.parametrize(("ordering", "first"), [("name", "李四"), ("-name", "赵喆"), ("org", "张三")])
    def test_ordering(self, world, ordering, first):
        people = selectors.person_list(user=world.dangwei, params={"ordering": ordering})
        assert names(people)[0] == first

    def test_ordering_by_birth_date(self, world):
        make_member(world.branch_a, name="年长者", birth_date=datetime.date(1950, 1, 1))
        assert names(selectors.person_list(user=world.shuji_a, params={"ordering": "birth_date"}))[0] == "年长者"


class TestPersonGet:
    def test_in_scope(self, world):
        assert selectors.person_get(user=world.shuji_a, pk=world.member_a.pk) == world.member_a

    def test_out_of_scope_is_404(self, world):
        with pytest.raises(Http404):
            selectors.person_get(user=world.shuji_b, pk=world.member_a.pk)

    def test_without_capability_is_403(self, world):
        with pytest.raises(PermissionDenied):
            selectors.person_get(user=world.xuanchuan_a, pk=world.member_a.pk, capability=Capability.EDIT_PEOPLE)

    def test_own_record(self, world):
        own = Person.objects.get(user=world.dangyuan)
        assert selectors.person_get(user=world.dangyuan, pk=own.pk) == own
        with pytest.raises(PermissionDenied):
            selectors.person_get(user=world.dangyuan, pk=own.pk, capability=Capability.EDIT_PEOPLE)
        with pytest.raises(Http404):
            selectors.person_get(user=world.dangyuan, pk=world.member_a.pk)

    @pytest.mark.parametrize("pk", [999999, "abc", None])
    def test_unknown_is_404(self, world, pk):
        with pytest.raises(Http404):
            selectors.person_get(user=world.admin, pk=pk)


class TestOrgChoices:
    def test_indented_scope_without_party_groups(self, world):
        choices = selectors.org_choices(user=world.dangwei)
        assert choices == [(world.institute.pk, "甲所党委"), (world.branch_a.pk, "\u3000第一党支部"),
                           (world.branch_b.pk, "\u3000第二党支部")]

    def test_large_scope_offers_committees_and_the_chosen_branch(self, world):
        choices = selectors.org_choices(user=world.zuzhibu, max_options=3, keep=str(world.branch_b.pk))
        assert [pk for pk, _ in choices] == [world.root.pk, world.institute.pk, world.branch_b.pk,
                                             world.other_institute.pk]

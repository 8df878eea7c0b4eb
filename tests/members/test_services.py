import datetime

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from members import idcard, services
from members.codes import MemberCategory, PoliticalStatus, Sex
from members.models import PartyMembership, Person
from tests.factories import make_org

pytestmark = pytest.mark.django_db

BIRTH = datetime.date(1990, 5, 17)


def person_data(world, **overrides):
    data = {
        "name": "欧阳堃",
        "sex": Sex.MALE,
        "birth_date": BIRTH,
        "id_number": idcard.make("310101", BIRTH, 3, Sex.MALE).lower(),
        "political_status": PoliticalStatus.MASSES,
        "organization": world.branch_a,
        "phone": "13800000000",
    }
    data.update(overrides)
    return data


def membership_data(**overrides):
    data = {
        "category": MemberCategory.FULL,
        "admitted_on": datetime.date(2015, 7, 1),
        "converted_on": datetime.date(2016, 7, 1),
    }
    data.update(overrides)
    return data


def errors_of(exc_info) -> dict[str, list[str]]:
    return exc_info.value.message_dict


class TestPinyin:
    @pytest.mark.parametrize(
        ("name", "pinyin", "initials"),
        [("张三", "zhangsan", "zs"), ("赵喆", "zhaozhe", "zz"), ("钱堃", "qiankun", "qk"),
         ("阿卜杜·热合曼", "abodureheman", "abdrhm"), ("吕布", "lvbu", "lb"), ("曾军喆", "zengjunzhe", "zjz"), ("单田芳", "shantianfang", "stf"),
         ("尉迟恭", "yuchigong", "ycg")],
    )
    def test_pinyin_and_initials(self, name, pinyin, initials):
        assert services.pinyin_for(name) == (pinyin, initials)


class TestPersonCreate:
    def test_creates_person_with_pinyin_and_normalized_id(self, world):
        person = services.person_create(actor=world.shuji_a, data=person_data(world))
        person.refresh_from_db()
        assert (person.name_pinyin, person.name_initials) == ("ouyangkun", "oyk")
        assert person.id_number == person.id_number.upper()
        assert person.organization == world.branch_a

    def test_creates_member_with_membership_in_one_go(self, world):
        person = services.person_create(
            actor=world.shuji_a,
            data=person_data(world, political_status=PoliticalStatus.CPC_MEMBER,
                             membership=membership_data(party_group=world.group_a.pk)),
        )
        membership = PartyMembership.objects.get(person=person)
        assert membership.party_group == world.group_a
        assert person.political_status == PoliticalStatus.CPC_MEMBER

    def test_political_status_follows_category_when_not_given(self, world):
        data = person_data(world, membership=membership_data(category=MemberCategory.PROBATIONARY,
                                                             converted_on=None))
        del data["political_status"]
        person = services.person_create(actor=world.shuji_a, data=data)
        assert Person.objects.get(pk=person.pk).political_status == PoliticalStatus.CPC_PROBATIONARY

    def test_creation_is_audited_with_the_actor(self, world):
        person = services.person_create(actor=world.shuji_a, data=person_data(world))
        entry = LogEntry.objects.get_for_object(person).get(action=LogEntry.Action.CREATE)
        assert entry.actor == world.shuji_a

    def test_invalid_id_number_is_refused_and_nothing_saved(self, world):
        before = Person.objects.count()
        with pytest.raises(ValidationError) as exc:
            services.person_create(actor=world.shuji_a, data=person_data(world, id_number="310101199005170011"))
        assert errors_of(exc)["id_number"] == ["公民身份号码校验位不正确，请核对是否录入有误。"]
        assert Person.objects.count() == before

    def test_id_number_must_agree_with_birth_date_and_sex(self, world):
        with pytest.raises(ValidationError) as exc:
            services.person_create(actor=world.shuji_a, data=person_data(world, sex=Sex.FEMALE,
                                                                         birth_date=datetime.date(1990, 5, 18)))
        messages = " ".join(errors_of(exc)["id_number"])
        assert "与填写的出生日期1990-05-18不一致" in messages
        assert "与填写的性别“女”不一致" in messages
        assert not Person.objects.filter(name="欧阳堃").exists()

    def test_birth_in_the_future_is_refused(self, world):
        future = datetime.date.today() + datetime.timedelta(days=3)
        with pytest.raises(ValidationError) as exc:
            services.person_create(actor=world.shuji_a,
                                   data=person_data(world, birth_date=future, id_number=""))
        assert errors_of(exc)["birth_date"] == ["出生日期不能晚于今天。"]
        assert not Person.objects.filter(name="欧阳堃").exists()

    def test_duplicate_id_in_scope_names_the_other_record(self, world):
        with pytest.raises(ValidationError) as exc:
            services.person_create(actor=world.shuji_a, data=person_data(
                world, name="张三二", sex=world.member_a.sex, birth_date=world.member_a.birth_date,
                id_number=world.member_a.id_number,
            ))
        assert errors_of(exc)["id_number"] == ["该公民身份号码已登记在“第一党支部”的张三名下，请勿重复录入。"]
        assert not Person.objects.filter(name="张三二").exists()

    def test_duplicate_id_out_of_scope_reveals_nothing(self, world):
        other = world.member_other
        with pytest.raises(ValidationError) as exc:
            services.person_create(actor=world.shuji_a, data=person_data(
                world, sex=other.sex, birth_date=other.birth_date, id_number=other.id_number.lower(),
            ))
        message = errors_of(exc)["id_number"][0]
        assert message == "该公民身份号码已在系统中登记，记录不在您的管理范围内，请联系上级党组织核实。"
        assert other.name not in message
        assert "乙所" not in message

    def test_organization_outside_scope_is_not_found(self, world):
        with pytest.raises(ValidationError) as exc:
            services.person_create(actor=world.shuji_a, data=person_data(world, organization=world.branch_b))
        assert errors_of(exc)["organization"] == ["未找到该党组织。"]
        assert not Person.objects.filter(name="欧阳堃").exists()

    def test_view_only_role_cannot_create(self, world):
        with pytest.raises(ValidationError) as exc:
            services.person_create(actor=world.xuanchuan_a, data=person_data(world))
        assert errors_of(exc)["organization"] == ["您没有在该党组织编辑人员的权限。"]

    def test_party_group_is_not_a_place_for_people(self, world):
        with pytest.raises(ValidationError) as exc:
            services.person_create(actor=world.shuji_a, data=person_data(world, organization=world.group_a))
        assert "党小组在党籍信息中填写" in errors_of(exc)["organization"][0]

    def test_unknown_fields_are_refused(self, world):
        with pytest.raises(ValidationError) as exc:
            services.person_create(actor=world.shuji_a, data=person_data(world, nickname="三儿"))
        assert errors_of(exc) == {"nickname": ["未知字段。"]}

    def test_party_status_needs_membership(self, world):
        with pytest.raises(ValidationError) as exc:
            services.person_create(actor=world.shuji_a,
                                   data=person_data(world, political_status=PoliticalStatus.CPC_MEMBER))
        assert "须填写党籍信息" in errors_of(exc)["political_status"][0]
        assert not Person.objects.filter(name="欧阳堃").exists()

    def test_status_contradicting_category_is_refused(self, world):
        with pytest.raises(ValidationError) as exc:
            services.person_create(actor=world.shuji_a, data=person_data(
                world, political_status=PoliticalStatus.CYL_MEMBER, membership=membership_data()))
        assert "政治面貌与党员类别不一致" in errors_of(exc)["political_status"][0]


class TestMembershipRules:
    """Bad membership facts: the person is not saved either (all or nothing)."""

    @pytest.mark.parametrize(
        ("membership", "field", "message"),
        [
            ({"converted_on": datetime.date(2015, 6, 1)}, "converted_on", "转正日期必须晚于入党日期。"),
            ({"converted_on": None}, "converted_on", "正式党员须填写转正日期。"),
            ({"category": MemberCategory.PROBATIONARY}, "converted_on", "预备党员不应有转正日期。"),
            ({"admitted_on": datetime.date(2007, 1, 1), "converted_on": datetime.date(2008, 1, 1)},
             "admitted_on", "入党时须年满十八岁：出生日期为1990-05-17，入党日期不能早于2008-05-17。"),
            ({"admitted_on": datetime.date.today() + datetime.timedelta(days=1), "converted_on": None,
              "category": MemberCategory.PROBATIONARY}, "admitted_on", "日期不能晚于今天。"),
            ({"lost_contact": True}, "lost_contact_on", "请填写失去联系日期。"),
            ({"mobile": True}, "mobile_since", "请填写外出日期。"),
        ],
    )
    def test_bad_membership_saves_nothing(self, world, membership, field, message):
        before = (Person.objects.count(), PartyMembership.objects.count())
        with pytest.raises(ValidationError) as exc:
            services.person_create(actor=world.shuji_a, data=person_data(world, membership=membership_data(
                **membership)))
        assert message in errors_of(exc)[f"membership.{field}"]
        assert (Person.objects.count(), PartyMembership.objects.count()) == before

    def test_party_group_must_be_inside_the_members_branch(self, world):
        group_b = make_org(world.branch_b, org_type="party_group", short_name="第二支部党小组")
        with pytest.raises(ValidationError) as exc:
            services.person_create(actor=world.zuzhibu, data=person_data(
                world, membership=membership_data(party_group=group_b.pk)))
        assert errors_of(exc)["membership.party_group"] == ["党小组须属于该党员所在的党支部。"]

    def test_flags_without_dates_clear_their_details(self, world):
        person = world.member_a
        services.membership_save(actor=world.shuji_a, person=person, data={
            "mobile": True, "mobile_since": datetime.date(2024, 3, 1), "mobile_destination": "深圳"})
        membership = services.membership_save(actor=world.shuji_a, person=person, data={"mobile": False})
        membership.refresh_from_db()
        assert (membership.mobile, membership.mobile_since, membership.mobile_destination) == (False, None, "")

    def test_conversion_updates_political_status(self, world):
        person = services.person_create(actor=world.shuji_a, data=person_data(
            world, political_status=PoliticalStatus.CPC_PROBATIONARY,
            membership=membership_data(category=MemberCategory.PROBATIONARY, converted_on=None)))
        services.membership_save(actor=world.shuji_a, person=person, data={
            "category": MemberCategory.FULL, "converted_on": datetime.date(2016, 7, 1)})
        person.refresh_from_db()
        assert person.political_status == PoliticalStatus.CPC_MEMBER
        assert person.membership.converted_on == datetime.date(2016, 7, 1)

    def test_membership_save_conversion_before_admission_saves_nothing(self, world):
        person = world.member_a
        with pytest.raises(ValidationError) as exc:
            services.membership_save(actor=world.shuji_a, person=person,
                                     data={"converted_on": datetime.date(2009, 1, 1)})
        assert errors_of(exc)["converted_on"] == ["转正日期必须晚于入党日期。"]
        assert PartyMembership.objects.get(person=person).converted_on == datetime.date(2011, 7, 1)


class TestPersonUpdate:
    def test_updates_fields_and_pinyin(self, world):
        person = services.person_update(actor=world.shuji_a, person=world.member_a,
                                        data={"name": "张珊", "title": "研究员"})
        person.refresh_from_db()
        assert (person.name, person.name_pinyin, person.title) == ("张珊", "zhangshan", "研究员")

    def test_update_is_audited_with_before_and_after(self, world):
        services.person_update(actor=world.shuji_a, person=world.member_a, data={"post": "课题组长"})
        entry = LogEntry.objects.get_for_object(world.member_a).filter(action=LogEntry.Action.UPDATE).latest("pk")
        assert entry.actor == world.shuji_a
        assert entry.changes_dict["post"] == ["", "课题组长"]

    def test_other_branch_is_not_found(self, world):
        with pytest.raises(Http404):
            services.person_update(actor=world.shuji_b, person=world.member_a, data={"post": "x"})

    def test_view_only_role_is_forbidden(self, world):
        with pytest.raises(PermissionDenied):
            services.person_update(actor=world.xuanchuan_a, person=world.member_a, data={"post": "x"})

    def test_membership_error_rolls_back_person_change(self, world):
        with pytest.raises(ValidationError) as exc:
            services.person_update(actor=world.shuji_a, person=world.member_a, data={
                "post": "课题组长", "membership": {"converted_on": datetime.date(2009, 1, 1)}})
        assert "membership.converted_on" in errors_of(exc)
        assert Person.objects.get(pk=world.member_a.pk).post == ""

    def test_dropping_party_status_of_a_member_is_refused(self, world):
        with pytest.raises(ValidationError) as exc:
            services.person_update(actor=world.shuji_a, person=world.member_a,
                                   data={"political_status": PoliticalStatus.MASSES})
        assert "政治面貌与党员类别不一致" in errors_of(exc)["political_status"][0]

    def test_organization_changes_only_by_move(self, world):
        with pytest.raises(ValidationError) as exc:
            services.person_update(actor=world.zuzhibu, person=world.member_a,
                                   data={"organization": world.branch_b})
        assert errors_of(exc)["organization"] == ["调整所在党组织请使用“调动”功能。"]


class TestPersonMove:
    def test_moves_within_scope_and_clears_party_group(self, world):
        PartyMembership.objects.filter(person=world.member_a).update(party_group=world.group_a)
        services.person_move(actor=world.zuzhibu,
                             person=world.member_a, organization=world.branch_b)
        person = Person.objects.select_related("membership").get(pk=world.member_a.pk)
        assert person.organization == world.branch_b
        assert person.membership.party_group is None

    def test_move_is_audited(self, world):
        services.person_move(actor=world.zuzhibu, person=world.member_a, organization=world.branch_b.pk)
        entry = LogEntry.objects.get_for_object(world.member_a).filter(action=LogEntry.Action.UPDATE).latest("pk")
        assert entry.actor == world.zuzhibu
        assert "organization" in entry.changes_dict

    def test_target_outside_scope_is_not_found_and_nothing_saved(self, world):
        with pytest.raises(ValidationError) as exc:
            services.person_move(actor=world.shuji_a, person=world.member_a, organization=world.branch_b)
        assert errors_of(exc)["organization"] == ["未找到该党组织。"]
        assert Person.objects.get(pk=world.member_a.pk).organization == world.branch_a

    def test_unknown_target_is_not_found(self, world):
        with pytest.raises(ValidationError) as exc:
            services.person_move(actor=world.shuji_a, person=world.member_a, organization=999999)
        assert errors_of(exc)["organization"] == ["未找到该党组织。"]

    def test_closed_target_is_refused(self, world):
        world.branch_b.closed_on = datetime.date(2024, 1, 1)
        world.branch_b.save()
        with pytest.raises(ValidationError) as exc:
            services.person_move(actor=world.zuzhibu, person=world.member_a, organization=world.branch_b)
        assert errors_of(exc)["organization"] == ["该党组织已撤销，不能编入人员。"]

    def test_person_outside_scope_is_not_found(self, world):
        with pytest.raises(Http404):
            services.person_move(actor=world.shuji_b, person=world.member_a, organization=world.branch_b)

    def test_same_organization_is_refused(self, world):
        with pytest.raises(ValidationError) as exc:
            services.person_move(actor=world.shuji_a, person=world.member_a, organization=world.branch_a)
        assert errors_of(exc)["organization"] == ["该人员已在此党组织。"]


class TestIdNumberReveal:
    def test_reveal_writes_one_access_entry(self, world):
        number = services.id_number_reveal(actor=world.shuji_a, person=world.member_a)
        assert number == world.member_a.id_number
        entries = LogEntry.objects.get_for_object(world.member_a).filter(action=LogEntry.Action.ACCESS)
        assert entries.count() == 1
        assert entries.get().actor == world.shuji_a

    def test_reveal_needs_the_capability(self, world):
        with pytest.raises(PermissionDenied):
            services.id_number_reveal(actor=world.xuanchuan_a, person=world.member_a)
        assert not LogEntry.objects.filter(action=LogEntry.Action.ACCESS).exists()

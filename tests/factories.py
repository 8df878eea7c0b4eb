"""factory_boy factories. Organizations are created through treebeard (add_root/add_child)."""

import datetime
import itertools

import factory
from django.contrib.auth import get_user_model

from branches.models import Organization, OrgType, Role, RoleKind
from members import idcard
from members.codes import MemberCategory, PoliticalStatus, Sex
from members.models import PartyMembership, Person

_codes = itertools.count(1)
_id_seq = itertools.count(1)


def make_org(parent: Organization | None = None, *, org_type: str = OrgType.BRANCH, **fields) -> Organization:
    n = next(_codes)
    fields.setdefault("name", f"中共测试第{n}党组织委员会")
    fields.setdefault("short_name", f"测试组织{n}")
    fields.setdefault("code", f"T{n:06d}")
    fields["org_type"] = org_type
    if parent is None:
        return Organization.objects.add_root(fields)
    parent.refresh_from_db()
    return Organization.objects.add_child(parent, fields)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    @factory.post_generation
    def password(obj, create, extracted, **kwargs):  # noqa: N805
        obj.set_password(extracted or "dangjian2026")
        if create:
            obj.save(update_fields=["password"])


class RoleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Role

    user = factory.SubFactory(UserFactory)
    kind = RoleKind.SECRETARY
    starts_on = datetime.date(2020, 1, 1)


def valid_id(birth: datetime.date, sex: str) -> str:
    n = next(_id_seq)
    return idcard.make("110101", birth, n % 500, sex)


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person
        skip_postgeneration_save = True

    name = factory.Iterator(["张三", "李四", "王五", "赵喆", "钱堃", "孙丽", "周敏", "吴昊"])
    sex = Sex.MALE
    birth_date = datetime.date(1985, 6, 15)
    id_number = factory.LazyAttribute(lambda p: valid_id(p.birth_date, p.sex))
    political_status = PoliticalStatus.MASSES

    @factory.post_generation
    def pinyin(obj, create, extracted, **kwargs):  # noqa: N805
        from pypinyin import lazy_pinyin

        syllables = lazy_pinyin(obj.name)
        obj.name_pinyin = "".join(syllables)
        obj.name_initials = "".join(s[0] for s in syllables if s)
        if create:
            obj.save(update_fields=["name_pinyin", "name_initials"])


def make_member(org: Organization, *, category: str = MemberCategory.FULL, **fields) -> Person:
    status = PoliticalStatus.CPC_MEMBER if category == MemberCategory.FULL else PoliticalStatus.CPC_PROBATIONARY
    person = PersonFactory(organization=org, political_status=status, **fields)
    PartyMembership.objects.create(
        person=person,
        category=category,
        admitted_on=datetime.date(2010, 7, 1),
        converted_on=datetime.date(2011, 7, 1) if category == MemberCategory.FULL else None,
    )
    return person

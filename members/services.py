"""Every write to people and their party membership.

Each service is atomic, audited (the actor is recorded by `acting`), validates through the models'
full_clean() and raises ValidationError with Chinese messages. The HTML forms, the API and the admin
all call these, so validation lives in one place.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from pypinyin import lazy_pinyin

from branches import audit, permissions
from branches.models import Organization, OrgType
from branches.permissions import Capability

from . import idcard
from .codes import MemberCategory, PoliticalStatus
from .models import PartyMembership, Person

PERSON_FIELDS = (
    "name", "sex", "ethnicity", "birth_date", "id_number", "education", "degree", "title", "title_level",
    "returned_from_abroad", "discipline", "post", "phone", "email", "political_status",
)
MEMBERSHIP_FIELDS = (
    "category", "admitted_on", "converted_on", "party_group", "status", "rights_suspended",
    "lost_contact", "lost_contact_on", "lost_contact_reason", "mobile", "mobile_since", "mobile_destination",
)
# Errors of the nested membership come back under "membership.<field>" from person_create/person_update.
MEMBERSHIP_PREFIX = "membership."
_NON_LETTERS = re.compile(r"[^a-z]")


# Surnames read differently from the character's everyday reading (曾 zēng, not céng; 单 shàn, not dān).
_SURNAME_READINGS = {
    "曾": "zeng", "单": "shan", "解": "xie", "仇": "qiu", "区": "ou", "查": "zha", "朴": "piao", "繁": "po",
    "盖": "ge", "乐": "yue", "缪": "miao", "翟": "zhai", "覃": "qin", "宓": "mi", "员": "yun", "秘": "bi",
    "召": "shao", "种": "chong", "谌": "chen", "眭": "sui", "隗": "wei", "尉": "wei", "重": "chong", "卜": "bu",
    "贲": "ben", "莘": "shen", "粘": "nian", "黑": "he", "句": "gou", "藏": "zang", "葛": "ge", "洗": "xian",
    "冼": "xian", "能": "nai", "柏": "bai", "朝": "chao", "蕃": "pi", "阚": "kan", "折": "she",
    "厍": "she", "訾": "zi", "逄": "pang", "都": "du", "弗": "fu", "叶": "ye", "沈": "shen", "任": "ren",
    "华": "hua", "纪": "ji", "燕": "yan", "石": "shi", "车": "che", "秦": "qin", "莫": "mo",
}
_COMPOUND_SURNAME_READINGS = {
    "尉迟": ["yu", "chi"], "万俟": ["mo", "qi"], "长孙": ["zhang", "sun"], "单于": ["chan", "yu"],
    "澹台": ["tan", "tai"], "令狐": ["ling", "hu"], "欧阳": ["ou", "yang"], "皇甫": ["huang", "fu"],
}


def pinyin_for(name: str) -> tuple[str, str]:
    """("zhangsan", "zs") for 张三, with surname readings (曾 zeng). Non-Chinese characters are dropped."""
    name = (name or "").strip()
    readings = lazy_pinyin(name)
    if name[:2] in _COMPOUND_SURNAME_READINGS and len(readings) >= 2:
        readings[:2] = _COMPOUND_SURNAME_READINGS[name[:2]]
    elif name[:1] in _SURNAME_READINGS and readings:
        readings[0] = _SURNAME_READINGS[name[0]]
    syllables = [_NON_LETTERS.sub("", s.lower()) for s in readings]
    syllables = [s for s in syllables if s]
    return "".join(syllables), "".join(s[0] for s in syllables)


def political_status_for(category: str) -> str:
    return PoliticalStatus.CPC_MEMBER if category == MemberCategory.FULL else PoliticalStatus.CPC_PROBATIONARY


# ---- helpers -------------------------------------------------------------------------------------------


def _unknown(data: dict, allowed: Iterable[str]) -> None:
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise ValidationError({name: _("未知字段。") for name in unknown})


def _resolve(model: type, value: Any, field: str, message: str) -> Any:
    if value is None or value == "":
        return None
    if isinstance(value, model):
        return value
    try:
        return model.objects.get(pk=value)
    except (model.DoesNotExist, ValueError, TypeError):
        raise ValidationError({field: message})


def _check_target(actor: Any, org: Organization | None) -> None:
    """The organization a person is put in: treated as not found outside the actor's scope."""
    if org is None:
        raise ValidationError({"organization": _("请选择所在党组织。")})
    if not permissions.in_scope(actor, org):
        raise ValidationError({"organization": _("未找到该党组织。")})
    if not permissions.has_capability(actor, org, Capability.EDIT_PEOPLE):
        raise ValidationError({"organization": _("您没有在该党组织编辑人员的权限。")})
    if org.closed_on is not None:
        raise ValidationError({"organization": _("该党组织已撤销，不能编入人员。")})


def _merge(errors: dict[str, list[str]], exc: ValidationError, prefix: str = "") -> None:
    for field, messages in exc.message_dict.items():
        key = prefix + field if field != "__all__" or not prefix else prefix.rstrip(".")
        errors.setdefault(key, []).extend(messages)


def _duplicate_id_message(actor: Any, person: Person) -> str | None:
    if not person.id_number:
        return None
    other = (
        Person.objects.filter(id_number=person.id_number)
        .exclude(pk=person.pk)
        .select_related("organization")
        .first()
    )
    if other is None:
        return None
    return duplicate_id_message_for(actor, other)


def duplicate_id_message_for(actor: Any, other: Person) -> str:
    """The message for an ID number already registered on `other` (its organization loaded): details only when
    the actor may see that person. The bulk import finds `other` in its preloaded rows and asks here."""
    if permissions.has_capability(actor, other.organization, Capability.VIEW_PEOPLE):
        return _("该公民身份号码已登记在“%(org)s”的%(name)s名下，请勿重复录入。") % {
            "org": other.organization, "name": other.name,
        }
    return _("该公民身份号码已在系统中登记，记录不在您的管理范围内，请联系上级党组织核实。")


def _assign_person(person: Person, data: dict) -> list[str]:
    for field, value in data.items():
        if field == "id_number":
            value = idcard.normalize(value or "") or None
        elif value is None and field not in ("birth_date",):
            value = "" if field not in ("returned_from_abroad",) else False
        setattr(person, field, value)
    person.name = (person.name or "").strip()
    person.name_pinyin, person.name_initials = pinyin_for(person.name)
    return [*data.keys(), "name", "name_pinyin", "name_initials"]


def _assign_membership(membership: PartyMembership, data: dict) -> None:
    for field, value in data.items():
        if field == "party_group":
            value = _resolve(Organization, value, "party_group", _("未找到该党小组。"))
        elif value is None and field in ("lost_contact_reason", "mobile_destination", "status", "category"):
            value = ""
        elif value is None and field in ("rights_suspended", "lost_contact", "mobile"):
            value = False
        setattr(membership, field, value)
    if not membership.lost_contact:
        membership.lost_contact_on = None
        membership.lost_contact_reason = ""
    if not membership.mobile:
        membership.mobile_since = None
        membership.mobile_destination = ""


class _Lookup:
    """Marker: _validate looks the ID number up itself."""


def _validate(
    actor: Any,
    person: Person,
    membership: PartyMembership | None,
    *,
    status_given: bool,
    membership_prefix: str,
    duplicate: str | None | type[_Lookup] = None,
    preloaded: bool = False,
) -> None:
    """Validate person and membership together so the user sees every problem at once.

    The bulk import calls this too, row by row, with what it preloaded: `duplicate` is its verdict on the ID
    number (the message or None) instead of a query, and `preloaded=True` skips the foreign keys' existence
    queries (it resolved organization, person and party group from loaded rows). The rules are the same."""
    if duplicate is None and not preloaded:
        duplicate = _Lookup
    errors: dict[str, list[str]] = {}
    if membership is not None and membership.category:
        expected = political_status_for(membership.category)
        if status_given and person.political_status != expected:
            errors.setdefault("political_status", []).append(
                _("政治面貌与党员类别不一致：正式党员为“中共党员”，预备党员为“中共预备党员”。")
            )
        else:
            person.political_status = expected
    elif membership is None and person.political_status in PoliticalStatus.party():
        errors.setdefault("political_status", []).append(
            _("政治面貌为中共党员或中共预备党员的，须填写党籍信息（党员类别、入党日期等）。")
        )
    try:
        person.full_clean(exclude=["organization", "user"] if preloaded else None, validate_unique=False)
    except ValidationError as exc:
        _merge(errors, exc)
    if duplicate is _Lookup:
        duplicate = _duplicate_id_message(actor, person)
    if duplicate and "id_number" not in errors:
        errors["id_number"] = [duplicate]
    if membership is not None:
        exclude = ["person", "party_group"] if preloaded else (["person"] if person.pk is None else None)
        try:
            # clean() states the same rules as the CHECK constraints, with a message on the right field.
            membership.full_clean(exclude=exclude, validate_constraints=False)
        except ValidationError as exc:
            _merge(errors, exc, membership_prefix)
    if errors:
        raise ValidationError(errors)


def _save_person(person: Person, update_fields: list[str] | None = None) -> None:
    try:
        with transaction.atomic():
            if update_fields is None:
                person.save()
            else:
                person.save(update_fields=sorted({*update_fields, "updated_at"}))
    except IntegrityError:
        # Another request registered the same ID number between our check and the insert.
        raise ValidationError({"id_number": _("该公民身份号码已在系统中登记，请勿重复录入。")})


def _existing_membership(person: Person) -> PartyMembership | None:
    if person.pk is None:
        return None
    try:
        return person.membership
    except PartyMembership.DoesNotExist:
        return None


# ---- services ------------------------------------------------------------------------------------------


def person_create(*, actor: Any, data: dict) -> Person:
    """Create a person in `data["organization"]` (EDIT_PEOPLE there), with an optional nested `membership`."""
    data = dict(data)
    membership_data = data.pop("membership", None)
    org = _resolve(Organization, data.pop("organization", None), "organization", _("未找到该党组织。"))
    _unknown(data, PERSON_FIELDS)
    if membership_data is not None:
        _unknown(membership_data, MEMBERSHIP_FIELDS)
    _check_target(actor, org)
    with transaction.atomic(), audit.acting(actor):
        person = Person(organization=org)
        _assign_person(person, data)
        membership = None
        if membership_data is not None:
            membership = PartyMembership(person=person)
            _assign_membership(membership, membership_data)
        _validate(actor, person, membership, status_given="political_status" in data,
                  membership_prefix=MEMBERSHIP_PREFIX)
        _save_person(person)
        if membership is not None:
            membership.person = person
            membership.save()
    return person


def person_update(*, actor: Any, person: Person, data: dict) -> Person:
    """Change a person's facts (and, with `membership`, their membership) — not their organization."""
    permissions.check(actor, person.organization, Capability.EDIT_PEOPLE)
    data = dict(data)
    membership_data = data.pop("membership", None)
    if "organization" in data:
        if getattr(data["organization"], "pk", data["organization"]) != person.organization_id:
            raise ValidationError({"organization": _("调整所在党组织请使用“调动”功能。")})
        data.pop("organization")
    _unknown(data, PERSON_FIELDS)
    if membership_data is not None:
        _unknown(membership_data, MEMBERSHIP_FIELDS)
    with transaction.atomic(), audit.acting(actor):
        person = Person.objects.select_related("organization").select_for_update().get(pk=person.pk)
        fields = _assign_person(person, data)
        membership = _existing_membership(person)
        if membership_data is not None:
            membership = membership or PartyMembership(person=person)
            _assign_membership(membership, membership_data)
        _validate(actor, person, membership, status_given="political_status" in data,
                  membership_prefix=MEMBERSHIP_PREFIX)
        _save_person(person, [*fields, "political_status"])
        if membership is not None and membership_data is not None:
            membership.save()
    return person


def membership_save(*, actor: Any, person: Person, data: dict) -> PartyMembership:
    """Create or change a person's party membership; political status follows the category."""
    permissions.check(actor, person.organization, Capability.EDIT_PEOPLE)
    _unknown(data, MEMBERSHIP_FIELDS)
    with transaction.atomic(), audit.acting(actor):
        person = Person.objects.select_related("organization").select_for_update().get(pk=person.pk)
        membership = _existing_membership(person) or PartyMembership(person=person)
        _assign_membership(membership, data)
        _validate(actor, person, membership, status_given=False, membership_prefix="")
        _save_person(person, ["political_status"])
        membership.save()
    return membership


def person_move(*, actor: Any, person: Person, organization: Organization | int | str) -> Person:
    """Move a person to another organization: EDIT_PEOPLE on both; a party group left behind is cleared."""
    permissions.check(actor, person.organization, Capability.EDIT_PEOPLE)
    target = _resolve(Organization, organization, "organization", _("未找到该党组织。"))
    _check_target(actor, target)
    if target.org_type == OrgType.PARTY_GROUP:
        raise ValidationError({"organization": _("人员应编入党支部（或党委、党总支），党小组在党籍信息中填写。")})
    if target.pk == person.organization_id:
        raise ValidationError({"organization": _("该人员已在此党组织。")})
    with transaction.atomic(), audit.acting(actor):
        person = Person.objects.select_related("organization").select_for_update().get(pk=person.pk)
        person.organization = target
        try:
            person.full_clean(validate_unique=False)
        except ValidationError as exc:
            raise ValidationError(exc.message_dict)
        _save_person(person, ["organization"])
        membership = _existing_membership(person)
        if membership is not None and membership.party_group_id is not None:
            group = membership.party_group
            if not group.path.startswith(target.path):
                membership.party_group = None
                membership.save(update_fields=["party_group", "updated_at"])
    return person


def id_number_reveal(*, actor: Any, person: Person) -> str:
    """The full ID number for someone with VIEW_ID_NUMBERS on the person's organization; every view is logged."""
    permissions.check(actor, person.organization, Capability.VIEW_ID_NUMBERS)
    audit.log_access(actor=actor, obj=person, what="id_number")
    return person.id_number or ""


# ---- effects of the development pipeline (the caller, recruitment.services, checks its own capability) ---


def membership_admit(*, actor: Any, person: Person, admitted_on: Any) -> PartyMembership:
    """The committee approved the admission: the person becomes a 预备党员 from the branch vote's date."""
    with transaction.atomic(), audit.acting(actor):
        membership = _existing_membership(person) or PartyMembership(person=person)
        membership.category = MemberCategory.PROBATIONARY
        membership.admitted_on = admitted_on
        membership.converted_on = None
        person.political_status = PoliticalStatus.CPC_PROBATIONARY
        _validate(actor, person, membership, status_given=False, membership_prefix="")
        _save_person(person, ["political_status"])
        membership.save()
    return membership


def membership_convert(*, actor: Any, person: Person, converted_on: Any) -> PartyMembership:
    """Conversion approved: full member from the day probation ended (党龄 counts from then)."""
    with transaction.atomic(), audit.acting(actor):
        membership = PartyMembership.objects.select_for_update().get(person=person)
        membership.category = MemberCategory.FULL
        membership.converted_on = converted_on
        _validate(actor, person, membership, status_given=False, membership_prefix="")
        _save_person(person, ["political_status"])
        membership.save()
    return membership


def membership_assign_group(*, actor: Any, person: Person, group: Organization) -> PartyMembership:
    """编入党小组 after admission: the membership's party group."""
    with transaction.atomic(), audit.acting(actor):
        membership = PartyMembership.objects.select_for_update().get(person=person)
        membership.party_group = group
        membership.save(update_fields=["party_group", "updated_at"])
    return membership


def membership_cancel(*, actor: Any, person: Person) -> None:
    """取消预备党员资格: the membership record goes, the person is 群众 again (the pipeline keeps the history)."""
    with transaction.atomic(), audit.acting(actor):
        PartyMembership.objects.filter(person=person).delete()
        person.political_status = PoliticalStatus.MASSES
        _save_person(person, ["political_status"])


def training_record(*, actor: Any, person: Person, data: dict) -> Any:
    from .models import TrainingRecord

    with transaction.atomic(), audit.acting(actor):
        record = TrainingRecord(person=person, **data)
        record.full_clean()
        record.save()
    return record

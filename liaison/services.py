"""Every write of the liaison work: the pool, pairs, talks with their follow-ups, and reviews. The HTML forms and
the API call these same functions, so a refusal reads the same everywhere: a ValidationError with one Chinese
message per problem, and nothing saved."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from branches import audit, permissions
from branches.models import CommitteePosition, CommitteeSeat, Organization, OrgType
from branches.permissions import Capability
from members.codes import PoliticalStatus
from members.models import Person

from . import rules as rulesmod
from .models import (
    FollowUp,
    FollowUpStatus,
    LiaisonPair,
    LiaisonRole,
    PairKind,
    Review,
    TalentProfile,
    Talk,
)

PARTY = (PoliticalStatus.CPC_MEMBER, PoliticalStatus.CPC_PROBATIONARY)
PROFILE_FIELDS = ("research_field", "programmes", "leadership", "backbone", "note")
TALK_FIELDS = ("held_on", "place", "form", "topics", "thoughts", "help_given", "private_notes")


def _today() -> datetime.date:
    return timezone.localdate()


def _summary_after_commit(*org_ids: int) -> None:
    """Refresh the coverage summaries of the organizations written to, once the transaction commits."""
    from .tasks import refresh_liaison_summary_task

    for org_id in {pk for pk in org_ids if pk}:
        transaction.on_commit(lambda org_id=org_id: refresh_liaison_summary_task.delay(org_id))


def _within(person: Person, org: Organization) -> bool:
    return person.organization is not None and person.organization.path.startswith(org.path)


def is_liaison_person(user: Any, pair: LiaisonPair) -> bool:
    person_id = getattr(getattr(user, "person", None), "pk", None)
    return person_id is not None and person_id == pair.liaison_id


def check_pair_access(user: Any, pair: LiaisonPair) -> None:
    """The liaison person works on their own pair; anyone else needs review_liaisons over its unit (404 outside
    scope, 403 in scope without it)."""
    if is_liaison_person(user, pair):
        return
    permissions.check(user, pair.organization, Capability.REVIEW_LIAISONS)


# ---- the pool ---------------------------------------------------------------------------------------------------


def profile_save(*, actor: Any, person: Person, organization: Organization, data: Mapping[str, Any],
                 profile: TalentProfile | None = None) -> TalentProfile:
    """Add a non-party person to the unit's pool, or change their entry."""
    permissions.check(actor, organization, Capability.REVIEW_LIAISONS)
    errors: list[str] = []
    if person.political_status in PARTY:
        errors.append(gettext("%(name)s是%(status)s，不能录入党外人才信息库。")
                      % {"name": person.name, "status": person.get_political_status_display()})
    if not _within(person, organization):
        errors.append(gettext("%(name)s不在%(org)s的范围内，请在其所在单位的信息库中登记。")
                      % {"name": person.name, "org": organization.short_name or organization.name})
    if organization.org_type == OrgType.PARTY_GROUP:
        errors.append(gettext("信息库由党委、党总支或党支部维护，不能建在党小组。"))
    existing = TalentProfile.objects.filter(person=person).exclude(pk=getattr(profile, "pk", None)).first()
    if existing is not None:
        errors.append(gettext("%(name)s已在%(org)s的信息库中。")
                      % {"name": person.name, "org": existing.organization.short_name or existing.organization.name})
    if errors:
        raise ValidationError(errors)
    with transaction.atomic(), audit.acting(actor):
        before = profile.organization_id if profile is not None else None
        if profile is None:
            profile = TalentProfile(person=person, organization=organization, added_on=_today())
        profile.organization = organization
        for name in PROFILE_FIELDS:
            if name in data:
                setattr(profile, name, data[name])
        profile.full_clean()
        profile.save()
        _summary_after_commit(organization.pk, before)
    return profile


def profile_remove(*, actor: Any, profile: TalentProfile, on: datetime.date, reason: str) -> TalentProfile:
    """Take a person out of the pool (joined the party, left the unit, ...): their open pairs end with the same
    reason."""
    permissions.check(actor, profile.organization, Capability.REVIEW_LIAISONS)
    reason = (reason or "").strip()
    errors = []
    if not reason:
        errors.append(gettext("请填写出库的原因。"))
    if on > _today():
        errors.append(gettext("日期不能晚于今天。"))
    if profile.removed_on is not None:
        errors.append(gettext("此人已于%(date)s出库。") % {"date": profile.removed_on.isoformat()})
    if errors:
        raise ValidationError(errors)
    with transaction.atomic(), audit.acting(actor):
        for pair in profile.pairs.filter(ended_on__isnull=True):
            _close_pair(pair, max(on, pair.started_on), reason)
        profile.removed_on, profile.removed_reason = on, reason
        profile.full_clean()
        profile.save(update_fields=["removed_on", "removed_reason", "updated_at"])
        _summary_after_commit(profile.organization_id, *profile.pairs.values_list("organization_id", flat=True))
    return profile


# ---- pairs -------------------------------------------------------------------------------------------------------


def _holds_seat(person: Person, org: Organization, role: str, on: datetime.date) -> bool:
    """Whether the person sits, on the day, on the committee the role names, at the unit or below it."""
    seats = (CommitteeSeat.objects.filter(person=person, organization__path__startswith=org.path,
                                          organization__closed_on__isnull=True, starts_on__lte=on)
             .exclude(ends_on__lt=on))
    if role == LiaisonRole.COMMITTEE:
        return seats.filter(organization__org_type=OrgType.COMMITTEE).exists()
    if role == LiaisonRole.GENERAL_BRANCH:
        return seats.filter(organization__org_type=OrgType.GENERAL_BRANCH).exists()
    if role == LiaisonRole.BRANCH_SECRETARY:
        return seats.filter(organization__org_type__in=OrgType.branch_types(),
                            position__in=[CommitteePosition.SECRETARY, CommitteePosition.DEPUTY_SECRETARY]).exists()
    return True  # 组织员 and 党员骨干: a party member of the unit is enough


def pair_start(*, actor: Any, organization: Organization, kind: str, liaison: Person, liaison_role: str,
               talent: TalentProfile, started_on: datetime.date, measures: str = "") -> LiaisonPair:
    """Start a liaison pair (or a one-to-one pairing) at the unit, checked against the rule set."""
    permissions.check(actor, organization, Capability.REVIEW_LIAISONS)
    rules = rulesmod.rules_for(organization=organization, on=started_on)
    errors: list[str] = []
    name = liaison.name
    if kind not in PairKind.values:
        errors.append(gettext("请选择结对类型。"))
    if liaison_role not in LiaisonRole.values:
        errors.append(gettext("请选择联系人的身份。"))
    if liaison.political_status not in PARTY:
        errors.append(gettext("联系人%(name)s不是中共党员。") % {"name": name})
    elif kind == PairKind.PAIRING and liaison.political_status != PoliticalStatus.CPC_MEMBER:
        errors.append(gettext("一对一结对的党员骨干须是正式党员，%(name)s是预备党员。") % {"name": name})
    if not _within(liaison, organization):
        errors.append(gettext("联系人%(name)s不在%(org)s的范围内。")
                      % {"name": name, "org": organization.short_name or organization.name})
    elif kind == PairKind.LIAISON and liaison_role in LiaisonRole.values:
        if liaison_role not in rules.liaison_roles:
            errors.append(gettext("按现行规则，%(role)s不担任党内联系人。")
                          % {"role": LiaisonRole(liaison_role).label})
        elif not _holds_seat(liaison, organization, liaison_role, started_on):
            errors.append(gettext("%(name)s在%(date)s不是%(org)s范围内的%(role)s，不能作为党内联系人。")
                          % {"name": name, "date": started_on.isoformat(),
                             "org": organization.short_name or organization.name,
                             "role": LiaisonRole(liaison_role).label})
    if talent.removed_on is not None:
        errors.append(gettext("%(name)s已出库，不能结对。") % {"name": talent.person.name})
    if not talent.organization.path.startswith(organization.path):
        errors.append(gettext("%(name)s不在%(org)s的信息库中。")
                      % {"name": talent.person.name, "org": organization.short_name or organization.name})
    if talent.person.political_status in PARTY:
        errors.append(gettext("%(name)s已是党员，不再作为党外人才联系。") % {"name": talent.person.name})
    if started_on > _today():
        errors.append(gettext("开始日期不能晚于今天。"))
    open_pairs = LiaisonPair.objects.filter(liaison=liaison, kind=kind, ended_on__isnull=True)
    limit = rules.n("pairs_max") if kind == PairKind.LIAISON else 1
    if open_pairs.filter(talent=talent).exists():
        errors.append(gettext("%(name)s已在联系%(talent)s。") % {"name": name, "talent": talent.person.name})
    elif open_pairs.count() >= limit:
        errors.append(gettext("%(name)s已联系%(n)d人，按规则每人最多%(max)d人。")
                      % {"name": name, "n": open_pairs.count(), "max": limit} if kind == PairKind.LIAISON else
                      gettext("%(name)s已有一对一结对对象。") % {"name": name})
    if errors:
        raise ValidationError(errors)
    with transaction.atomic(), audit.acting(actor):
        pair = LiaisonPair(organization=organization, kind=kind, liaison=liaison, liaison_role=liaison_role,
                           talent=talent, started_on=started_on, measures=measures.strip(),
                           created_by=actor if getattr(actor, "is_authenticated", False) else None)
        pair.full_clean()
        pair.save()
        _summary_after_commit(organization.pk)
    return pair


def pair_update(*, actor: Any, pair: LiaisonPair, measures: str) -> LiaisonPair:
    """Change the cultivation measures of an open pair."""
    check_pair_access(actor, pair)
    if pair.ended_on is not None:
        raise ValidationError(gettext("该结对已结束，不能修改。"))
    with transaction.atomic(), audit.acting(actor):
        pair.measures = measures.strip()
        pair.save(update_fields=["measures", "updated_at"])
    return pair


def _close_pair(pair: LiaisonPair, on: datetime.date, reason: str) -> None:
    pair.ended_on, pair.end_reason = on, reason
    pair.full_clean()
    pair.save(update_fields=["ended_on", "end_reason", "updated_at"])


def pair_end(*, actor: Any, pair: LiaisonPair, on: datetime.date, reason: str) -> LiaisonPair:
    """End a pair; the reason is required (the history keeps it)."""
    permissions.check(actor, pair.organization, Capability.REVIEW_LIAISONS)
    reason = (reason or "").strip()
    errors = []
    if not reason:
        errors.append(gettext("请填写结束联系的原因。"))
    if pair.ended_on is not None:
        errors.append(gettext("该结对已于%(date)s结束。") % {"date": pair.ended_on.isoformat()})
    if on > _today():
        errors.append(gettext("结束日期不能晚于今天。"))
    if on < pair.started_on:
        errors.append(gettext("结束日期不能早于开始日期（%(date)s）。") % {"date": pair.started_on.isoformat()})
    if errors:
        raise ValidationError(errors)
    with transaction.atomic(), audit.acting(actor):
        _close_pair(pair, on, reason)
        _summary_after_commit(pair.organization_id)
    return pair


# ---- talks and follow-ups -----------------------------------------------------------------------------------------


def _follow_up_rows(rows: Iterable[Mapping[str, Any]], held_on: datetime.date) -> tuple[list[FollowUp], list[str]]:
    made: list[FollowUp] = []
    errors: list[str] = []
    for n, row in enumerate(rows, start=1):
        text = (row.get("text") or "").strip()
        if not text:
            continue
        owner = (row.get("owner") or "").strip()
        due_on = row.get("due_on")
        if not owner:
            errors.append(gettext("第%(n)d项后续事项：请填写负责人。") % {"n": n})
        if not isinstance(due_on, datetime.date):
            errors.append(gettext("第%(n)d项后续事项：请填写完成期限。") % {"n": n})
        elif due_on < held_on:
            errors.append(gettext("第%(n)d项后续事项：完成期限不能早于谈话日期。") % {"n": n})
        made.append(FollowUp(text=text[:300], owner=owner[:50], due_on=due_on,
                             is_request=bool(row.get("is_request"))))
    return made, errors


def talk_record(*, actor: Any, pair: LiaisonPair, data: Mapping[str, Any],
                follow_ups: Iterable[Mapping[str, Any]] = ()) -> Talk:
    """Record a talk of a pair with its follow-ups (each: text, owner, due_on, is_request)."""
    check_pair_access(actor, pair)
    held_on = data.get("held_on")
    errors: list[str] = []
    if not isinstance(held_on, datetime.date):
        errors.append(gettext("请填写谈话日期。"))
    else:
        if held_on > _today():
            errors.append(gettext("谈话日期不能晚于今天。"))
        if held_on < pair.started_on:
            errors.append(gettext("谈话日期早于结对开始的日期（%(date)s）。") % {"date": pair.started_on.isoformat()})
        if pair.ended_on is not None and held_on > pair.ended_on:
            errors.append(gettext("该结对已于%(date)s结束，不能记录之后的谈话。") % {"date": pair.ended_on.isoformat()})
    if not (data.get("topics") or "").strip():
        errors.append(gettext("请填写谈话内容。"))
    made, row_errors = _follow_up_rows(follow_ups, held_on if isinstance(held_on, datetime.date) else _today())
    errors += row_errors
    if errors:
        raise ValidationError(errors)
    with transaction.atomic(), audit.acting(actor):
        talk = Talk(pair=pair, recorded_by=actor if getattr(actor, "is_authenticated", False) else None,
                    **{name: (data.get(name) or "") if name != "held_on" else held_on
                       for name in TALK_FIELDS if name in data or name == "held_on"})
        talk.full_clean()
        talk.save()
        for follow_up in made:
            follow_up.talk = talk
            follow_up.full_clean()
        FollowUp.objects.bulk_create(made)
        if pair.last_talk_on is None or held_on > pair.last_talk_on:
            pair.last_talk_on = held_on
            pair.save(update_fields=["last_talk_on", "updated_at"])
        _summary_after_commit(pair.organization_id)
    return talk


def follow_up_close(*, actor: Any, follow_up: FollowUp, status: str, on: datetime.date, result: str) -> FollowUp:
    """Mark a follow-up done (or dropped), with the date and what came of it."""
    check_pair_access(actor, follow_up.talk.pair)
    errors = []
    if status not in (FollowUpStatus.DONE, FollowUpStatus.DROPPED):
        errors.append(gettext("请选择办结或不再办理。"))
    if follow_up.status != FollowUpStatus.OPEN:
        errors.append(gettext("该事项的状态已是“%(status)s”。") % {"status": follow_up.get_status_display()})
    if on > _today():
        errors.append(gettext("日期不能晚于今天。"))
    if on < follow_up.talk.held_on:
        errors.append(gettext("日期不能早于谈话日期。"))
    if not (result or "").strip():
        errors.append(gettext("请填写办理结果。"))
    if errors:
        raise ValidationError(errors)
    with transaction.atomic(), audit.acting(actor):
        follow_up.status, follow_up.done_on, follow_up.result = status, on, result.strip()
        follow_up.full_clean()
        follow_up.save(update_fields=["status", "done_on", "result", "updated_at"])
        _summary_after_commit(follow_up.talk.pair.organization_id)
    return follow_up


def follow_up_mark_request(*, actor: Any, follow_up: FollowUp, is_request: bool = True) -> FollowUp:
    """Turn a follow-up into a request tracked to its end (or back)."""
    check_pair_access(actor, follow_up.talk.pair)
    with transaction.atomic(), audit.acting(actor):
        follow_up.is_request = is_request
        follow_up.save(update_fields=["is_request", "updated_at"])
        _summary_after_commit(follow_up.talk.pair.organization_id)
    return follow_up


# ---- reviews ----------------------------------------------------------------------------------------------------


def review_record(*, actor: Any, organization: Organization, reviewed_on: datetime.date, conclusions: str,
                  adjustments: str = "") -> Review:
    """Record a periodic review of the unit's liaison list, keeping the coverage as it is today."""
    from . import selectors

    permissions.check(actor, organization, Capability.REVIEW_LIAISONS)
    errors = []
    if reviewed_on > _today():
        errors.append(gettext("梳理日期不能晚于今天。"))
    if not (conclusions or "").strip():
        errors.append(gettext("请填写梳理结论。"))
    if errors:
        raise ValidationError(errors)
    snapshot = selectors.coverage_totals(organization=organization, on=reviewed_on)
    with transaction.atomic(), audit.acting(actor):
        review = Review(organization=organization, reviewed_on=reviewed_on, conclusions=conclusions.strip(),
                        adjustments=(adjustments or "").strip(), snapshot=snapshot,
                        recorded_by=actor if getattr(actor, "is_authenticated", False) else None)
        review.full_clean()
        review.save()
    return review

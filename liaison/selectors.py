"""Every read of the liaison work, scoped through branches.permissions (review_liaisons over the unit that keeps
the pool entry or the pair). Lists cost the same number of queries at any size; the private notes of a talk are
only ever read through `talk_private_notes`, for their audience."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from branches import permissions
from branches.models import CommitteeSeat, Organization, OrgType
from branches.permissions import Capability
from members.codes import PoliticalStatus
from recruitment.checks import add_months
from recruitment.models import Pipeline

from . import rules as rulesmod
from .models import FollowUp, FollowUpStatus, LiaisonPair, LiaisonRole, PairKind, TalentProfile, Talk
from .services import check_pair_access, is_liaison_person

CAP = Capability.REVIEW_LIAISONS
DEMOCRATIC_PARTIES = [s.value for s in PoliticalStatus if "04" <= s.value <= "11"]


def high_knowledge_q(rules: rulesmod.Rules, prefix: str = "person__") -> Q:
    """高知 under the rule set: postgraduate education or a senior title (seed 001), as configured."""
    return (Q(**{f"{prefix}education__in": rules.high_knowledge_educations})
            | Q(**{f"{prefix}title_level__in": rules.high_knowledge_title_levels}))


def _open_liaison(on: datetime.date) -> Q:
    return Q(kind=PairKind.LIAISON, started_on__lte=on) & (Q(ended_on__isnull=True) | Q(ended_on__gte=on))


def talk_cutoff(rules: rulesmod.Rules, on: datetime.date) -> datetime.date:
    """A pair whose latest talk (or start, before any talk) is before this day is overdue for a talk."""
    return add_months(on, -rules.n("talk_interval_months"))


# ---- the pool ------------------------------------------------------------------------------------------------------


def can_review_anywhere(user: Any) -> bool:
    return permissions.has_capability_anywhere(user, CAP)


def pool_units(*, user: Any) -> QuerySet[Organization]:
    """Organizations where the user may keep a pool: committees, general branches and branches in scope."""
    return permissions.orgs_with(user, CAP).filter(closed_on__isnull=True).exclude(
        org_type=OrgType.PARTY_GROUP).order_by("path")


def pool(*, user: Any, params: Mapping[str, Any] | None = None, on: datetime.date | None = None
         ) -> QuerySet[TalentProfile]:
    """The pool in the user's scope (people still in it), filtered: q (name, pinyin, discipline, field), unit
    (an organization id: its subtree), high_knowledge, uncovered (高知 without a liaison), applied (has a
    pipeline), democratic (member of a democratic party), abroad. Each row carries `pair_count` (open liaison
    pairs), `applied_on` and `stage` (its pipeline, if any)."""
    params = params or {}
    on = on or timezone.localdate()
    rules = rulesmod.current(on)
    qs = permissions.scope_filter(TalentProfile.objects.filter(removed_on__isnull=True), user, CAP,
                                  prefix="organization__")
    q = str(params.get("q") or "").strip()[:50]
    if q:
        qs = qs.filter(Q(person__name__icontains=q) | Q(person__name_pinyin__icontains=q.lower())
                       | Q(person__name_initials__iexact=q.lower()) | Q(person__discipline__icontains=q)
                       | Q(research_field__icontains=q))
    unit = params.get("unit")
    if unit:
        org = Organization.objects.filter(pk=unit).only("path").first() if str(unit).isdigit() else None
        qs = qs.filter(organization__path__startswith=org.path) if org else qs.none()
    open_pair = LiaisonPair.objects.filter(_open_liaison(on), talent=OuterRef("pk"))
    pipeline = Pipeline.objects.filter(person=OuterRef("person")).order_by("-applied_on")
    if params.get("high_knowledge"):
        qs = qs.filter(high_knowledge_q(rules))
    if params.get("uncovered"):
        qs = qs.filter(high_knowledge_q(rules)).exclude(Exists(open_pair))
    if params.get("applied"):
        qs = qs.filter(Exists(pipeline))
    if params.get("democratic"):
        qs = qs.filter(person__political_status__in=DEMOCRATIC_PARTIES)
    if params.get("abroad"):
        qs = qs.filter(person__returned_from_abroad=True)
    return (qs.select_related("person", "organization")
            .annotate(pair_count=Coalesce(Subquery(open_pair.order_by().values("talent")
                                                   .annotate(n=Count("pk")).values("n")[:1]), 0),
                      applied_on=Subquery(pipeline.values("applied_on")[:1]),
                      stage=Subquery(pipeline.values("stage")[:1]))
            .order_by("organization__path", "person__name_pinyin", "pk"))


def is_high_knowledge(profile: TalentProfile, rules: rulesmod.Rules) -> bool:
    person = profile.person
    return person.education in rules.high_knowledge_educations or person.title_level in rules.high_knowledge_title_levels


def profile_get(*, user: Any, pk: Any) -> TalentProfile:
    return permissions.get_scoped_or_404(TalentProfile.objects.select_related("person", "person__organization"),
                                         user, CAP, pk=pk)


# ---- pairs and talks --------------------------------------------------------------------------------------------


def _pair_rows(qs: QuerySet[LiaisonPair]) -> QuerySet[LiaisonPair]:
    open_items = FollowUp.objects.filter(talk__pair=OuterRef("pk"), status=FollowUpStatus.OPEN)
    return (qs.select_related("liaison", "talent", "talent__person", "talent__person__organization", "organization")
            .annotate(open_follow_ups=Coalesce(Subquery(open_items.order_by().values("talk__pair")
                                                        .annotate(n=Count("pk")).values("n")[:1]), 0)))


# What 我的联系清单 and its card show of a pair (a lean query: the list is on every liaison person's dashboard).
MY_PAIR_FIELDS = (
    "kind", "liaison_id", "started_on", "ended_on", "last_talk_on", "organization__path", "organization__org_type",
    "organization__name", "organization__short_name", "talent__research_field", "talent__organization_id",
    "talent__person__name", "talent__person__name_pinyin", "talent__person__education",
    "talent__person__title", "talent__person__title_level", "talent__person__discipline",
    "talent__person__organization__name", "talent__person__organization__short_name",
)


@dataclass
class MyPair:
    pair: LiaisonPair
    next_due: datetime.date
    overdue: bool
    due_soon: bool


def my_pairs(*, user: Any, on: datetime.date | None = None, loaded: list[Any] | None = None) -> list[MyPair]:
    """The user's own open pairs (as liaison person), with the next talk due: "我的联系清单"."""
    on = on or timezone.localdate()
    person = getattr(user, "person", None)
    if person is None:
        return []
    open_items = FollowUp.objects.filter(talk__pair=OuterRef("pk"), status=FollowUpStatus.OPEN)
    rows = list(LiaisonPair.objects.filter(liaison=person, ended_on__isnull=True)
                .select_related("talent__person__organization", "organization")
                .only(*MY_PAIR_FIELDS)
                .annotate(open_follow_ups=Coalesce(Subquery(open_items.order_by().values("talk__pair")
                                                            .annotate(n=Count("pk")).values("n")[:1]), 0))
                .order_by("kind", "talent__person__name_pinyin"))
    result = []
    loaded = rulesmod.rule_sets() if loaded is None else loaded
    for pair in rows:
        rules = rulesmod.rules_for(organization=pair.organization, on=on, loaded=loaded)
        due = add_months(pair.last_talk_on or pair.started_on, rules.n("talk_interval_months"))
        result.append(MyPair(pair, due, due < on, on <= due <= on + datetime.timedelta(days=rules.n("talk_notice_days"))))
    return result


def pair_get(*, user: Any, pk: Any) -> LiaisonPair:
    """A pair the user may see: their own, or one under their review (404 outside, 403 without the capability)."""
    try:
        pair = _pair_rows(LiaisonPair.objects.all()).get(pk=pk)
    except (LiaisonPair.DoesNotExist, ValueError, TypeError):
        raise Http404
    check_pair_access(user, pair)
    return pair


def pairs(*, user: Any, params: Mapping[str, Any] | None = None, on: datetime.date | None = None
          ) -> QuerySet[LiaisonPair]:
    """Pairs in the user's scope: open ones by default (params: status=open|ended|all, kind, q, unit,
    overdue=1 for talks overdue)."""
    params = params or {}
    on = on or timezone.localdate()
    qs = permissions.scope_filter(LiaisonPair.objects.all(), user, CAP, prefix="organization__")
    status = params.get("status") or "open"
    if status == "open":
        qs = qs.filter(ended_on__isnull=True)
    elif status == "ended":
        qs = qs.filter(ended_on__isnull=False)
    if params.get("kind") in PairKind.values:
        qs = qs.filter(kind=params["kind"])
    q = str(params.get("q") or "").strip()[:50]
    if q:
        qs = qs.filter(Q(liaison__name__icontains=q) | Q(talent__person__name__icontains=q)
                       | Q(liaison__name_pinyin__icontains=q.lower()) | Q(talent__person__name_pinyin__icontains=q.lower()))
    unit = params.get("unit")
    if unit:
        org = Organization.objects.filter(pk=unit).only("path").first() if str(unit).isdigit() else None
        qs = qs.filter(organization__path__startswith=org.path) if org else qs.none()
    if params.get("overdue"):
        cutoff = talk_cutoff(rulesmod.current(on), on)
        qs = qs.filter(ended_on__isnull=True).annotate(last=Coalesce("last_talk_on", "started_on")).filter(last__lt=cutoff)
    return _pair_rows(qs).order_by("organization__path", "liaison__name_pinyin", "-started_on", "pk")


def can_read_private(*, user: Any, pair: LiaisonPair) -> bool:
    """The audience of a talk's private notes: the liaison person and the unit's own committee (a role with
    review_liaisons at the pair's organization itself, not one above it)."""
    return is_liaison_person(user, pair) or permissions.holds_at(user, pair.organization, CAP)


def talks(*, pair: LiaisonPair) -> QuerySet[Talk]:
    """A pair's talks with their follow-ups, without the private notes (see talk_private_notes)."""
    return pair.talks.defer("private_notes").prefetch_related("follow_ups").order_by("-held_on", "-pk")


def talk_private_notes(*, user: Any, pair: LiaisonPair) -> dict[int, str]:
    """Talk id -> private notes, for the audience only (an empty dict for anyone else)."""
    if not can_read_private(user=user, pair=pair):
        return {}
    return dict(pair.talks.exclude(private_notes="").values_list("pk", "private_notes"))


def follow_up_get(*, user: Any, pk: Any) -> FollowUp:
    try:
        item = FollowUp.objects.select_related("talk__pair__organization").get(pk=pk)
    except (FollowUp.DoesNotExist, ValueError, TypeError):
        raise Http404
    check_pair_access(user, item.talk.pair)
    return item


def liaison_candidates(*, organization: Organization, on: datetime.date | None = None) -> QuerySet[Any]:
    """Party members who may be a 党内联系人 at the unit: holders of a committee seat at the unit or below it
    (党委、党总支委员、党支部书记 and 副书记) on the day."""
    from members.models import Person

    on = on or timezone.localdate()
    seats = (CommitteeSeat.objects.filter(person=OuterRef("pk"), organization__path__startswith=organization.path,
                                          organization__closed_on__isnull=True, starts_on__lte=on)
             .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=on)))
    return (Person.objects.filter(Exists(seats), political_status__in=[PoliticalStatus.CPC_MEMBER,
                                                                       PoliticalStatus.CPC_PROBATIONARY])
            .order_by("name_pinyin"))


def role_for(person: Any, organization: Organization, on: datetime.date) -> str:
    """The liaison role a person's seats give them at the unit (the highest one), for the pairing form."""
    kinds = set(CommitteeSeat.objects.filter(person=person, organization__path__startswith=organization.path,
                                             starts_on__lte=on).exclude(ends_on__lt=on)
                .values_list("organization__org_type", flat=True))
    if OrgType.COMMITTEE in kinds:
        return LiaisonRole.COMMITTEE
    if OrgType.GENERAL_BRANCH in kinds:
        return LiaisonRole.GENERAL_BRANCH
    if kinds:
        return LiaisonRole.BRANCH_SECRETARY
    return LiaisonRole.BACKBONE


# ---- coverage and the funnel ------------------------------------------------------------------------------------


@dataclass
class Coverage:
    """The coverage of one unit (or of everything in scope): who is kept, who is left out."""

    pool: int = 0
    high_knowledge: int = 0
    uncovered: int = 0
    pairs: int = 0
    pairings: int = 0
    liaisons: int = 0
    overloaded: int = 0
    talks_overdue: int = 0
    open_follow_ups: int = 0
    follow_ups_overdue: int = 0
    open_requests: int = 0
    applied: int = 0
    activists: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, int]:
        return {k: v for k, v in self.__dict__.items() if k != "extra"}


def _coverage(profiles: QuerySet[TalentProfile], pairs_qs: QuerySet[LiaisonPair], follow_ups: QuerySet[FollowUp],
              rules: rulesmod.Rules, on: datetime.date) -> Coverage:
    hk = high_knowledge_q(rules)
    covered = Exists(LiaisonPair.objects.filter(_open_liaison(on), talent=OuterRef("pk")))
    year_start = datetime.date(on.year, 1, 1)
    applied = Exists(Pipeline.objects.filter(person=OuterRef("person"), applied_on__gte=year_start, applied_on__lte=on))
    activist = Exists(Pipeline.objects.filter(person=OuterRef("person"), activist_on__gte=year_start,
                                              activist_on__lte=on))
    active = profiles.filter(added_on__lte=on).filter(Q(removed_on__isnull=True) | Q(removed_on__gt=on))
    p = active.aggregate(pool=Count("pk"), high_knowledge=Count("pk", filter=hk),
                         uncovered=Count("pk", filter=hk & ~Q(covered)),
                         applied=Count("pk", filter=Q(applied)), activists=Count("pk", filter=Q(activist)))
    cutoff = talk_cutoff(rules, on)
    open_pairs = pairs_qs.filter(started_on__lte=on).filter(Q(ended_on__isnull=True) | Q(ended_on__gte=on))
    pr = open_pairs.annotate(last=Coalesce("last_talk_on", "started_on")).aggregate(
        pairs=Count("pk", filter=Q(kind=PairKind.LIAISON)), pairings=Count("pk", filter=Q(kind=PairKind.PAIRING)),
        liaisons=Count("liaison", distinct=True, filter=Q(kind=PairKind.LIAISON)),
        talks_overdue=Count("pk", filter=Q(last__lt=cutoff)))
    overloaded = (open_pairs.filter(kind=PairKind.LIAISON).values("liaison").annotate(n=Count("pk"))
                  .filter(n__gt=rules.n("pairs_max")).count())
    f = follow_ups.filter(status=FollowUpStatus.OPEN).aggregate(
        open_follow_ups=Count("pk"), follow_ups_overdue=Count("pk", filter=Q(due_on__lt=on)),
        open_requests=Count("pk", filter=Q(is_request=True)))
    return Coverage(**p, **pr, overloaded=overloaded, **f)


def coverage_totals(*, organization: Organization, on: datetime.date | None = None) -> dict[str, int]:
    """The unit's coverage as plain numbers (kept with a review)."""
    on = on or timezone.localdate()
    rules = rulesmod.rules_for(organization=organization, on=on)
    path = organization.path
    return _coverage(TalentProfile.objects.filter(organization__path__startswith=path),
                     LiaisonPair.objects.filter(organization__path__startswith=path),
                     FollowUp.objects.filter(talk__pair__organization__path__startswith=path), rules, on).as_dict()


# ---- the pool pages: people to add and liaison people to choose ------------------------------------------------


def _name_q(q: str) -> Q:
    q = q.strip()[:50]
    return (Q(name__icontains=q) | Q(name_pinyin__icontains=q.lower()) | Q(name_initials__iexact=q.lower()))


def pool_person_candidates(*, organization: Organization, q: str = "", limit: int = 20) -> list[Any]:
    """Up to `limit` non-party people in the unit's subtree who are in no pool yet (name, pinyin or initials
    matching q), for the form that adds someone to the pool."""
    from members.models import Person

    qs = (Person.objects.filter(organization__path__startswith=organization.path, talent_profile__isnull=True)
          .exclude(political_status__in=[PoliticalStatus.CPC_MEMBER, PoliticalStatus.CPC_PROBATIONARY])
          .select_related("organization"))
    if q.strip():
        qs = qs.filter(_name_q(q))
    return list(qs.order_by("name_pinyin", "pk")[:limit])


def pool_person_scope(*, user: Any) -> QuerySet[Any]:
    """Everyone in the organizations where the user reviews liaisons: the people a pool form may name (the
    service decides whether they can be added or paired)."""
    from members.models import Person

    return permissions.scope_filter(Person.objects.select_related("organization"), user, CAP,
                                    prefix="organization__")


def liaison_candidate_rows(*, organization: Organization, on: datetime.date | None = None
                           ) -> list[tuple[Any, str]]:
    """(person, the committees they sit on) for the 党内联系人 select: liaison_candidates with their current
    seats at the unit or below it, in two queries."""
    from django.db.models import Prefetch

    on = on or timezone.localdate()
    seats = (CommitteeSeat.objects.filter(organization__path__startswith=organization.path,
                                          organization__closed_on__isnull=True, starts_on__lte=on)
             .exclude(ends_on__lt=on).select_related("organization").order_by("organization__path"))
    people = liaison_candidates(organization=organization, on=on).prefetch_related(
        Prefetch("committee_seats", queryset=seats, to_attr="unit_seats"))
    return [(p, "、".join(f"{s.organization.short_name or s.organization.name}{s.get_position_display()}"
                         for s in p.unit_seats)) for p in people]


def pairing_candidates(*, organization: Organization, q: str = "", limit: int = 20) -> list[Any]:
    """Up to `limit` full party members of the unit (name, pinyin or initials matching q), for 一对一结对."""
    from members.models import Person

    qs = (Person.objects.filter(organization__path__startswith=organization.path,
                                political_status=PoliticalStatus.CPC_MEMBER).select_related("organization"))
    if q.strip():
        qs = qs.filter(_name_q(q))
    return list(qs.order_by("name_pinyin", "pk")[:limit])


def profile_pipeline(*, profile: TalentProfile) -> Pipeline | None:
    """The person's latest development pipeline, if they applied."""
    return (Pipeline.objects.filter(person_id=profile.person_id).select_related("organization")
            .order_by("-applied_on", "-pk").first())


def profile_pairs(*, profile: TalentProfile) -> QuerySet[LiaisonPair]:
    """All pairs of a pool entry, ended ones included (the history), newest first."""
    from django.db.models import F

    return profile.pairs.select_related("liaison").order_by(F("ended_on").desc(nulls_first=True), "-started_on",
                                                            "-pk")


# ---- the liaison person's own list (我的联系清单) -----------------------------------------------------------------


def my_follow_ups(*, user: Any) -> QuerySet[FollowUp]:
    """The open follow-ups of the user's own open pairs, soonest due first."""
    person = getattr(user, "person", None)
    if person is None:
        return FollowUp.objects.none()
    return (FollowUp.objects.filter(status=FollowUpStatus.OPEN, talk__pair__liaison=person,
                                    talk__pair__ended_on__isnull=True)
            .select_related("talk__pair__talent__person")
            .only("text", "owner", "due_on", "is_request", "status", "talk__pair_id", "talk__held_on",
                  "talk__pair__talent_id", "talk__pair__talent__person__name")
            .order_by("due_on", "pk"))


def talk_due(*, pair: LiaisonPair, on: datetime.date | None = None) -> MyPair:
    """One pair's next talk due, as the rows of my_pairs have it."""
    on = on or timezone.localdate()
    rules = rulesmod.rules_for(organization=pair.organization, on=on)
    due = add_months(pair.last_talk_on or pair.started_on, rules.n("talk_interval_months"))
    return MyPair(pair, due, due < on, on <= due <= on + datetime.timedelta(days=rules.n("talk_notice_days")))


# ---- review: the committee's coverage review per unit, the funnel and the periodic reviews ----------------------


def review_root(*, user: Any) -> Organization | None:
    """The unit the review opens on: the topmost organization where the user holds review_liaisons (the tree's
    root for superusers); None without the capability."""
    scope = permissions.scope_for(user)
    if scope.is_superuser:
        return Organization.objects.filter(depth=1).order_by("path").first()
    roots = scope.paths(CAP)
    return Organization.objects.filter(path=roots[0]).first() if roots else None


@dataclass
class UnitCoverage:
    """The coverage of a unit's subtree (`totals`) and of each organization in it that keeps pool entries or
    pairs (`rows`: their LiaisonSummary rows in tree order, a queryset to page)."""

    unit: Organization
    rules: rulesmod.Rules
    totals: Coverage
    rows: QuerySet[Any]


def _coverage_rows(profiles: QuerySet[TalentProfile], pairs_qs: QuerySet[LiaisonPair],
                   follow_ups: QuerySet[FollowUp], rules: rulesmod.Rules, on: datetime.date
                   ) -> list[tuple[Organization, Coverage]]:
    """The numbers of `_coverage` per organization, each grouped in SQL (four GROUP BY queries and the names).
    `overloaded` counts liaison persons over the limit with the pairs they keep at that organization."""
    hk = high_knowledge_q(rules)
    covered = Exists(LiaisonPair.objects.filter(_open_liaison(on), talent=OuterRef("pk")))
    year_start = datetime.date(on.year, 1, 1)
    applied = Exists(Pipeline.objects.filter(person=OuterRef("person"), applied_on__gte=year_start, applied_on__lte=on))
    activist = Exists(Pipeline.objects.filter(person=OuterRef("person"), activist_on__gte=year_start,
                                              activist_on__lte=on))
    rows: dict[int, Coverage] = {}

    def row(org_id: int) -> Coverage:
        return rows.setdefault(org_id, Coverage())

    active = profiles.filter(added_on__lte=on).filter(Q(removed_on__isnull=True) | Q(removed_on__gt=on))
    for values in active.order_by().values("organization").annotate(
            pool=Count("pk"), high_knowledge=Count("pk", filter=hk), uncovered=Count("pk", filter=hk & ~Q(covered)),
            applied=Count("pk", filter=Q(applied)), activists=Count("pk", filter=Q(activist))):
        row(values.pop("organization")).__dict__.update(values)
    cutoff = talk_cutoff(rules, on)
    open_pairs = pairs_qs.filter(started_on__lte=on).filter(Q(ended_on__isnull=True) | Q(ended_on__gte=on))
    for values in open_pairs.annotate(last=Coalesce("last_talk_on", "started_on")).order_by().values(
            "organization").annotate(
            pairs=Count("pk", filter=Q(kind=PairKind.LIAISON)), pairings=Count("pk", filter=Q(kind=PairKind.PAIRING)),
            liaisons=Count("liaison", distinct=True, filter=Q(kind=PairKind.LIAISON)),
            talks_overdue=Count("pk", filter=Q(last__lt=cutoff))):
        row(values.pop("organization")).__dict__.update(values)
    for org_id in (open_pairs.filter(kind=PairKind.LIAISON).order_by().values("organization", "liaison")
                   .annotate(n=Count("pk")).filter(n__gt=rules.n("pairs_max")).values_list("organization", flat=True)):
        row(org_id).overloaded += 1
    for values in follow_ups.filter(status=FollowUpStatus.OPEN).order_by().values("talk__pair__organization").annotate(
            open_follow_ups=Count("pk"), follow_ups_overdue=Count("pk", filter=Q(due_on__lt=on)),
            open_requests=Count("pk", filter=Q(is_request=True))):
        row(values.pop("talk__pair__organization")).__dict__.update(values)
    orgs = Organization.objects.filter(pk__in=list(rows)).only("pk", "name", "short_name", "path", "depth",
                                                                 "org_type").order_by("path")
    return [(org, rows[org.pk]) for org in orgs]


def coverage(*, user: Any, unit: Organization, on: datetime.date | None = None) -> UnitCoverage:
    """The coverage review of a unit: totals over its subtree and one row per organization in it (404 outside the
    user's scope, 403 without review_liaisons), read from the organizations' summaries (liaison.summaries), which
    are first brought up to date when one is not from `on`. A constant number of small queries at any size.

    `liaisons` and `overloaded` are summed over the organizations: a person keeping pairs at two of them counts
    twice (coverage_totals counts them once)."""
    from . import summaries
    from .models import LiaisonSummary

    permissions.check(user, unit, CAP)
    on = on or timezone.localdate()
    summaries.ensure_current(on=on)
    rules = rulesmod.rules_for(organization=unit, on=on)
    rows = LiaisonSummary.objects.filter(path__startswith=unit.path)
    totals = rows.aggregate(**{name: Coalesce(Sum(name), 0) for name in summaries.FIELDS})
    return UnitCoverage(unit=unit, rules=rules, totals=Coverage(**totals), rows=rows.order_by("path"))


def free_liaisons(*, unit: Organization, on: datetime.date | None = None) -> QuerySet[Any]:
    """Who may be a 党内联系人 at the unit (liaison_candidates) but keeps no open liaison pair."""
    on = on or timezone.localdate()
    keeps = LiaisonPair.objects.filter(_open_liaison(on), liaison=OuterRef("pk"))
    return liaison_candidates(organization=unit, on=on).exclude(Exists(keeps)).select_related("organization")


def overloaded_liaisons(*, unit: Organization, rules: rulesmod.Rules, on: datetime.date | None = None
                        ) -> QuerySet[LiaisonPair]:
    """Liaison persons keeping more open liaison pairs in the unit's subtree than the rule allows: rows of
    liaison, liaison__name, liaison__organization__short_name, n."""
    on = on or timezone.localdate()
    return (LiaisonPair.objects.filter(_open_liaison(on), organization__path__startswith=unit.path).order_by()
            .values("liaison", "liaison__name", "liaison__name_pinyin", "liaison__organization__short_name")
            .annotate(n=Count("pk")).filter(n__gt=rules.n("pairs_max")).order_by("-n", "liaison__name_pinyin"))


def open_requests(*, unit: Organization) -> QuerySet[FollowUp]:
    """Open requests (诉求) raised in talks of the unit's pairs, oldest due first (never the talks' private
    notes)."""
    return (FollowUp.objects.filter(talk__pair__organization__path__startswith=unit.path,
                                    status=FollowUpStatus.OPEN, is_request=True)
            .select_related("talk__pair__talent__person", "talk__pair__liaison")
            .defer("talk__private_notes", "talk__topics", "talk__thoughts", "talk__help_given")
            .order_by("due_on", "pk"))


def reviews_of(*, unit: Organization) -> QuerySet[Any]:
    """The unit's periodic reviews (定期梳理), latest first."""
    from .models import Review

    return Review.objects.filter(organization=unit).select_related("recorded_by").order_by("-reviewed_on", "-pk")


def next_review_due(*, last: datetime.date | None, rules: rulesmod.Rules) -> datetime.date | None:
    """When the next periodic review is due: review_interval_months after the last one (None: none recorded yet,
    or the rule is switched off)."""
    months = rules.n("review_interval_months")
    if last is None or not months:
        return None
    return add_months(last, months)


def review_get(*, user: Any, pk: Any) -> Any:
    from .models import Review

    return permissions.get_scoped_or_404(Review.objects.select_related("recorded_by"), user, CAP, pk=pk)


FUNNEL_STEPS = ("applied", "activists", "candidates", "admitted")
FUNNEL_DATES = {"applied": "applied_on", "activists": "activist_on", "candidates": "candidate_on",
                "admitted": "admitted_on"}
FUNNEL_NOW = ("applicant", "activist", "candidate", "probationary")


def funnel(*, user: Any, unit: Organization, year: int, on: datetime.date | None = None
           ) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """From the pool to the party, per organization of the unit's subtree that keeps a pool, for one year: the pool
    during the year (all, 高知), of them who applied, became activists, development objects and were admitted in
    the year (the pipeline's dates), and where those with an active pipeline stand now (now_<stage>). One GROUP BY
    query; the totals are the sums of the rows."""
    from recruitment.models import PipelineStatus

    permissions.check(user, unit, CAP)
    on = on or timezone.localdate()
    start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    rules = rulesmod.rules_for(organization=unit, on=min(end, on))
    profiles = (TalentProfile.objects.filter(organization__path__startswith=unit.path, added_on__lte=end)
                .filter(Q(removed_on__isnull=True) | Q(removed_on__gte=start)))

    def in_year(field_name: str) -> Q:
        return Q(Exists(Pipeline.objects.filter(person=OuterRef("person"), **{f"{field_name}__gte": start,
                                                                               f"{field_name}__lte": end})))

    def now_at(stage: str) -> Q:
        return Q(Exists(Pipeline.objects.filter(person=OuterRef("person"), status=PipelineStatus.ACTIVE,
                                                stage=stage)))

    aggregates: dict[str, Any] = {"pool": Count("pk"), "high_knowledge": Count("pk", filter=high_knowledge_q(rules))}
    aggregates.update({key: Count("pk", filter=in_year(name)) for key, name in FUNNEL_DATES.items()})
    aggregates.update({f"now_{stage}": Count("pk", filter=now_at(stage)) for stage in FUNNEL_NOW})
    rows = list(profiles.order_by().values("organization", "organization__name", "organization__short_name",
                                           "organization__path").annotate(**aggregates).order_by("organization__path"))
    totals = {key: sum(r[key] for r in rows) for key in aggregates}
    return rows, totals


def review_units(*, user: Any, keep: Organization) -> list[tuple[int, str]]:
    """The review's unit picker: the organizations in the user's review scope that keep pool entries or pairs (one
    row each in LiaisonSummary) and the unit shown; (pk, name indented by depth) in tree order. One query."""
    from .models import LiaisonSummary

    roots = permissions.scope_for(user).paths(CAP)
    rows = {keep.pk: (keep.path, keep.short_name or keep.name)}
    summaries_q = LiaisonSummary.objects.all()
    if not permissions.scope_for(user).is_superuser:
        within = Q(pk__in=[])
        for root in roots:
            within |= Q(path__startswith=root)
        summaries_q = summaries_q.filter(within)
    for pk, path, short_name, name in summaries_q.values_list("organization_id", "path", "short_name", "name"):
        rows[pk] = (path, short_name or name)
    ordered = sorted(rows.items(), key=lambda item: item[1][0])
    top = min((len(path) for _pk, (path, _name) in ordered), default=0)
    step = Organization.steplen
    return [(pk, "\u3000" * ((len(path) - top) // step) + name) for pk, (path, name) in ordered]


"""Reads of the organization tree, roles and the audit log, always scoped through branches.permissions.

Health warnings (支部工作条例 art.4 and art.21) are computed here from annotated member counts, never
stored. Every function costs a constant number of queries however many organizations it covers: the
counts come from correlated subqueries, subtree totals are summed in Python over the loaded rows.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar
from uuid import uuid4

from auditlog.models import LogEntry
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from members.codes import MemberCategory, MembershipStatus
from members.models import PartyMembership, Person

from . import permissions
from .models import CommitteePosition, CommitteeSeat, Organization, OrgType, Role
from .permissions import Capability

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

    User = AbstractBaseUser | AnonymousUser

ORG_RULE_DEFAULTS: dict[str, int] = {
    "branch_max_members": 50,
    "committee_required_from": 7,
    "term_warning_days": 90,
}

T = TypeVar("T")
TREE_VERSION_KEY = "branches:tree-version"
TREE_CACHE_SECONDS = 300


def tree_cached(key: str, build: Callable[[], T]) -> T:
    """A value derived from the organization tree alone (never from people), cached until the tree changes.

    The organization services call `tree_changed` when they commit; the timeout bounds staleness where the
    cache is not shared between processes."""
    version = cache.get(TREE_VERSION_KEY)
    if version is None:
        cache.add(TREE_VERSION_KEY, uuid4().hex, None)
        version = cache.get(TREE_VERSION_KEY, "")
    return cache.get_or_set(f"branches:tree:{version}:{key}", build, TREE_CACHE_SECONDS)


def tree_changed() -> None:
    cache.delete(TREE_VERSION_KEY)


def covers_whole_tree(user: Any, capability: str) -> bool:
    """True when the user's roots for the capability include every root of the tree, so that a scope filter
    would keep every row: callers skip it (and its join to the organization table). One small query, cached
    with the tree."""
    roots = permissions.scope_for(user).paths(capability)
    if not roots or any(len(path) != Organization.steplen for path in roots):
        return False
    tree_roots = tree_cached("root-paths", lambda: set(Organization.objects.filter(depth=1).values_list("path", flat=True)))
    return tree_roots <= set(roots)


def org_rules() -> dict[str, int]:
    """The thresholds in force: settings.PORTAL_ORG_RULES over the regulation defaults."""
    return {**ORG_RULE_DEFAULTS, **getattr(settings, "PORTAL_ORG_RULES", {})}


# ---- health warnings ---------------------------------------------------------------------------------


class WarningLevel:
    DANGER = "danger"
    WARNING = "warning"


@dataclass(frozen=True)
class OrgWarning:
    """One health warning of one organization, with a message a 支部书记 understands."""

    code: str
    level: str
    message: str
    organization_id: int | None = None

    @property
    def badge_class(self) -> str:
        return "badge-danger-soft" if self.level == WarningLevel.DANGER else "badge-warning-soft"

    @property
    def short(self) -> str:
        return str(WARNING_SHORT.get(self.code, self.code))


WARNING_SHORT = {
    "branch_too_large": _("人数超标"),
    "committee_missing": _("未设支委会"),
    "term_overdue": _("超期未换届"),
    "term_ending": _("即将届满"),
    "temporary_probationary": _("临时支部有预备党员"),
}


def _count(queryset: QuerySet, group_by: str) -> Coalesce:
    """A correlated COUNT(*) of `queryset` (already filtered on an OuterRef) as an integer annotation."""
    counted = queryset.order_by().values(group_by).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def with_member_counts(queryset: QuerySet[Organization]) -> QuerySet[Organization]:
    """Annotate the people anchored directly at each organization: full and probationary members (党籍正常),
    everyone on record (`people_count`, members and non-members alike) and, for a 党小组, the members
    assigned to it (`group_count`; they are anchored at its branch)."""
    members = PartyMembership.objects.filter(
        person__organization=OuterRef("pk"), status=MembershipStatus.NORMAL
    )
    return queryset.annotate(
        full_count=_count(members.filter(category=MemberCategory.FULL), "person__organization"),
        probationary_count=_count(members.filter(category=MemberCategory.PROBATIONARY), "person__organization"),
        people_count=_count(Person.objects.filter(organization=OuterRef("pk")), "organization"),
        group_count=_count(
            PartyMembership.objects.filter(party_group=OuterRef("pk"), status=MembershipStatus.NORMAL), "party_group"
        ),
    )


def organization_warnings(
    org: Organization, *, today: datetime.date | None = None, rules: dict[str, int] | None = None
) -> list[OrgWarning]:
    """Warnings of one organization annotated by `with_member_counts`. Closed organizations have none."""
    if org.closed_on is not None:
        return []
    today = today or timezone.localdate()
    rules = rules or org_rules()
    result: list[OrgWarning] = []
    full = org.full_count
    probationary = org.probationary_count
    if org.org_type in OrgType.branch_types():
        total = full + probationary
        limit = rules["branch_max_members"]
        if total > limit:
            result.append(OrgWarning(
                "branch_too_large", WarningLevel.WARNING,
                gettext("党员 %(n)s 名，超过 %(limit)s 名，应考虑分设党支部或成立党总支（《支部工作条例》第四条）。")
                % {"n": total, "limit": limit},
                org.pk,
            ))
        needed = rules["committee_required_from"]
        if full >= needed and not org.has_committee:
            result.append(OrgWarning(
                "committee_missing", WarningLevel.WARNING,
                gettext("正式党员 %(n)s 名（%(needed)s 名及以上），应设立支部委员会。") % {"n": full, "needed": needed},
                org.pk,
            ))
        if org.org_type == OrgType.TEMPORARY_BRANCH and probationary:
            result.append(OrgWarning(
                "temporary_probationary", WarningLevel.DANGER,
                gettext("临时党支部不能接收预备党员，现有预备党员 %(n)s 名，请核实其组织关系。") % {"n": probationary},
                org.pk,
            ))
    if org.term_ends_on is not None and org.org_type != OrgType.PARTY_GROUP:
        days = (org.term_ends_on - today).days
        if days < 0:
            result.append(OrgWarning(
                "term_overdue", WarningLevel.DANGER,
                gettext("本届任期已于 %(date)s 届满，已超期 %(days)s 天，请及时换届。")
                % {"date": org.term_ends_on.isoformat(), "days": -days},
                org.pk,
            ))
        elif days <= rules["term_warning_days"]:
            result.append(OrgWarning(
                "term_ending", WarningLevel.WARNING,
                gettext("本届任期将于 %(date)s 届满，还有 %(days)s 天，请做好换届准备。")
                % {"date": org.term_ends_on.isoformat(), "days": days},
                org.pk,
            ))
    return result


def attach_warnings(orgs: Iterable[Organization], *, today: datetime.date | None = None) -> list[Organization]:
    """Set `.warnings` on each annotated organization (no queries)."""
    today = today or timezone.localdate()
    rules = org_rules()
    result = list(orgs)
    for org in result:
        org.warnings = organization_warnings(org, today=today, rules=rules)
    return result


# ---- the tree ------------------------------------------------------------------------------------------


def _scope_or_403(user: User) -> None:
    scope = permissions.scope_for(user)
    if not (scope.is_superuser or scope.any_roots):
        raise PermissionDenied(gettext("您没有可查看的党组织。"))


def organization_list(*, user: User, include_closed: bool = False) -> QuerySet[Organization]:
    """Organizations in the user's scope (any capability), ordered by path, with member counts."""
    qs = permissions.orgs_with(user, None)
    if not include_closed:
        qs = qs.filter(closed_on__isnull=True)
    return with_member_counts(qs).order_by("path")


@dataclass
class TreeNode:
    """A row of the tree page: the organization plus what its subtree adds up to."""

    org: Organization
    level: int
    parent_path: str
    warnings: list[OrgWarning]
    members: int = 0
    full: int = 0
    probationary: int = 0
    branches: int = 0
    committees: int = 0
    subtree_warnings: int = 0
    children: int = 0
    parent_name: str = ""

    @property
    def path(self) -> str:
        return self.org.path


def build_tree(orgs: Sequence[Organization], *, today: datetime.date | None = None) -> list[TreeNode]:
    """Turn annotated organizations (ordered by path, a union of whole subtrees) into tree rows.

    Subtree totals are summed in Python by walking each row's ancestors among the loaded rows, so the
    cost is the one query that loaded them."""
    today = today or timezone.localdate()
    rules = org_rules()
    steplen = Organization.steplen
    by_path: dict[str, TreeNode] = {}
    nodes: list[TreeNode] = []
    roots: list[str] = []
    for org in orgs:
        parent_path = org.path[:-steplen]
        top = next((r for r in roots if org.path.startswith(r)), None)
        if top is None:
            roots.append(org.path)
            top = org.path
        level = (len(org.path) - len(top)) // steplen
        warnings = organization_warnings(org, today=today, rules=rules)
        org.warnings = warnings
        parent = by_path.get(parent_path)
        node = TreeNode(org=org, level=level, parent_path=parent_path if level else "", warnings=warnings,
                        parent_name=parent.org.short_name if parent else "")
        by_path[org.path] = node
        nodes.append(node)
    for node in nodes:
        org = node.org
        full, prob = org.full_count, org.probationary_count
        is_branch = org.org_type in OrgType.branch_types()
        is_committee = org.org_type in (OrgType.COMMITTEE, OrgType.GENERAL_BRANCH)
        path = org.path
        first = True
        while path:
            target = by_path.get(path)
            if target is None:
                break
            target.full += full
            target.probationary += prob
            target.members += full + prob
            if org.closed_on is None:
                target.branches += int(is_branch)
                target.committees += int(is_committee and not first)
                if not first:
                    target.subtree_warnings += len(node.warnings)
            if not first and len(path) == len(org.path) - steplen:
                target.children += 1
            first = False
            path = path[:-steplen]
    return nodes


def organization_tree(
    *, user: User, include_closed: bool = False, root: Organization | None = None
) -> list[TreeNode]:
    """The tree rows of everything in the user's scope (or of `root`'s subtree), one query."""
    _scope_or_403(user)
    qs = organization_list(user=user, include_closed=include_closed)
    if root is not None:
        qs = qs.filter(path__startswith=root.path)
    return build_tree(list(qs))


def organizations_with_warnings(nodes: Iterable[TreeNode]) -> list[TreeNode]:
    order = {WarningLevel.DANGER: 0, WarningLevel.WARNING: 1}
    found = [n for n in nodes if n.warnings]
    found.sort(key=lambda n: (min(order.get(w.level, 2) for w in n.warnings), n.org.path))
    return found


def organization_search(
    *, user: User, q: str, include_closed: bool = False, limit: int = 20
) -> list[Organization]:
    """Organizations in scope whose name, short name or code contains `q`, each with `.ancestor_names`
    (the names of its ancestors, top first), in two queries."""
    q = (q or "").strip()
    if not q:
        return []
    _scope_or_403(user)
    qs = permissions.orgs_with(user, None).filter(
        Q(name__icontains=q) | Q(short_name__icontains=q) | Q(code__icontains=q)
    )
    if not include_closed:
        qs = qs.filter(closed_on__isnull=True)
    found = list(qs.order_by("path")[:limit])
    steplen = Organization.steplen
    wanted = {org.path[:i] for org in found for i in range(steplen, len(org.path), steplen)}
    names = dict(Organization.objects.filter(path__in=wanted).values_list("path", "short_name")) if wanted else {}
    for org in found:
        org.ancestor_names = [names[p] for p in sorted(names) if org.path.startswith(p) and p != org.path]
    return found


@dataclass
class OrganizationDetail:
    org: Organization
    parent: Organization | None
    ancestors: list[Organization]
    children: list[Organization]
    roles: list[Role]
    warnings: list[OrgWarning]
    totals: TreeNode
    can_administer: bool
    can_view_people: bool
    can_export: bool
    people_in_scope: bool = field(default=False)
    seats: list[CommitteeSeat] = field(default_factory=list)
    former_seats: list[CommitteeSeat] = field(default_factory=list)


def organization_detail(*, user: User, pk: Any) -> OrganizationDetail:
    """One organization in the user's scope (else 404) with its children, roles and warnings."""
    try:
        org = with_member_counts(Organization.objects.filter(pk=pk)).get()
    except (Organization.DoesNotExist, ValueError, TypeError):
        raise Http404
    if not permissions.in_scope(user, org):
        raise Http404
    subtree = list(with_member_counts(Organization.objects.filter(path__startswith=org.path)).order_by("path"))
    nodes = build_tree(subtree)
    by_path = {n.path: n for n in nodes}
    totals = by_path[org.path]
    org.warnings = totals.warnings
    children = [n.org for n in nodes if n.level == 1]
    for child in children:
        child.tree = by_path[child.path]
    ancestor_paths = [org.path[:i] for i in range(Organization.steplen, len(org.path), Organization.steplen)]
    ancestors = list(Organization.objects.filter(path__in=ancestor_paths).order_by("path")) if ancestor_paths else []
    roles = list(
        Role.objects.active().filter(organization=org).select_related("user").order_by("kind", "starts_on")
    )
    seats, former_seats = split_seats(committee_seats(organization=org))
    return OrganizationDetail(
        org=org,
        parent=ancestors[-1] if ancestors else None,
        ancestors=[a for a in ancestors if permissions.in_scope(user, a)],
        children=children,
        roles=roles,
        warnings=totals.warnings,
        totals=totals,
        can_administer=permissions.has_capability(user, org, Capability.ADMINISTER),
        can_view_people=permissions.has_capability(user, org, Capability.VIEW_PEOPLE),
        can_export=permissions.has_capability(user, org, Capability.EXPORT),
        seats=seats,
        former_seats=former_seats,
    )


def move_targets(*, user: User, org: Organization) -> list[Organization]:
    """Where the user may move `org`: open organizations they administer, outside its own subtree and
    other than its parent, of a type that may hold it (a 党小组 under a branch, anything else under a
    党委 or 党总支)."""
    qs = (
        permissions.orgs_with(user, Capability.ADMINISTER)
        .filter(closed_on__isnull=True)
        .exclude(path__startswith=org.path)
        .exclude(path=org.path[: -Organization.steplen])
    )
    if org.org_type == OrgType.PARTY_GROUP:
        qs = qs.filter(org_type__in=OrgType.branch_types())
    else:
        qs = qs.filter(org_type__in=[OrgType.COMMITTEE, OrgType.GENERAL_BRANCH])
    return list(qs.order_by("path"))


def administered_organizations(*, user: User) -> QuerySet[Organization]:
    """Open organizations the user administers where roles are held (党委, 党总支, 党支部; not 党小组)."""
    return (
        permissions.orgs_with(user, Capability.ADMINISTER)
        .filter(closed_on__isnull=True)
        .exclude(org_type=OrgType.PARTY_GROUP)
        .order_by("path")
    )


# ---- roles ----------------------------------------------------------------------------------------------


def role_list(
    *,
    user: User,
    organization: Organization | None = None,
    kind: str | None = None,
    active: bool | None = None,
    q: str = "",
    org_q: str = "",
) -> QuerySet[Role]:
    """Roles at organizations the user administers; `organization` includes its subtree, `org_q` matches
    the organization's name, short name or code."""
    qs = permissions.scope_filter(Role.objects.all(), user, Capability.ADMINISTER, prefix="organization__")
    if organization is not None:
        qs = qs.filter(organization__path__startswith=organization.path)
    if org_q:
        qs = qs.filter(
            Q(organization__name__icontains=org_q) | Q(organization__short_name__icontains=org_q)
            | Q(organization__code__icontains=org_q)
        )
    if kind:
        qs = qs.filter(kind=kind)
    today = timezone.localdate()
    active_q = Q(starts_on__lte=today) & (Q(ends_on__isnull=True) | Q(ends_on__gte=today))
    if active is True:
        qs = qs.filter(active_q)
    elif active is False:
        qs = qs.exclude(active_q)
    if q:
        qs = qs.filter(
            Q(user__username__icontains=q) | Q(user__first_name__icontains=q) | Q(user__last_name__icontains=q)
        )
    return qs.select_related("user", "organization").order_by("organization__path", "kind", "-starts_on", "pk")


def user_candidates(*, user: User, q: str, limit: int = 15) -> list[Any]:
    """Accounts an administrator may pick when granting a role: those linked to a person or holding a role
    in the administrator's scope, matched by username or name."""
    q = (q or "").strip()
    if not q:
        return []
    people = permissions.scope_filter(
        Person.objects.filter(user__isnull=False), user, Capability.ADMINISTER, prefix="organization__"
    ).values("user_id")
    roles = permissions.scope_filter(Role.objects.all(), user, Capability.ADMINISTER, prefix="organization__").values(
        "user_id"
    )
    return list(
        get_user_model().objects.filter(is_active=True)
        .filter(Q(pk__in=people) | Q(pk__in=roles))
        .filter(Q(username__icontains=q) | Q(first_name__icontains=q) | Q(last_name__icontains=q))
        .order_by("username")[:limit]
    )


# ---- audit log ------------------------------------------------------------------------------------------


ACTION_LABELS = {
    LogEntry.Action.CREATE: _("新建"),
    LogEntry.Action.UPDATE: _("修改"),
    LogEntry.Action.DELETE: _("删除"),
    LogEntry.Action.ACCESS: _("查看"),
}
EXTRA_FIELD_LABELS = {"parent": _("上级党组织"), "what": _("查看内容")}
# Bookkeeping columns that say nothing to a reader of the log (a move is shown as its new parent).
HIDDEN_CHANGE_FIELDS = frozenset({"id", "created_at", "updated_at", "path", "depth", "numchild", "password",
                                  "last_login"})


def audit_content_types() -> list[ContentType]:
    """The object types the audit log records: every model registered with auditlog, and login accounts
    (their creation is logged by user_create)."""
    from auditlog.registry import auditlog

    models = [*auditlog.get_models(), get_user_model()]
    return sorted(ContentType.objects.get_for_models(*models).values(), key=lambda ct: ct.pk)


def audit_search(
    *,
    user: User,
    actor: str = "",
    content_type: ContentType | None = None,
    q: str = "",
    action: int | None = None,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
) -> QuerySet[LogEntry]:
    """Audit log entries, newest first. Superusers only."""
    if not getattr(user, "is_superuser", False):
        raise PermissionDenied(gettext("只有系统管理员可以查看审计日志。"))
    qs = LogEntry.objects.select_related("actor", "content_type")
    if actor:
        qs = qs.filter(
            Q(actor__username__icontains=actor) | Q(actor__first_name__icontains=actor)
            | Q(actor__last_name__icontains=actor)
        )
    if content_type is not None:
        qs = qs.filter(content_type=content_type)
    if q:
        qs = qs.filter(object_repr__icontains=q)
    if action is not None:
        qs = qs.filter(action=action)
    tz = timezone.get_current_timezone()
    if date_from:
        qs = qs.filter(timestamp__gte=datetime.datetime.combine(date_from, datetime.time.min, tzinfo=tz))
    if date_to:
        qs = qs.filter(timestamp__lt=datetime.datetime.combine(date_to + datetime.timedelta(days=1),
                                                               datetime.time.min, tzinfo=tz))
    return qs.order_by("-timestamp", "-pk")


@dataclass
class ChangeRow:
    field: str
    label: str
    before: str
    after: str


def _display(value: Any) -> str:
    if value is None or value in ("None", ""):
        return "—"
    if value is True or value == "True":
        return gettext("是")
    if value is False or value == "False":
        return gettext("否")
    return str(value)


def describe_changes(entries: Sequence[LogEntry]) -> None:
    """Set `.change_rows` on each entry: field labels, choice labels and related objects' names instead of
    raw values. Related objects are fetched in one query per related model, whatever the page size."""
    wanted: dict[Any, set[str]] = defaultdict(set)
    plans: list[tuple[LogEntry, list[tuple[str, Any, Any, Any]]]] = []
    for entry in entries:
        model = entry.content_type.model_class() if entry.content_type_id else None
        changes = entry.changes_dict if (entry.changes or entry.changes_text) else {}
        items: list[tuple[str, Any, Any, Any]] = []
        for name, values in changes.items():
            if not isinstance(values, (list, tuple)) or len(values) != 2:
                continue
            if name in HIDDEN_CHANGE_FIELDS:
                continue
            model_field = None
            if model is not None:
                try:
                    model_field = model._meta.get_field(name)
                except FieldDoesNotExist:
                    model_field = None
                if model_field is not None and not model_field.concrete:
                    continue  # reverse relations carry no value of their own
            if entry.action == LogEntry.Action.CREATE and values[1] in (None, "None", ""):
                continue  # a new record: only the fields that were filled in
            if model_field is not None and model_field.is_relation and model_field.many_to_one:
                for v in values:
                    if v not in (None, "None", ""):
                        wanted[model_field.related_model].add(str(v))
            items.append((name, model_field, values[0], values[1]))
        plans.append((entry, items))
    names: dict[Any, dict[str, str]] = {}
    for related, pks in wanted.items():
        try:
            names[related] = {str(o.pk): str(o) for o in related._default_manager.filter(pk__in=list(pks))}
        except (ValueError, TypeError):
            names[related] = {}
    for entry, items in plans:
        rows: list[ChangeRow] = []
        for name, model_field, before, after in items:
            label = str(EXTRA_FIELD_LABELS.get(name, name))
            render = _display
            if model_field is not None:
                label = str(getattr(model_field, "verbose_name", name))
                if model_field.is_relation and model_field.many_to_one:
                    lookup = names.get(model_field.related_model, {})

                    def render(v: Any, lookup: dict[str, str] = lookup) -> str:
                        return _display(v) if v in (None, "None", "") else lookup.get(str(v), f"#{v}")

                elif getattr(model_field, "choices", None):
                    choices = {str(k): str(v) for k, v in model_field.flatchoices}

                    def render(v: Any, choices: dict[str, str] = choices) -> str:
                        return choices.get(str(v), _display(v))

            rows.append(ChangeRow(name, label, render(before), render(after)))
        entry.change_rows = rows
        model = entry.content_type.model_class() if entry.content_type_id else None
        entry.type_label = str(model._meta.verbose_name) if model else entry.content_type.model
        entry.action_label = str(ACTION_LABELS.get(entry.action, entry.action))


# ---- dashboards -----------------------------------------------------------------------------------------


@dataclass
class CommitteeDashboard:
    nodes: list[TreeNode]
    roots: list[TreeNode]
    committees: int
    branches: int
    members: int
    full: int
    probationary: int
    warnings: list[OrgWarning]
    flagged: list[TreeNode]
    chart: list[TreeNode]
    chart_total: int


def committee_dashboard(*, user: User) -> CommitteeDashboard:
    """Everything under the user's committee-level roles: counts, warnings, members per subordinate unit."""
    nodes = organization_tree(user=user)
    roots = [n for n in nodes if n.level == 0]
    committees = sum(n.committees + int(n.org.org_type in (OrgType.COMMITTEE, OrgType.GENERAL_BRANCH)) for n in roots)
    flagged = organizations_with_warnings(nodes)
    warnings = [w for n in flagged for w in n.warnings]
    if len(roots) == 1:
        chart = [n for n in nodes if n.level == 1 and n.org.org_type != OrgType.PARTY_GROUP]
    else:
        chart = roots
    chart_total = len(chart)
    chart = sorted(chart, key=lambda n: -n.members)[:20]
    return CommitteeDashboard(
        nodes=nodes,
        roots=roots,
        committees=committees,
        branches=sum(n.branches for n in roots),
        members=sum(n.members for n in roots),
        full=sum(n.full for n in roots),
        probationary=sum(n.probationary for n in roots),
        warnings=warnings,
        flagged=flagged,
        chart=chart,
        chart_total=chart_total,
    )


@dataclass
class BranchDashboard:
    org: Organization
    node: TreeNode
    my_orgs: list[Organization]
    recent: list[LogEntry]
    people: int
    can_view_people: bool
    roles: list[Role]


def branch_dashboard(*, user: User, org_pk: Any = None, recent: int = 10) -> BranchDashboard | None:
    """The branch the user holds a role at (the first, or `org_pk` among them): counts, warnings and the
    latest changes to its people."""
    scope = permissions.scope_for(user)
    if not scope.any_roots:
        return None
    my_orgs = list(Organization.objects.filter(path__in=scope.any_roots).order_by("path"))
    if not my_orgs:
        return None
    chosen = next((o for o in my_orgs if str(o.pk) == str(org_pk)), my_orgs[0])
    subtree = with_member_counts(Organization.objects.filter(path__startswith=chosen.path, closed_on__isnull=True))
    nodes = build_tree(list(subtree.order_by("path")))
    node = nodes[0]
    org = node.org
    people = sum(n.org.people_count for n in nodes)
    can_view_people = permissions.has_capability(user, org, Capability.VIEW_PEOPLE)
    entries: list[LogEntry] = []
    if can_view_people:
        cts = ContentType.objects.get_for_models(Person, PartyMembership)
        person_ids = Person.objects.filter(organization__path__startswith=org.path).values("pk")
        membership_ids = PartyMembership.objects.filter(person__organization__path__startswith=org.path).values("pk")
        entries = list(
            LogEntry.objects.filter(
                Q(content_type=cts[Person], object_id__in=person_ids)
                | Q(content_type=cts[PartyMembership], object_id__in=membership_ids)
            )
            .exclude(action=LogEntry.Action.ACCESS)
            .select_related("actor", "content_type")
            .order_by("-timestamp", "-pk")[:recent]
        )
        describe_changes(entries)
    roles = list(
        Role.objects.active().filter(user=user, organization__in=my_orgs).select_related("organization")
    )
    return BranchDashboard(org=org, node=node, my_orgs=my_orgs, recent=entries, people=people,
                           can_view_people=can_view_people, roles=roles)


@dataclass
class MemberDashboard:
    person: Person | None
    membership: PartyMembership | None
    party_years: int | None


def member_dashboard(*, user: User) -> MemberDashboard:
    """The user's own record, found through Person.user."""
    person = (
        Person.objects.filter(user=user)
        .select_related("organization", "membership", "membership__party_group")
        .first()
    )
    membership = getattr(person, "membership", None) if person else None
    years = None
    if membership is not None and membership.converted_on:
        today = timezone.localdate()
        c = membership.converted_on
        years = today.year - c.year - ((today.month, today.day) < (c.month, c.day))
    return MemberDashboard(person=person, membership=membership, party_years=years)


# ---- committee seats ----------------------------------------------------------------------------------

# 书记 first, then 副书记 and the committee's other positions in the order the regulations list them.
POSITION_ORDER = {value: index for index, value in enumerate(CommitteePosition.values)}


def _seat_order(seat: CommitteeSeat) -> tuple[int, datetime.date, int]:
    return (POSITION_ORDER.get(seat.position, len(POSITION_ORDER)), seat.starts_on, seat.pk or 0)


def sitting_seats(*, organization: Organization, on: datetime.date | None = None) -> QuerySet[CommitteeSeat]:
    """Seats of the organization's committee held on `on` (today by default), with their person: one query."""
    on = on or timezone.localdate()
    return (
        CommitteeSeat.objects.filter(organization=organization, starts_on__lte=on)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=on))
        .select_related("person")
    )


def committee_on(*, organization: Organization, on: datetime.date | None = None) -> list[CommitteeSeat]:
    """The committee sitting on `on`, 书记 first: one query. The caller has already checked the scope."""
    return sorted(sitting_seats(organization=organization, on=on), key=_seat_order)


def committee_seats(*, organization: Organization) -> list[CommitteeSeat]:
    """Every seat the organization's committee has had, sitting or not, with its person: one query."""
    return list(
        CommitteeSeat.objects.filter(organization=organization)
        .select_related("person")
        .order_by("starts_on", "pk")
    )


def split_seats(
    seats: Iterable[CommitteeSeat], *, on: datetime.date | None = None
) -> tuple[list[CommitteeSeat], list[CommitteeSeat]]:
    """(sitting on `on`, 书记 first; former ones, the latest to leave first). No queries."""
    on = on or timezone.localdate()
    sitting: list[CommitteeSeat] = []
    former: list[CommitteeSeat] = []
    for seat in seats:
        (former if seat.ends_on is not None and seat.ends_on < on else sitting).append(seat)
    sitting.sort(key=_seat_order)
    former.sort(key=lambda s: (s.ends_on, s.starts_on, s.pk or 0), reverse=True)
    return sitting, former


def committee_list(*, user: User, organization: Organization, on: datetime.date | None = None) -> list[CommitteeSeat]:
    """Seats of an organization in the user's scope (else 404): all of them, or those sitting on `on`."""
    if not permissions.in_scope(user, organization):
        raise Http404
    if on is not None:
        return committee_on(organization=organization, on=on)
    sitting, former = split_seats(committee_seats(organization=organization))
    return [*sitting, *former]


SEAT_CANDIDATE_LIMIT = 200


def seat_candidates(*, organization: Organization, q: str = "", limit: int = SEAT_CANDIDATE_LIMIT) -> list[Person]:
    """People who may take a seat on the organization's committee: full members (党籍正常, rights not
    suspended) anchored in its subtree and not sitting on it already, by pinyin; `q` matches the name or
    its pinyin initials. One query; the service still checks whoever is submitted."""
    sitting = CommitteeSeat.objects.filter(organization=organization, ends_on__isnull=True).values("person_id")
    qs = (
        Person.objects.filter(
            organization__path__startswith=organization.path,
            membership__category=MemberCategory.FULL,
            membership__status=MembershipStatus.NORMAL,
            membership__rights_suspended=False,
        )
        .exclude(pk__in=sitting)
        .select_related("organization")
        .order_by("name_pinyin", "pk")
    )
    q = (q or "").strip()
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(name_initials__istartswith=q) | Q(name_pinyin__istartswith=q))
    return list(qs[:limit])

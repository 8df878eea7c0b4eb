"""The one permission module.

A user holds roles at organizations; each role kind grants a fixed set of capabilities over the
organization's whole subtree. Every page, form, API endpoint, export, import, job and the admin asks
here. Outside a user's scope an object does not exist (404); inside it without the capability, 403.

Scope is computed once per user object (one query) and subtree tests are path-prefix matches, so
every question costs a constant number of queries at any depth of the tree.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import wraps
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import permissions as drf_permissions

from .models import Organization, Role, RoleKind

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

    User = AbstractBaseUser | AnonymousUser


class Capability(models.TextChoices):
    VIEW_PEOPLE = "view_people", _("查看人员")
    VIEW_ID_NUMBERS = "view_id_numbers", _("查看完整身份证号")
    EDIT_PEOPLE = "edit_people", _("编辑人员")
    LOG_MEETINGS = "log_meetings", _("记录组织生活")
    MANAGE_RECRUITMENT = "manage_recruitment", _("发展党员管理")
    REVIEW_LIAISONS = "review_liaisons", _("联系清单审阅")
    RATE = "rate", _("考核评定")
    EXPORT = "export", _("导出")
    ADMINISTER = "administer", _("组织与职务管理")
    ISSUE_NOTICES = "issue_notices", _("下发工作提示")


C = Capability
_BRANCH_COMMITTEE = {C.VIEW_PEOPLE, C.LOG_MEETINGS}
ROLE_CAPABILITIES: dict[str, frozenset[str]] = {
    RoleKind.SECRETARY: frozenset(
        {C.VIEW_PEOPLE, C.VIEW_ID_NUMBERS, C.EDIT_PEOPLE, C.LOG_MEETINGS, C.MANAGE_RECRUITMENT,
         C.REVIEW_LIAISONS, C.EXPORT}
    ),
    RoleKind.DEPUTY_SECRETARY: frozenset(
        {C.VIEW_PEOPLE, C.EDIT_PEOPLE, C.LOG_MEETINGS, C.MANAGE_RECRUITMENT, C.REVIEW_LIAISONS, C.EXPORT}
    ),
    RoleKind.ORGANIZATION_MEMBER: frozenset(
        {C.VIEW_PEOPLE, C.VIEW_ID_NUMBERS, C.EDIT_PEOPLE, C.LOG_MEETINGS, C.MANAGE_RECRUITMENT, C.EXPORT}
    ),
    RoleKind.PROPAGANDA_MEMBER: frozenset(_BRANCH_COMMITTEE),
    RoleKind.DISCIPLINE_MEMBER: frozenset(_BRANCH_COMMITTEE),
    RoleKind.COMMITTEE_MEMBER: frozenset({C.VIEW_PEOPLE, C.REVIEW_LIAISONS, C.RATE, C.EXPORT, C.ISSUE_NOTICES}),
    RoleKind.COMMITTEE_SECRETARY: frozenset(
        {C.VIEW_PEOPLE, C.VIEW_ID_NUMBERS, C.LOG_MEETINGS, C.MANAGE_RECRUITMENT, C.REVIEW_LIAISONS, C.RATE,
         C.EXPORT, C.ISSUE_NOTICES}
    ),
    RoleKind.ORG_DEPARTMENT: frozenset(
        {C.VIEW_PEOPLE, C.VIEW_ID_NUMBERS, C.EDIT_PEOPLE, C.MANAGE_RECRUITMENT, C.REVIEW_LIAISONS, C.RATE,
         C.EXPORT, C.ADMINISTER, C.ISSUE_NOTICES}
    ),
    RoleKind.SYSTEM_ADMIN: frozenset(Capability.values),
}
# Committee-level roles get the committee dashboard; the others the branch dashboard.
COMMITTEE_ROLE_KINDS = frozenset(
    {RoleKind.COMMITTEE_MEMBER, RoleKind.COMMITTEE_SECRETARY, RoleKind.ORG_DEPARTMENT, RoleKind.SYSTEM_ADMIN}
)


def kinds_with(capability: str) -> list[str]:
    return [kind for kind, caps in ROLE_CAPABILITIES.items() if capability in caps]


@dataclass(frozen=True)
class Scope:
    """What one user may do where: for each capability, the paths of the subtree roots."""

    is_superuser: bool = False
    roots: dict[str, tuple[str, ...]] = field(default_factory=dict)
    any_roots: tuple[str, ...] = ()
    role_kinds: frozenset[str] = frozenset()
    # Per capability, the paths of the organizations where a role grants it directly (not inherited).
    direct: dict[str, frozenset[str]] = field(default_factory=dict)

    def paths(self, capability: str | None) -> tuple[str, ...]:
        return self.any_roots if capability is None else self.roots.get(capability, ())

    def covers(self, path: str, capability: str | None = None) -> bool:
        if self.is_superuser:
            return True
        return any(path.startswith(root) for root in self.paths(capability))


def _minimal(paths: Iterable[str]) -> tuple[str, ...]:
    """Drop paths already covered by an ancestor in the set."""
    result: list[str] = []
    for path in sorted(set(paths)):
        if not any(path.startswith(kept) for kept in result):
            result.append(path)
    return tuple(result)


def scope_for(user: User, on: datetime.date | None = None) -> Scope:
    """The user's scope, cached on the user object for today (one query)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Scope()
    if on is None:
        cached = getattr(user, "_portal_scope", None)
        if cached is not None:
            return cached
    rows = (
        Role.objects.active(on or timezone.localdate())
        .filter(user=user, organization__closed_on__isnull=True)
        .values_list("kind", "organization__path")
    )
    by_cap: dict[str, list[str]] = {}
    kinds: set[str] = set()
    for kind, path in rows:
        kinds.add(kind)
        for cap in ROLE_CAPABILITIES.get(kind, ()):
            by_cap.setdefault(cap, []).append(path)
    scope = Scope(
        is_superuser=user.is_superuser,
        roots={cap: _minimal(paths) for cap, paths in by_cap.items()},
        any_roots=_minimal(p for paths in by_cap.values() for p in paths),
        role_kinds=frozenset(kinds),
        direct={cap: frozenset(paths) for cap, paths in by_cap.items()},
    )
    if on is None:
        user._portal_scope = scope
    return scope


def forget_scope(user: User) -> None:
    """Call after changing a user's roles in the same request."""
    if hasattr(user, "_portal_scope"):
        del user._portal_scope


def path_q(user: User, capability: str | None, *, prefix: str = "") -> Q | None:
    """A Q matching rows whose organization path lies in the user's scope for the capability.

    `prefix` is the lookup to the Organization, e.g. "organization__" for a Person. Returns None for
    "everything" (superusers)."""
    scope = scope_for(user)
    if scope.is_superuser:
        return None
    roots = scope.paths(capability)
    if not roots:
        return Q(pk__in=[])
    q = Q()
    for root in roots:
        q |= Q(**{f"{prefix}path__startswith": root})
    return q


def scope_filter(qs: models.QuerySet, user: User, capability: str | None, *, prefix: str = "") -> models.QuerySet:
    q = path_q(user, capability, prefix=prefix)
    return qs if q is None else qs.filter(q)


def orgs_with(user: User, capability: str | None = None) -> models.QuerySet[Organization]:
    """Every organization where the user has the capability (None: any capability)."""
    return scope_filter(Organization.objects.all(), user, capability)


def in_scope(user: User, org: Organization) -> bool:
    return scope_for(user).covers(org.path)


def has_capability(user: User, org: Organization, capability: str) -> bool:
    return scope_for(user).covers(org.path, capability)


def holds_at(user: User, org: Organization, capability: str) -> bool:
    """Whether a role of the user at this very organization (not one above it) grants the capability: e.g. the
    unit's committee, the audience of the private notes of a liaison talk. Superusers are not implied."""
    return org.path in scope_for(user).direct.get(capability, frozenset())


def has_capability_anywhere(user: User, capability: str) -> bool:
    scope = scope_for(user)
    return scope.is_superuser or bool(scope.paths(capability))


def check(user: User, org: Organization, capability: str) -> None:
    """404 outside the user's scope, 403 inside it without the capability."""
    if not in_scope(user, org):
        raise Http404
    if not has_capability(user, org, capability):
        raise PermissionDenied(_("您没有此项权限。"))


def get_org_or_404(user: User, pk: Any, capability: str, queryset: models.QuerySet | None = None) -> Organization:
    qs = queryset if queryset is not None else Organization.objects.all()
    try:
        org = qs.get(pk=pk)
    except (Organization.DoesNotExist, ValueError, TypeError):
        raise Http404
    check(user, org, capability)
    return org


def get_scoped_or_404(
    queryset: models.QuerySet, user: User, capability: str, *, org_attr: str = "organization", **lookup: Any
) -> Any:
    """Fetch an object that hangs off an organization: 404 outside scope, 403 without the capability."""
    try:
        obj = queryset.select_related(org_attr).get(**lookup)
    except (queryset.model.DoesNotExist, ValueError, TypeError):
        raise Http404
    check(user, getattr(obj, org_attr), capability)
    return obj


def is_committee_user(user: User) -> bool:
    scope = scope_for(user)
    return scope.is_superuser or bool(scope.role_kinds & COMMITTEE_ROLE_KINDS)


def can_administer_users(user: User) -> bool:
    return has_capability_anywhere(user, Capability.ADMINISTER)


# ---- adapters: a view decorator, a CBV mixin, a DRF permission --------------------------------------


def capability_required(capability: str) -> Callable:
    """For pages not tied to one object: the user needs the capability somewhere, else 403."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                from django.contrib.auth.views import redirect_to_login

                return redirect_to_login(request.get_full_path())
            if not has_capability_anywhere(request.user, capability):
                raise PermissionDenied(_("您没有此项权限。"))
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


class CapabilityRequiredMixin:
    capability: str = ""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not has_capability_anywhere(request.user, self.capability):
            raise PermissionDenied(_("您没有此项权限。"))
        return super().dispatch(request, *args, **kwargs)


class HasCapability(drf_permissions.BasePermission):
    """DRF: the view declares `capability` (reads) and `write_capability` (writes).

    List endpoints need the capability somewhere; object checks go through `check` (404/403)."""

    def _cap(self, request, view) -> str:
        if request.method in drf_permissions.SAFE_METHODS:
            return view.capability
        return getattr(view, "write_capability", view.capability)

    def has_permission(self, request, view) -> bool:
        if not request.user or not request.user.is_authenticated:
            return False
        return has_capability_anywhere(request.user, self._cap(request, view))

    def has_object_permission(self, request, view, obj) -> bool:
        org = obj if isinstance(obj, Organization) else getattr(obj, getattr(view, "org_attr", "organization"))
        check(request.user, org, self._cap(request, view))
        return True

"""Reads of people, already limited to what the user may see."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.db.models import Count, Q, QuerySet, Window
from django.http import Http404
from django.utils.translation import gettext as _

from branches import permissions
from branches.models import Organization, OrgType
from branches.permissions import Capability
from branches.selectors import covers_whole_tree, tree_cached

from .filters import PersonFilter
from .models import Person

PERSON_RELATED = ("organization", "membership", "membership__party_group")


def person_scope(*, user: Any, capability: str = Capability.VIEW_PEOPLE) -> QuerySet[Person]:
    """Every person in an organization where the user has the capability."""
    qs = Person.objects.select_related(*PERSON_RELATED)
    if covers_whole_tree(user, capability):
        # Same rows as the path filter, without joining every person to the organization table.
        return qs
    return permissions.scope_filter(qs, user, capability, prefix="organization__")


def person_list(*, user: Any, params: Mapping[str, Any] | None = None) -> QuerySet[Person]:
    """The people list: the user's VIEW_PEOPLE scope, filtered by PersonFilter with `params`.

    The people page, the API and the people exporter all read through here (or PersonFilter on
    `person_scope`), so an export holds exactly what the page showed."""
    filterset = PersonFilter(params if params is not None else {}, queryset=person_scope(user=user), user=user)
    return filterset.qs


class PersonPaginator(Paginator):
    """Pages through ids first (a narrow sort), then loads that page's full rows by primary key.

    Sorting 80,000 wide joined rows to show 50 is what makes a deep page slow; sorting ids is cheap.
    Costs one more query than Paginator, the same at any size."""

    def page(self, number: Any) -> Page:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        ids = list(self.object_list.values_list("pk", flat=True)[bottom:top])
        rows = {row.pk: row for row in self.object_list.order_by().filter(pk__in=ids)}
        return self._get_page([rows[pk] for pk in ids if pk in rows], number, self)


def person_get(*, user: Any, pk: Any, capability: str = Capability.VIEW_PEOPLE) -> Person:
    """One person: 404 outside the user's scope, 403 inside it without the capability.

    Everyone may view their own record (the Person linked to their login)."""
    try:
        person = Person.objects.select_related(*PERSON_RELATED).get(pk=pk)
    except (Person.DoesNotExist, ValueError, TypeError):
        raise Http404
    if is_own_record(user=user, person=person):
        if capability != Capability.VIEW_PEOPLE and not permissions.has_capability(
            user, person.organization, capability
        ):
            raise PermissionDenied(_("您没有此项权限。"))
        return person
    permissions.check(user, person.organization, capability)
    return person


def is_own_record(*, user: Any, person: Person) -> bool:
    return person.user_id is not None and person.user_id == getattr(user, "pk", None)


def organizations_for_people(*, user: Any, capability: str = Capability.VIEW_PEOPLE) -> QuerySet[Organization]:
    """Open organizations that can hold people (not 党小组) where the user has the capability, in tree order."""
    return (
        permissions.orgs_with(user, capability)
        .filter(closed_on__isnull=True)
        .exclude(org_type=OrgType.PARTY_GROUP)
        .order_by("path")
    )


def org_choices(
    *, user: Any, capability: str = Capability.VIEW_PEOPLE, max_options: int | None = None, keep: Any = None
) -> list[tuple[int, str]]:
    """(pk, indented short name) for a select, one query.

    With `max_options`, a scope larger than that offers only the committees and general branches (each
    filter includes its subtree), plus the organization `keep` (the one currently chosen)."""
    roots = permissions.scope_for(user).paths(capability)
    superuser = permissions.scope_for(user).is_superuser
    keep_pk = int(keep) if str(keep or "").isdigit() else 0

    def build() -> list[tuple[int, str, int, str]]:
        qs = organizations_for_people(user=user, capability=capability)
        if max_options is not None:
            # The database counts the scope and, past the limit, drops the branches.
            qs = qs.annotate(total=Window(Count("pk"))).filter(
                Q(total__lte=max_options) | ~Q(org_type__in=OrgType.branch_types()) | Q(pk=keep_pk)
            )
        return list(qs.values_list("pk", "short_name", "depth", "org_type"))

    # The options depend only on the tree and the user's roots: cached until the tree changes.
    rows = tree_cached(f"org-choices:{capability}:{superuser}:{','.join(roots)}:{max_options}:{keep_pk}", build)
    if not rows:
        return []
    top = min(row[2] for row in rows)
    return [(pk, "\u3000" * (depth - top) + name) for pk, name, depth, _type in rows]


def party_group_choices(*, user: Any, within: Organization | None = None) -> list[tuple[int, str]]:
    """Open party groups where the user may edit people, labelled "branch / group" (one query)."""
    orgs = permissions.orgs_with(user, Capability.EDIT_PEOPLE).filter(closed_on__isnull=True)
    if within is not None:
        orgs = orgs.filter(path__startswith=within.path)
    rows = list(orgs.order_by("path").values_list("pk", "short_name", "path", "org_type"))
    names = {path: name for _pk, name, path, _type in rows}
    step = Organization.steplen
    return [
        (pk, f"{names[path[:-step]]} / {name}" if within is None and path[:-step] in names else name)
        for pk, name, path, org_type in rows
        if org_type == OrgType.PARTY_GROUP
    ]


def can_view_id_number(*, user: Any, person: Person) -> bool:
    return permissions.has_capability(user, person.organization, Capability.VIEW_ID_NUMBERS)


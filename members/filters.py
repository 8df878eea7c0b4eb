"""The people list's filters: one FilterSet for the page, the API and the people exporter."""

from __future__ import annotations

import re
from typing import Any

import django_filters as filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from branches import permissions

from .codes import Education, MemberCategory, PoliticalStatus, TitleLevel
from .models import Person

_ID_TAIL = re.compile(r"^\d{0,17}[\dX]$")
_LATIN = re.compile(r"^[a-z]+$")


def search_q(text: str) -> Q | None:
    """Name (contains), pinyin or its initials (starts with), or the tail of the ID number (4+ characters).

    Latin letters search the pinyin columns (which hold Latin-script names too), digits the ID number,
    anything else the name itself; each kind of query only touches the columns it can match, and the
    pinyin prefixes are indexed."""
    text = (text or "").strip()
    if not text:
        return None
    compact = re.sub(r"[\s'·]+", "", text).lower()
    if _LATIN.match(compact):
        return Q(name_pinyin__startswith=compact) | Q(name_initials__startswith=compact)
    tail = compact.upper()
    if _ID_TAIL.match(tail):
        return Q(id_number__endswith=tail) if len(tail) >= 4 else Q(pk__in=[])
    return Q(name__icontains=text) if re.search(r"[A-Za-z]", text) else Q(name__contains=text)


class _StableOrdering(filters.OrderingFilter):
    """Sort as asked, then by name and id so pages never overlap."""

    def filter(self, qs: QuerySet, value: Any) -> QuerySet:
        if not value:
            return qs.order_by("name_pinyin", "id")
        ordering = [self.get_ordering_value(param) for param in value]
        return qs.order_by(*ordering, "name_pinyin", "id")


class PersonFilter(filters.FilterSet):
    """Filters of the people list. Pass `user` (or a `request`): the org filter only reaches inside their scope."""

    q = filters.CharFilter(label=_("搜索"), method="filter_q")
    org = filters.NumberFilter(label=_("党组织"), method="filter_org")
    political_status = filters.ChoiceFilter(label=_("政治面貌"), choices=PoliticalStatus.choices)
    category = filters.ChoiceFilter(label=_("党员类别"), field_name="membership__category",
                                    choices=MemberCategory.choices)
    title_level = filters.ChoiceFilter(label=_("职称级别"), choices=[c for c in TitleLevel.choices if c[0]])
    education = filters.ChoiceFilter(label=_("学历"), choices=Education.choices)
    lost_contact = filters.BooleanFilter(label=_("失去联系"), field_name="membership__lost_contact")
    mobile = filters.BooleanFilter(label=_("流动党员"), field_name="membership__mobile")
    ordering = _StableOrdering(
        label=_("排序"),
        fields=(("name_pinyin", "name"), ("birth_date", "birth_date"), ("organization__path", "org")),
        field_labels={"name_pinyin": _("姓名拼音"), "birth_date": _("出生日期"), "organization__path": _("党组织")},
    )

    class Meta:
        model = Person
        fields: list[str] = []

    def __init__(self, data: Any = None, queryset: QuerySet | None = None, *, request: Any = None,
                 prefix: str | None = None, user: Any = None) -> None:
        super().__init__(data, queryset, request=request, prefix=prefix)
        self.user = user if user is not None else getattr(request, "user", None)

    def filter_q(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        q = search_q(value)
        return queryset if q is None else queryset.filter(q)

    def filter_org(self, queryset: QuerySet, name: str, value: Any) -> QuerySet:
        """The organization and its whole subtree, if the user may view people there; else nothing."""
        org = (
            permissions.orgs_with(self.user, permissions.Capability.VIEW_PEOPLE)
            .filter(pk=int(value))
            .values_list("path", flat=True)
            .first()
        )
        if org is None:
            return queryset.none()
        return queryset.filter(organization__path__startswith=org)

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        queryset = super().filter_queryset(queryset)
        if not self.form.cleaned_data.get("ordering"):
            queryset = queryset.order_by("name_pinyin", "id")
        return queryset

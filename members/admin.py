"""Django admin for people: scoped through the permission module, ID numbers masked, read-only.

People are created and changed on the portal's own pages and API, which go through members.services
(validation, duplicate checks, audit). The admin is for looking things up."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from branches import permissions
from branches.permissions import Capability

from .filters import search_q
from .models import PartyMembership, Person


class _ScopedReadOnlyAdmin(admin.ModelAdmin):
    org_prefix = "organization__"

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        qs = super().get_queryset(request)
        return permissions.scope_filter(qs, request.user, Capability.VIEW_PEOPLE, prefix=self.org_prefix)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_active and request.user.is_staff and permissions.has_capability_anywhere(
            request.user, Capability.VIEW_PEOPLE
        )

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self.has_view_permission(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class MembershipInline(admin.StackedInline):
    model = PartyMembership
    extra = 0
    can_delete = False
    fields = [
        "category", "admitted_on", "converted_on", "party_group", "status", "rights_suspended",
        "lost_contact", "lost_contact_on", "lost_contact_reason", "mobile", "mobile_since", "mobile_destination",
    ]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Person)
class PersonAdmin(_ScopedReadOnlyAdmin):
    list_display = ["name", "sex", "birth_date", "masked_id", "political_status", "organization", "title_level"]
    list_filter = ["political_status", "sex", "title_level", "education"]
    list_select_related = ["organization"]
    search_fields = ["name"]
    show_full_result_count = False
    inlines = [MembershipInline]
    fields = [
        "name", "name_pinyin", "sex", "ethnicity", "birth_date", "masked_id", "political_status", "organization",
        "education", "degree", "title", "title_level", "returned_from_abroad", "discipline", "post", "phone",
        "email", "user", "created_at", "updated_at",
    ]
    readonly_fields = fields

    @admin.display(description=_("公民身份号码"))
    def masked_id(self, obj: Person) -> str:
        return obj.masked_id_number

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str) -> tuple[QuerySet, bool]:
        q = search_q(search_term)
        return (queryset if q is None else queryset.filter(q)), False


@admin.register(PartyMembership)
class PartyMembershipAdmin(_ScopedReadOnlyAdmin):
    org_prefix = "person__organization__"
    list_display = ["person", "category", "admitted_on", "converted_on", "status", "lost_contact", "mobile"]
    list_filter = ["category", "status", "lost_contact", "mobile"]
    list_select_related = ["person"]
    search_fields = ["person__name"]
    fields = ["person", *MembershipInline.fields]
    readonly_fields = fields

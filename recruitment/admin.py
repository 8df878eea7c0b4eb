"""Django admin of the pipeline: scoped and read-only for the records (they are written through
recruitment.services, which runs the checks); the working-day overrides are edited here."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from branches import permissions
from branches.permissions import Capability

from .models import Pipeline, StepRecord, WorkdayOverride


class StepRecordInline(admin.TabularInline):
    model = StepRecord
    fields = ("step", "done_on", "outcome", "actor", "conclusion", "violations")
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ("done_on", "pk")


@admin.register(Pipeline)
class PipelineAdmin(admin.ModelAdmin):
    list_display = ("person", "organization", "stage", "status", "applied_on", "next_step", "next_due_on")
    list_filter = ("stage", "status")
    search_fields = ("person__name", "person__name_pinyin", "organization__name")
    list_select_related = ("person", "organization")
    readonly_fields = [f.name for f in Pipeline._meta.fields]
    inlines = [StepRecordInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return permissions.scope_filter(super().get_queryset(request), request.user, Capability.MANAGE_RECRUITMENT,
                                        prefix="organization__")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_active and request.user.is_staff and permissions.has_capability_anywhere(
            request.user, Capability.MANAGE_RECRUITMENT)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self.has_view_permission(request)


@admin.register(WorkdayOverride)
class WorkdayOverrideAdmin(admin.ModelAdmin):
    list_display = ("day", "is_workday", "note")
    list_filter = ("is_workday",)
    date_hierarchy = "day"

"""Django admin of the pipeline: scoped and read-only for the records (they are written through
recruitment.services, which runs the checks); the working-day overrides are edited here."""

from __future__ import annotations

from django.contrib import admin

from branches.admin import ReadOnlyScopedAdmin
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
class PipelineAdmin(ReadOnlyScopedAdmin):
    capability = Capability.MANAGE_RECRUITMENT
    list_display = ("person", "organization", "stage", "status", "applied_on", "next_step", "next_due_on")
    list_filter = ("stage", "status")
    search_fields = ("person__name", "person__name_pinyin", "organization__name")
    list_select_related = ("person", "organization")
    inlines = [StepRecordInline]


@admin.register(WorkdayOverride)
class WorkdayOverrideAdmin(admin.ModelAdmin):
    list_display = ("day", "is_workday", "note")
    list_filter = ("is_workday",)
    date_hierarchy = "day"

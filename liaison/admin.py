"""Django admin of the liaison work: read-only and scoped (records are written through liaison.services, which
runs the rules). A talk's private notes are not shown here: they belong to the liaison person and the unit's
committee only."""

from __future__ import annotations

from django.contrib import admin

from branches.admin import ReadOnlyScopedAdmin as BaseReadOnlyScopedAdmin
from branches.permissions import Capability

from .models import FollowUp, LiaisonPair, Review, TalentProfile, Talk


class ReadOnlyScopedAdmin(BaseReadOnlyScopedAdmin):
    """Viewable by staff who review liaisons somewhere, limited to their scope; nothing is changed here."""

    capability = Capability.REVIEW_LIAISONS


@admin.register(TalentProfile)
class TalentProfileAdmin(ReadOnlyScopedAdmin):
    list_display = ("person", "organization", "research_field", "programmes", "added_on", "removed_on")
    search_fields = ("person__name", "person__name_pinyin", "research_field")
    list_select_related = ("person", "organization")


@admin.register(LiaisonPair)
class LiaisonPairAdmin(ReadOnlyScopedAdmin):
    list_display = ("liaison", "talent", "kind", "organization", "started_on", "ended_on", "last_talk_on")
    list_filter = ("kind",)
    search_fields = ("liaison__name", "talent__person__name")
    list_select_related = ("liaison", "talent__person", "organization")


@admin.register(Talk)
class TalkAdmin(ReadOnlyScopedAdmin):
    scope_prefix = "pair__organization__"
    list_display = ("pair", "held_on", "form")
    list_select_related = ("pair__liaison", "pair__talent__person")
    exclude = ("private_notes",)


@admin.register(FollowUp)
class FollowUpAdmin(ReadOnlyScopedAdmin):
    scope_prefix = "talk__pair__organization__"
    list_display = ("text", "owner", "due_on", "is_request", "status", "done_on")
    list_filter = ("status", "is_request")


@admin.register(Review)
class ReviewAdmin(ReadOnlyScopedAdmin):
    list_display = ("organization", "reviewed_on", "recorded_by")
    list_select_related = ("organization", "recorded_by")

"""Django admin for organizations and roles, scoped through the permission module.

Organizations are created, moved and closed in the portal (where the tree rules are checked); here the
descriptive fields can be corrected. Nothing is deleted: organizations are closed and roles ended, so the
history stays. Saves go through the same services as the portal."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import permissions, services
from .models import CommitteeSeat, Notification, Organization, Role, RuleSet
from .permissions import Capability
from .tasks import refresh_compliance_summaries_task


class ScopedAdminMixin:
    """Only rows under organizations the user administers; change needs ADMINISTER on the organization."""

    org_prefix = ""

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        return permissions.scope_filter(qs, request.user, Capability.ADMINISTER, prefix=self.org_prefix)

    def _org(self, obj):
        return obj if isinstance(obj, Organization) else obj.organization

    def has_view_permission(self, request, obj=None):
        if obj is None:
            return permissions.has_capability_anywhere(request.user, Capability.ADMINISTER)
        return permissions.has_capability(request.user, self._org(obj), Capability.ADMINISTER)

    def has_change_permission(self, request, obj=None):
        return self.has_view_permission(request, obj)

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_staff and self.has_view_permission(request)

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyScopedAdmin(admin.ModelAdmin):
    """Records that only the services write (they run the rules): staff holding `capability` somewhere may view
    the rows within their scope for it, and change nothing. `exclude` hides fields (e.g. private notes)."""

    capability: str = Capability.ADMINISTER
    scope_prefix = "organization__"

    def get_queryset(self, request):
        return permissions.scope_filter(super().get_queryset(request), request.user, self.capability,
                                        prefix=self.scope_prefix)

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields if f.name not in (self.exclude or ())]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_staff and permissions.has_capability_anywhere(
            request.user, self.capability)

    def has_module_permission(self, request):
        return self.has_view_permission(request)


@admin.register(Organization)
class OrganizationAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["short_name", "org_type", "code", "depth", "term_ends_on", "closed_on"]
    list_filter = ["org_type", "has_committee", ("closed_on", admin.EmptyFieldListFilter)]
    search_fields = ["name", "short_name", "code"]
    ordering = ["path"]
    readonly_fields = ["path", "depth", "numchild", "org_type", "closed_on", "closed_reason", "created_at",
                       "updated_at"]
    fieldsets = [
        (None, {"fields": ["name", "short_name", "code", "org_type", "founded_on", "unit_name", "unit_relation"]}),
        (_("班子与任期"), {"fields": ["has_committee", "term_started_on", "term_ends_on", "secretary_name",
                                    "contact_name", "contact_phone"]}),
        (_("树与状态"), {"fields": ["path", "depth", "numchild", "closed_on", "closed_reason", "created_at",
                                  "updated_at"]}),
    ]

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.closed_on is not None:
            return False  # closed organizations are kept as they were
        return super().has_change_permission(request, obj)

    def has_add_permission(self, request):
        return False  # organizations are placed in the tree from the portal's 设立下级组织 page

    def save_model(self, request, obj, form, change):
        data = {name: form.cleaned_data[name] for name in form.changed_data if name in services.ORGANIZATION_FIELDS}
        services.organization_update(actor=request.user, organization=obj, data=data)


class RoleChangeForm(forms.ModelForm):
    class Meta:
        model = Role
        fields = ["ends_on"]

    def clean_ends_on(self):
        ends_on = self.cleaned_data.get("ends_on")
        if ends_on is None:
            raise ValidationError(_("请填写结束日期；职务只能结束，不能删除。"))
        if self.instance.ends_on is not None and self.instance.ends_on < timezone.localdate():
            raise ValidationError(_("该职务已经结束。"))
        if ends_on < self.instance.starts_on:
            raise ValidationError(_("结束日期不能早于开始日期。"))
        return ends_on


@admin.register(Role)
class RoleAdmin(ScopedAdminMixin, admin.ModelAdmin):
    org_prefix = "organization__"
    form = RoleChangeForm
    list_display = ["user", "organization", "kind", "starts_on", "ends_on"]
    list_filter = ["kind"]
    search_fields = ["user__username", "user__first_name", "organization__name", "organization__short_name"]
    list_select_related = ["user", "organization"]
    readonly_fields = ["user", "organization", "kind", "starts_on", "note", "created_at", "updated_at"]
    fields = ["user", "organization", "kind", "starts_on", "ends_on", "note", "created_at", "updated_at"]

    def has_add_permission(self, request):
        return False  # roles are granted on the portal's 授予职务 page, which checks what may be granted

    def save_model(self, request, obj, form, change):
        services.role_end(actor=request.user, role=obj, ends_on=form.cleaned_data["ends_on"])


class CommitteeSeatChangeForm(forms.ModelForm):
    """Seats are added on the organization page (where the membership rules are checked); here they can
    only be ended, through services.seat_end."""

    class Meta:
        model = CommitteeSeat
        fields = ["ends_on"]

    def clean_ends_on(self):
        ends_on = self.cleaned_data.get("ends_on")
        if ends_on is None:
            raise ValidationError(_("请填写离任日期；委员只能离任，不能删除。"))
        if ends_on > timezone.localdate():
            raise ValidationError(_("离任日期不能晚于今天：请在离任后登记。"))
        if ends_on < self.instance.starts_on:
            raise ValidationError(_("离任日期不能早于任职日期。"))
        return ends_on


@admin.register(CommitteeSeat)
class CommitteeSeatAdmin(ScopedAdminMixin, admin.ModelAdmin):
    org_prefix = "organization__"
    form = CommitteeSeatChangeForm
    list_display = ["person", "organization", "position", "starts_on", "ends_on"]
    list_filter = ["position", ("ends_on", admin.EmptyFieldListFilter)]
    search_fields = ["person__name", "organization__name", "organization__short_name"]
    list_select_related = ["person", "organization"]
    readonly_fields = ["person", "organization", "position", "starts_on", "note", "created_at", "updated_at"]
    fields = ["person", "organization", "position", "starts_on", "ends_on", "note", "created_at", "updated_at"]

    def has_add_permission(self, request):
        return False  # seats are added on the organization page, which checks who may sit

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.ends_on is not None:
            return False  # an ended seat is history
        return super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        services.seat_end(actor=request.user, seat=obj, ends_on=form.cleaned_data["ends_on"])


class RuleSetForm(forms.ModelForm):
    """Parameters are checked by the same validator the compliance code relies on (clear Chinese errors)."""

    class Meta:
        model = RuleSet
        fields = ["domain", "name", "effective_from", "effective_to", "org_types", "parameters", "source"]

    def clean_org_types(self):
        from .meetings.rules import validate_org_types

        value = self.cleaned_data.get("org_types") or []
        validate_org_types(value)
        return value

    def clean(self):
        from .meetings.rules import validate_parameters

        cleaned = super().clean()
        starts, ends = cleaned.get("effective_from"), cleaned.get("effective_to")
        if starts and ends and ends < starts:
            self.add_error("effective_to", _("失效日期不能早于生效日期。"))
        if "parameters" in cleaned and cleaned.get("domain"):
            try:
                validate_parameters(cleaned["parameters"], domain=cleaned["domain"])
            except ValidationError as exc:
                self.add_error("parameters", exc)
        return cleaned


@admin.register(RuleSet)
class RuleSetAdmin(admin.ModelAdmin):
    """Rule sets are edited by system administrators; a revision of the rules is a new row with a later
    effective date (the latest one in force wins), so history stays."""

    form = RuleSetForm
    list_display = ["name", "domain", "effective_from", "effective_to"]
    list_filter = ["domain"]
    search_fields = ["name", "source"]

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    has_add_permission = has_module_permission

    def save_model(self, request, obj, form, change):
        from .audit import acting

        with acting(request.user):
            obj.full_clean()
            super().save_model(request, obj, form, change)
        transaction.on_commit(refresh_compliance_summaries_task.delay)  # the requirements may have changed

    def has_change_permission(self, request, obj=None):
        return self.has_view_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False


class NotificationReadFilter(admin.SimpleListFilter):
    title = _("阅读状态")
    parameter_name = "read"

    def lookups(self, request, model_admin):
        return [("no", _("未读")), ("yes", _("已读"))]

    def queryset(self, request, queryset):
        if self.value() in ("no", "yes"):
            return queryset.filter(read_at__isnull=self.value() == "no")
        return queryset


@admin.register(Notification)
class NotificationAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """Read-only: reminders are computed every morning (branches.reminders); here an administrator checks who
    was reminded of what, and whether it was read or e-mailed."""

    org_prefix = "organization__"
    list_display = ["created_on", "user", "organization", "kind", "title", "read_at", "emailed_at"]
    list_filter = ["kind", NotificationReadFilter, "created_on", ("emailed_at", admin.EmptyFieldListFilter)]
    search_fields = ["title", "key", "user__username", "user__first_name", "organization__name",
                     "organization__short_name"]
    list_select_related = ["user", "organization"]
    date_hierarchy = "created_on"
    ordering = ["-created_on", "-id"]
    fields = ["user", "organization", "kind", "key", "title", "url", "created_on", "read_at", "emailed_at"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

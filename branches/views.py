"""HTML pages of the organization tree, roles, the audit log and the dashboards. Thin: parse input, ask
branches.permissions, call a selector or a service, render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods

from . import permissions, selectors, services
from .forms import (
    AuditFilterForm,
    OrganizationCloseForm,
    OrganizationForm,
    OrganizationMoveForm,
    PortalAuthenticationForm,
    RoleEndForm,
    RoleFilterForm,
    RoleGrantForm,
    SeatAddForm,
    SeatEndForm,
)
from .meetings import selectors as meeting_selectors
from .models import CommitteeSeat, Organization, Role
from .permissions import Capability

# Beyond this many organizations the tree page renders two levels and loads deeper ones on demand.
TREE_FULL_RENDER_LIMIT = 300
TREE_OPEN_TWO_LEVELS_LIMIT = 80


class PortalLoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    form_class = PortalAuthenticationForm
    redirect_authenticated_user = True


def _apply_errors(form: Form, exc: ValidationError, mapping: dict[str, str] | None = None) -> None:
    """Show a service's ValidationError on the form: field errors next to their field, the rest on top."""
    mapping = mapping or {}
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            target = mapping.get(name, name)
            form.add_error(target if target in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _flag(request: HttpRequest, name: str) -> bool:
    return request.GET.get(name) in ("1", "true", "on")


# ---- dashboards -------------------------------------------------------------------------------------------


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """Each user lands on the dashboard of their role: committee, branch, or their own record."""
    user = request.user
    if permissions.is_committee_user(user):
        data = selectors.committee_dashboard(user=user)
        chart = {
            "names": [n.org.short_name for n in data.chart],
            "full": [n.full for n in data.chart],
            "probationary": [n.probationary for n in data.chart],
            "urls": [reverse("branches:detail", args=[n.org.pk]) for n in data.chart],
        }
        return render(request, "dashboards/committee.html", {
            "nav_active": "dashboard", "d": data, "chart": chart,
            "notices_card": permissions.has_capability_anywhere(user, Capability.ISSUE_NOTICES),
            "flagged": data.flagged[:20],
            "chart_truncated": data.chart_total > len(data.chart),
        })
    if permissions.scope_for(user).any_roots:
        data = selectors.branch_dashboard(user=user, org_pk=request.GET.get("org"))
        if data is not None:
            return render(request, "dashboards/branch.html", {
                "nav_active": "dashboard", "d": data,
                "absent": meeting_selectors.absent_card(user=user, organization=data.org),
            })
    return render(request, "dashboards/member.html", {
        "nav_active": "dashboard", "d": selectors.member_dashboard(user=user),
    })


# ---- the tree ---------------------------------------------------------------------------------------------


@login_required
@require_GET
def tree(request: HttpRequest) -> HttpResponse:
    include_closed = _flag(request, "closed")
    only_warnings = _flag(request, "warnings")
    nodes = selectors.organization_tree(user=request.user, include_closed=include_closed)
    if only_warnings:
        rows = selectors.organizations_with_warnings(nodes)
        lazy = False
    else:
        lazy = len(nodes) > TREE_FULL_RENDER_LIMIT
        rows = [n for n in nodes if n.level <= 1] if lazy else nodes
    # Small trees open two levels (committee, its units, their branches); large ones only the top.
    open_levels = 2 if len(nodes) <= TREE_OPEN_TWO_LEVELS_LIMIT else 1
    return render(request, "branches/tree.html", {
        "nav_active": "orgs",
        "rows": rows,
        "lazy": lazy,
        "open_levels": open_levels,
        "total": len(nodes),
        "warning_total": sum(len(n.warnings) for n in nodes),
        "include_closed": include_closed,
        "only_warnings": only_warnings,
        "can_administer": permissions.has_capability_anywhere(request.user, Capability.ADMINISTER),
    })


@login_required
@require_GET
def children(request: HttpRequest, pk: int) -> HttpResponse:
    """htmx: the rows of an organization's direct children (with their subtree totals)."""
    include_closed = _flag(request, "closed")
    org = permissions.get_org_or_404(request.user, pk, None)
    nodes = selectors.organization_tree(user=request.user, include_closed=include_closed, root=org)
    rows = [n for n in nodes if n.level == 1]
    try:
        level = max(int(request.GET.get("level", 1)), 1)
    except ValueError:
        level = 1
    for row in rows:
        row.level = level
    return render(request, "branches/_tree_rows.html", {"rows": rows, "lazy": True, "open_levels": level,
                                                         "include_closed": include_closed})


@login_required
@require_GET
def search(request: HttpRequest) -> HttpResponse:
    """htmx: live search results by name, short name or code."""
    q = request.GET.get("q", "")
    results = selectors.organization_search(user=request.user, q=q, include_closed=_flag(request, "closed"))
    return render(request, "branches/_search_results.html", {"results": results, "q": q.strip()})


@login_required
@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    data = selectors.organization_detail(user=request.user, pk=pk)
    return render(request, "branches/detail.html", {"nav_active": "orgs", "d": data, "org": data.org})


@login_required
@require_http_methods(["GET", "POST"])
def create_child(request: HttpRequest, pk: int) -> HttpResponse:
    parent = permissions.get_org_or_404(request.user, pk, Capability.ADMINISTER)
    form = OrganizationForm(request.POST or None, parent=parent)
    if request.method == "POST" and form.is_valid():
        try:
            org = services.organization_create(actor=request.user, parent=parent, data=form.service_data())
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, gettext("已在“%(parent)s”下设立“%(org)s”。") % {"parent": parent, "org": org})
            return redirect("branches:detail", pk=org.pk)
    return render(request, "branches/org_form.html", {
        "nav_active": "orgs", "form": form, "parent": parent,
        "title": gettext("设立下级党组织"),
        "subtitle": gettext("上级党组织：%(parent)s") % {"parent": parent.name},
        "cancel_url": parent.pk,
    })


@login_required
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    org = permissions.get_org_or_404(request.user, pk, Capability.ADMINISTER)
    parent = Organization.objects.get_parent(org)
    form = OrganizationForm(request.POST or None, instance=org, parent=parent)
    if request.method == "POST" and form.is_valid():
        try:
            services.organization_update(actor=request.user, organization=org, data=form.service_data())
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, gettext("已保存“%(org)s”的信息。") % {"org": org})
            return redirect("branches:detail", pk=org.pk)
    return render(request, "branches/org_form.html", {
        "nav_active": "orgs", "form": form, "org": org,
        "title": gettext("编辑党组织"), "subtitle": org.name, "cancel_url": org.pk,
    })


@login_required
@require_http_methods(["GET", "POST"])
def move(request: HttpRequest, pk: int) -> HttpResponse:
    org = permissions.get_org_or_404(request.user, pk, Capability.ADMINISTER)
    targets = selectors.move_targets(user=request.user, org=org)
    form = OrganizationMoveForm(request.POST or None, targets=targets)
    if request.method == "POST" and form.is_valid():
        try:
            services.organization_move(actor=request.user, organization=org,
                                       new_parent=form.cleaned_data["new_parent"])
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, gettext("已将“%(org)s”移至“%(target)s”之下。")
                             % {"org": org, "target": form.cleaned_data["new_parent"]})
            return redirect("branches:detail", pk=org.pk)
    return render(request, "branches/org_action.html", {
        "nav_active": "orgs", "form": form, "org": org, "action": "move",
        "title": gettext("移动党组织"), "parent": Organization.objects.get_parent(org),
        "submit": gettext("确认移动"),
    })


@login_required
@require_http_methods(["GET", "POST"])
def close(request: HttpRequest, pk: int) -> HttpResponse:
    org = permissions.get_org_or_404(request.user, pk, Capability.ADMINISTER)
    form = OrganizationCloseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.organization_close(actor=request.user, organization=org,
                                        closed_on=form.cleaned_data["closed_on"],
                                        reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, gettext("“%(org)s”已撤销，历史记录保留。") % {"org": org})
            return redirect("branches:detail", pk=org.pk)
    return render(request, "branches/org_action.html", {
        "nav_active": "orgs", "form": form, "org": org, "action": "close",
        "title": gettext("撤销党组织"), "parent": Organization.objects.get_parent(org),
        "submit": gettext("确认撤销"),
    })


# ---- committee seats ----------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def seat_add(request: HttpRequest, pk: int) -> HttpResponse:
    """增补委员: pick a full member of the organization (a search narrows long lists), a position and a date."""
    org = permissions.get_org_or_404(request.user, pk, Capability.ADMINISTER)
    q = request.GET.get("q", "").strip()
    candidates = selectors.seat_candidates(organization=org, q=q)
    form = SeatAddForm(request.POST or None, organization=org, candidates=candidates)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            seat = services.seat_add(actor=request.user, organization=org, person=data["person"],
                                     position=data["position"], starts_on=data["starts_on"], note=data["note"])
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, gettext("已登记 %(name)s 为“%(org)s”%(position)s。")
                             % {"name": seat.person.name, "org": org, "position": seat.get_position_display()})
            return redirect(f"{reverse('branches:detail', args=[org.pk])}#committee")
    return render(request, "branches/seat_add.html", {
        "nav_active": "orgs", "form": form, "org": org, "q": q, "candidates": candidates,
        "limited": len(candidates) >= selectors.SEAT_CANDIDATE_LIMIT,
    })


@login_required
@require_http_methods(["GET", "POST"])
def seat_end(request: HttpRequest, pk: int, seat_pk: int) -> HttpResponse:
    org = permissions.get_org_or_404(request.user, pk, Capability.ADMINISTER)
    seat = CommitteeSeat.objects.select_related("person").filter(pk=seat_pk, organization=org).first()
    if seat is None:
        raise Http404
    form = SeatEndForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.seat_end(actor=request.user, seat=seat, ends_on=form.cleaned_data["ends_on"],
                              note=form.cleaned_data["note"])
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, gettext("已登记 %(name)s 离任%(position)s。")
                             % {"name": seat.person.name, "position": seat.get_position_display()})
            return redirect(f"{reverse('branches:detail', args=[org.pk])}#committee")
    return render(request, "branches/seat_end.html", {"nav_active": "orgs", "form": form, "org": org,
                                                      "seat": seat})


# ---- roles ------------------------------------------------------------------------------------------------


def _require_administer_somewhere(request: HttpRequest) -> None:
    if not permissions.can_administer_users(request.user):
        raise PermissionDenied(gettext("只有组织部工作人员和系统管理员可以管理职务。"))


@login_required
@require_GET
def roles(request: HttpRequest) -> HttpResponse:
    _require_administer_somewhere(request)
    form = RoleFilterForm(request.GET or None)
    filters: dict[str, Any] = {}
    if form.is_valid():
        active = form.cleaned_data["active"]
        filters = {
            "org_q": form.cleaned_data["org"].strip(),
            "kind": form.cleaned_data["kind"] or None,
            "active": {"1": True, "0": False}.get(active),
            "q": form.cleaned_data["q"].strip(),
        }
    qs = selectors.role_list(user=request.user, **filters)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "branches/roles.html", {
        "nav_active": "roles", "form": form, "page": page, "query": query.urlencode(),
        "today": timezone.localdate(),
    })


@login_required
@require_http_methods(["GET", "POST"])
def role_grant(request: HttpRequest) -> HttpResponse:
    _require_administer_somewhere(request)
    orgs = selectors.administered_organizations(user=request.user)
    initial = {}
    if request.GET.get("organization"):
        initial["organization"] = request.GET["organization"]
    form = RoleGrantForm(request.POST or None, initial=initial, organizations=orgs,
                         kinds=services.grantable_kinds(request.user))
    form.fields["username"].widget.attrs.update({
        "hx-get": reverse("branches:user_candidates"), "hx-trigger": "input changed delay:300ms",
        "hx-target": "#user-candidates",
    })
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                if data["account"] == RoleGrantForm.NEW:
                    user = services.user_create(actor=request.user, username=data["username"],
                                                full_name=data["full_name"], password=data["password"])
                else:
                    user = get_user_model().objects.filter(username=data["username"].strip()).first()
                    if user is None:
                        raise ValidationError({"username": gettext("找不到用户名为“%(name)s”的账号；如需新建，请选择“新建账号”。")
                                                           % {"name": data["username"].strip()}})
                role = services.role_grant(actor=request.user, user=user, organization=data["organization"],
                                           kind=data["kind"], starts_on=data["starts_on"],
                                           ends_on=data["ends_on"], note=data["note"])
        except ValidationError as exc:
            _apply_errors(form, exc, {"user": "username"})
        else:
            messages.success(request, gettext("已授予 %(user)s “%(org)s · %(kind)s”。")
                             % {"user": user.get_full_name() or user.get_username(), "org": role.organization,
                                "kind": role.get_kind_display()})
            return redirect("branches:roles")
    return render(request, "branches/role_grant.html", {"nav_active": "roles", "form": form})


@login_required
@require_GET
def user_candidates(request: HttpRequest) -> HttpResponse:
    """htmx: <option>s for the username box of the grant form."""
    _require_administer_somewhere(request)
    users = selectors.user_candidates(user=request.user, q=request.GET.get("username", ""))
    return render(request, "branches/_user_options.html", {"users": users})


@login_required
@require_http_methods(["GET", "POST"])
def role_end(request: HttpRequest, pk: int) -> HttpResponse:
    role = permissions.get_scoped_or_404(Role.objects.select_related("user"), request.user,
                                         Capability.ADMINISTER, pk=pk)
    form = RoleEndForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.role_end(actor=request.user, role=role, ends_on=form.cleaned_data["ends_on"])
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, gettext("已结束 %(role)s。") % {"role": role})
            return redirect("branches:roles")
    return render(request, "branches/role_end.html", {"nav_active": "roles", "form": form, "role": role})


# ---- audit log ----------------------------------------------------------------------------------------------


@login_required
@require_GET
def audit(request: HttpRequest) -> HttpResponse:
    if not request.user.is_superuser:
        raise PermissionDenied(gettext("只有系统管理员可以查看审计日志。"))
    form = AuditFilterForm(request.GET or None, content_types=selectors.audit_content_types())
    filters: dict[str, Any] = {}
    if form.is_valid():
        filters = {k: v for k, v in form.cleaned_data.items() if v not in (None, "")}
    qs = selectors.audit_search(user=request.user, **filters)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    selectors.describe_changes(page.object_list)
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "branches/audit.html", {
        "nav_active": "audit", "form": form, "page": page, "query": query.urlencode(),
    })

"""Pages of the development pipeline at the branch: the board, registering an application, a person's record
(全程纪实), recording a step, stopping a pipeline, and the step attachments. Thin: the permission module and
the selectors read, the services write and explain every refusal."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from branches import permissions
from branches.models import MeetingType, Organization
from branches.permissions import Capability

from . import selectors, services
from .forms import SUPPORTER_STEPS, ApplicationForm, BoardFilterForm, StepForm, StopForm
from .models import PipelineStatus, Stage
from .rules import rules_for

C = Capability


def _can_view_anywhere(user) -> bool:
    return any(permissions.has_capability_anywhere(user, cap) for cap in selectors.VIEW_CAPABILITIES)


def _org_from_query(user, value: str) -> Organization:
    """?org=: 404 for an unknown organization or one outside the user's scope, 403 without a capability to
    view pipelines there."""
    org = Organization.objects.filter(pk=value).first() if str(value).isdigit() else None
    if org is None or not permissions.in_scope(user, org):
        raise Http404
    if not selectors.can_view(user, org):
        raise PermissionDenied(_("您没有查看发展党员工作的权限。"))
    return org


@login_required
def board(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not _can_view_anywhere(user):
        raise PermissionDenied(_("您没有查看发展党员工作的权限。"))
    org = _org_from_query(user, request.GET["org"]) if request.GET.get("org") else None
    form = BoardFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    status = request.GET.get("status") if request.GET.get("status") in PipelineStatus.values \
        else PipelineStatus.ACTIVE
    cards, more = selectors.pipeline_board(
        user=user, organization=org, stage=filters.get("stage") or "", overdue=bool(filters.get("overdue")),
        q=(filters.get("q") or "").strip(), status=status)
    columns = []
    for stage in Stage:
        stage_cards = [c for c in cards if c.pipeline.stage == stage]
        if stage_cards or stage != Stage.FULL:
            columns.append({"stage": stage.value, "label": stage.label, "cards": stage_cards})
    query = request.GET.copy()
    return render(request, "recruitment/board.html", {
        "nav_active": "recruitment", "form": form, "org": org, "columns": columns, "count": len(cards),
        "more": more, "branches": list(selectors.viewable_branches(user=user)[:300]), "status": status,
        "statuses": PipelineStatus.choices, "today": timezone.localdate(), "query": query.urlencode(),
        "can_open": permissions.has_capability_anywhere(user, C.MANAGE_RECRUITMENT),
    })


@login_required
def create(request: HttpRequest) -> HttpResponse:
    """登记入党申请: pick the branch (when the user manages several), then the person."""
    user = request.user
    if not permissions.has_capability_anywhere(user, C.MANAGE_RECRUITMENT):
        raise PermissionDenied(_("您没有发展党员管理的权限。"))
    branches = list(selectors.recruiting_branches(user=user)[:300])
    org_pk = request.GET.get("org") or (branches[0].pk if len(branches) == 1 else None)
    org = permissions.get_org_or_404(user, org_pk, C.MANAGE_RECRUITMENT) if org_pk else None
    if org is not None and not org.is_branch:
        raise Http404
    if org is None:
        return render(request, "recruitment/new.html", {"nav_active": "recruitment", "branches": branches})
    people = selectors.application_people(organization=org)
    errors: list[str] = []
    if request.method == "POST":
        form = ApplicationForm(request.POST, request.FILES, people=people)
        if form.is_valid():
            data = form.cleaned_data
            try:
                pipeline = services.pipeline_open(actor=user, person=data["person"], applied_on=data["applied_on"],
                                                  organization=org, conclusion=data["conclusion"],
                                                  files=data["attachments"])
            except ValidationError as exc:
                errors = exc.messages
            else:
                messages.success(request, _("已登记%(name)s的入党申请。") % {"name": pipeline.person.name})
                return redirect("recruitment:detail", pk=pipeline.pk)
    else:
        form = ApplicationForm(people=people, initial={"applied_on": timezone.localdate(),
                                                       "person": request.GET.get("person")})
    return render(request, "recruitment/new.html", {
        "nav_active": "recruitment", "org": org, "form": form, "errors": errors, "branches": branches,
        "can_add_person": permissions.has_capability(user, org, C.EDIT_PEOPLE),
    })


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    pipeline = selectors.pipeline_get(user=user, pk=pk)
    timeline = selectors.pipeline_timeline(pipeline=pipeline)
    allowed = {"committee": services.can_record(user, pipeline, "committee"),
               "branch": services.can_record(user, pipeline, "branch")}
    items = []
    for item in timeline.items:
        may = allowed["committee" if item.step.actor == "committee" else "branch"]
        items.append({
            "item": item, "step": item.step, "stage_label": _stage_label(item.step.stage), "can_record": item.recordable and may,
            "waits_for_committee": item.recordable and item.step.actor == "committee" and not may,
            "records": [{"r": r, "details": selectors.detail_pairs(r),
                         "supporters": (r.details or {}).get("supporters", [])} for r in item.records],
        })
    return render(request, "recruitment/detail.html", {
        "nav_active": "recruitment", "pipeline": pipeline, "person": pipeline.person, "timeline": timeline,
        "items": items, "today": timezone.localdate(),
        "can_manage": allowed["branch"],
        "can_stop": allowed["branch"] and pipeline.is_active and pipeline.stage not in (Stage.PROBATIONARY,
                                                                                         Stage.FULL),
        "can_export": permissions.has_capability(user, pipeline.organization, C.EXPORT),
    })


def _stage_label(stage: str) -> str:
    label = Stage(stage).label if stage in Stage.values else stage
    return _("%(stage)s阶段") % {"stage": label}


@login_required
def step_record(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    user = request.user
    pipeline = selectors.pipeline_get(user=user, pk=pk)
    today = timezone.localdate()
    try:
        rules = rules_for(organization=pipeline.organization, on=today)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect("recruitment:detail", pk=pipeline.pk)
    step = rules.by_code.get(code)
    if step is None or code == "application":
        raise Http404
    services.check_actor(user, pipeline, step)
    org = pipeline.organization
    votes = selectors.candidate_votes(pipeline=pipeline) if step.vote else None
    kwargs = {
        "step": step, "rules": rules, "votes": votes,
        "members": selectors.branch_full_members(organization=org) if code in SUPPORTER_STEPS else None,
        "meetings": selectors.committee_meetings(organization=org) if step.meeting_type == "committee" else None,
        "groups": selectors.party_groups(organization=org) if code == "assign_group" else None,
    }
    errors: list[str] = []
    if request.method == "POST":
        form = StepForm(request.POST, request.FILES, **kwargs)
        if form.is_valid():
            try:
                record = services.step_record(actor=user, pipeline=pipeline, data=form.step_input(),
                                              files=form.cleaned_data["attachments"])
            except ValidationError as exc:
                errors = exc.messages
            else:
                messages.success(request, _("已记录“%(step)s”。") % {"step": step.label})
                for violation in record.violations:
                    messages.warning(request, violation)
                return redirect(reverse("recruitment:detail", args=[pipeline.pk]) + f"#step-{code}")
        else:
            errors = [e for errs in form.errors.values() for e in errs]
    else:
        form = StepForm(initial={"done_on": today}, **kwargs)
    timeline = selectors.pipeline_timeline(pipeline=pipeline, today=today)
    item = next((i for i in timeline.items if i.step.code == code), None)
    return render(request, "recruitment/step_form.html", {
        "nav_active": "recruitment", "pipeline": pipeline, "person": pipeline.person, "step": step,
        "form": form, "errors": errors, "item": item, "today": today,
        "records": [{"r": r, "details": selectors.detail_pairs(r),
                     "supporters": (r.details or {}).get("supporters", [])} for r in (item.records if item else [])],
        "rules_days": rules.n("training_min_days"), "rules_hours": rules.n("training_min_hours"),
        "no_votes": step.vote and not votes.exists(),
        "meeting_url": reverse("meetings:create") + "?" + urlencode({
            "organization": org.pk, "type": MeetingType.GENERAL_ASSEMBLY, "candidate": pipeline.person_id,
            "subject": _vote_subject(step, pipeline.person.name),
            "next": reverse("recruitment:step", args=[pipeline.pk, code])}),
    })


def _vote_subject(step: Any, name: str) -> str:
    if step.code == "conversion_vote":
        return _("讨论%(name)s同志预备党员转正") % {"name": name}
    return _("讨论接收%(name)s同志为预备党员") % {"name": name}


@login_required
def stop(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    pipeline = selectors.pipeline_get(user=user, pk=pk)
    permissions.check(user, pipeline.organization, C.MANAGE_RECRUITMENT)
    errors: list[str] = []
    if request.method == "POST":
        form = StopForm(request.POST)
        if form.is_valid():
            try:
                services.pipeline_stop(actor=user, pipeline=pipeline, on=form.cleaned_data["ended_on"],
                                       reason=form.cleaned_data["reason"])
            except ValidationError as exc:
                errors = exc.messages
            else:
                messages.success(request, _("已终止%(name)s的发展党员纪实。") % {"name": pipeline.person.name})
                return redirect("recruitment:detail", pk=pipeline.pk)
        else:
            errors = [e for errs in form.errors.values() for e in errs]
    else:
        form = StopForm(initial={"ended_on": timezone.localdate()})
    return render(request, "recruitment/stop.html", {
        "nav_active": "recruitment", "pipeline": pipeline, "person": pipeline.person, "form": form,
        "errors": errors,
    })


@login_required
def attachment(request: HttpRequest, pk: int) -> HttpResponse:
    att = selectors.attachment_get(user=request.user, pk=pk)
    inline = att.content_type.startswith("image/") or att.content_type == "application/pdf"
    return FileResponse(att.file.open("rb"), as_attachment=not inline, filename=att.original_name,
                        content_type=att.content_type)

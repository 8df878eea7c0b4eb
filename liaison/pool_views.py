"""Pages of the pool of non-party talent (党外人才信息库): the list with its filters, adding a person, an entry
with its pipeline and pair history, editing and removing it, and starting a pair. Thin: the permission module
and the selectors read, liaison.services writes and explains every refusal."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from branches import permissions
from branches.models import Organization, OrgType
from members.selectors import org_choices
from recruitment.models import Stage
from recruitment.selectors import can_view as can_view_pipeline

from . import rules as rulesmod
from . import selectors, services
from .models import PairKind, TalentProfile
from .pool_forms import PairForm, ProfileForm, ProfileNewForm, RemoveForm

CAP = selectors.CAP
PAGE_SIZE = 50
MAX_UNIT_OPTIONS = 300  # beyond that the unit filter offers committees and general branches only
FLAGS = (
    ("high_knowledge", gettext_lazy("仅高知")),
    ("uncovered", gettext_lazy("无联系人的高知")),
    ("applied", gettext_lazy("已申请入党")),
    ("democratic", gettext_lazy("民主党派")),
    ("abroad", gettext_lazy("留学归国")),
)


def _stage_label(stage: str | None) -> str:
    return Stage(stage).label if stage in Stage.values else ""


def _unit_name(org: Organization) -> str:
    return org.short_name or org.name


@permissions.capability_required(CAP)
def pool(request: HttpRequest) -> HttpResponse:
    user = request.user
    params = request.GET.copy()
    params.pop("page", None)
    rules = rulesmod.current()
    page = Paginator(selectors.pool(user=user, params=params), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = []
    for entry in page.object_list:
        person = entry.person
        high = selectors.is_high_knowledge(entry, rules)
        rows.append({
            "entry": entry, "person": person, "high": high, "uncovered": high and not entry.pair_count,
            "education": " ".join(x for x in (person.get_education_display(), person.get_degree_display()) if x),
            "stage": _stage_label(entry.stage),
            "party": person.get_political_status_display()
            if person.political_status in selectors.DEMOCRATIC_PARTIES else "",
        })
    querystring = params.urlencode()
    filter_keys = ("q", "unit", *(key for key, _label in FLAGS))
    return render(request, "liaison/pool/list.html", {
        "nav_active": "liaison", "page": page, "rows": rows, "params": params,
        "flags": [(key, label, bool(params.get(key))) for key, label in FLAGS],
        "units": org_choices(user=user, capability=CAP, max_options=MAX_UNIT_OPTIONS, keep=params.get("unit")),
        "query": querystring,
        "filtered": any(params.get(key) for key in filter_keys),
    })


def _unit_or_404(user: Any, pk: Any) -> Organization:
    org = permissions.get_org_or_404(user, pk, CAP)
    if org.org_type == OrgType.PARTY_GROUP or org.closed_on is not None:
        raise Http404
    return org


@permissions.capability_required(CAP)
def profile_new(request: HttpRequest) -> HttpResponse:
    """录入人员: the unit, a search for the person (non-party, in no pool yet), and the entry's facts."""
    user = request.user
    data = request.POST if request.method == "POST" else request.GET
    choices = org_choices(user=user, capability=CAP, max_options=MAX_UNIT_OPTIONS, keep=data.get("unit"))
    unit_pk = data.get("unit") or (choices[0][0] if choices else None)
    if unit_pk is None:
        raise PermissionDenied(_("您没有可以维护党外人才信息库的党组织。"))
    unit = _unit_or_404(user, unit_pk)
    q = (request.GET.get("q") or "").strip()[:50]
    people = selectors.pool_person_scope(user=user)
    errors: list[str] = []
    if request.method == "POST":
        form = ProfileNewForm(request.POST, people=people)
        if form.is_valid():
            person = form.cleaned_data["person"]
            try:
                entry = services.profile_save(actor=user, person=person, organization=unit,
                                              data=form.service_data())
            except ValidationError as exc:
                errors = exc.messages
            else:
                messages.success(request, _("已将%(name)s录入%(org)s的党外人才信息库。")
                                 % {"name": person.name, "org": _unit_name(unit)})
                return redirect("liaison:profile", pk=entry.pk)
        else:
            errors = [e for errs in form.errors.values() for e in errs]
        selected = str(request.POST.get("person") or "")
    else:
        selected = str(request.GET.get("person") or "")
        form = ProfileNewForm(people=people, initial={"person": selected or None})
    candidates = selectors.pool_person_candidates(organization=unit, q=q)
    if selected.isdigit() and all(str(p.pk) != selected for p in candidates):
        chosen = people.filter(pk=selected).first()
        if chosen is not None:
            candidates.insert(0, chosen)
    return render(request, "liaison/pool/profile_new.html", {
        "nav_active": "liaison", "form": form, "errors": errors, "unit": unit, "q": q,
        "units": choices, "candidates": candidates, "selected": selected,
    })


@login_required
def profile(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    entry = selectors.profile_get(user=user, pk=pk)
    person = entry.person
    pipeline = selectors.profile_pipeline(profile=entry)
    return render(request, "liaison/pool/profile.html", {
        "nav_active": "liaison", "entry": entry, "person": person,
        "high": selectors.is_high_knowledge(entry, rulesmod.current()),
        "education": " ".join(x for x in (person.get_education_display(), person.get_degree_display()) if x),
        "pipeline": pipeline, "stage": _stage_label(pipeline.stage) if pipeline else "",
        "can_view_pipeline": pipeline is not None and can_view_pipeline(user, pipeline.organization),
        "pairs": list(selectors.profile_pairs(profile=entry)),
    })


def _open_entry(user: Any, pk: int) -> TalentProfile:
    entry = selectors.profile_get(user=user, pk=pk)
    if entry.removed_on is not None:
        raise Http404
    return entry


@login_required
def profile_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    entry = _open_entry(user, pk)
    errors: list[str] = []
    if request.method == "POST":
        form = ProfileForm(request.POST)
        if form.is_valid():
            try:
                services.profile_save(actor=user, person=entry.person, organization=entry.organization,
                                      data=form.service_data(), profile=entry)
            except ValidationError as exc:
                errors = exc.messages
            else:
                messages.success(request, _("已保存%(name)s的信息。") % {"name": entry.person.name})
                return redirect("liaison:profile", pk=entry.pk)
        else:
            errors = [e for errs in form.errors.values() for e in errs]
    else:
        form = ProfileForm(instance=entry)
    return render(request, "liaison/pool/profile_edit.html", {
        "nav_active": "liaison", "entry": entry, "person": entry.person, "form": form, "errors": errors,
    })


@login_required
def profile_remove(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    entry = _open_entry(user, pk)
    errors: list[str] = []
    if request.method == "POST":
        form = RemoveForm(request.POST)
        if form.is_valid():
            try:
                services.profile_remove(actor=user, profile=entry, on=form.cleaned_data["removed_on"],
                                        reason=form.cleaned_data["reason"])
            except ValidationError as exc:
                errors = exc.messages
            else:
                messages.success(request, _("已将%(name)s移出信息库。") % {"name": entry.person.name})
                return redirect("liaison:profile", pk=entry.pk)
        else:
            errors = [e for errs in form.errors.values() for e in errs]
    else:
        form = RemoveForm(initial={"removed_on": timezone.localdate()})
    return render(request, "liaison/pool/profile_remove.html", {
        "nav_active": "liaison", "entry": entry, "person": entry.person, "form": form, "errors": errors,
        "open_pairs": entry.pairs.filter(ended_on__isnull=True).count(),
    })


@login_required
def pair_new(request: HttpRequest, pk: int) -> HttpResponse:
    """Start a pair with a pool entry: a 党内联系人 from the unit's committees, or a full member for 结对."""
    user = request.user
    entry = _open_entry(user, pk)
    unit = entry.organization
    today = timezone.localdate()
    data = request.POST if request.method == "POST" else request.GET
    kind = data.get("kind") if data.get("kind") in PairKind.values else PairKind.LIAISON
    q = (request.GET.get("q") or "").strip()[:50]
    people = selectors.pool_person_scope(user=user)
    errors: list[str] = []
    if request.method == "POST":
        form = PairForm(request.POST, people=people)
        if form.is_valid():
            cleaned = form.cleaned_data
            liaison, started_on = cleaned["liaison"], cleaned["started_on"]
            role = cleaned["liaison_role"] or selectors.role_for(liaison, unit, started_on)
            try:
                services.pair_start(actor=user, organization=unit, kind=cleaned["kind"], liaison=liaison,
                                    liaison_role=role, talent=entry, started_on=started_on,
                                    measures=cleaned["measures"])
            except ValidationError as exc:
                errors = exc.messages
            else:
                messages.success(request, _("已安排%(liaison)s联系%(name)s。")
                                 % {"liaison": liaison.name, "name": entry.person.name})
                return redirect("liaison:profile", pk=entry.pk)
        else:
            errors = [e for errs in form.errors.values() for e in errs]
        selected = str(request.POST.get("liaison") or "")
    else:
        form = PairForm(people=people, initial={"kind": kind, "started_on": today})
        selected = str(request.GET.get("liaison") or "")
    if kind == PairKind.LIAISON:
        candidates = selectors.liaison_candidate_rows(organization=unit, on=today)
    else:
        candidates = [(p, p.organization.short_name or p.organization.name)
                      for p in selectors.pairing_candidates(organization=unit, q=q)]
    return render(request, "liaison/pool/pair_new.html", {
        "nav_active": "liaison", "entry": entry, "person": entry.person, "unit": unit, "form": form,
        "errors": errors, "kind": kind, "kinds": PairKind, "q": q, "candidates": candidates,
        "selected": selected,
    })

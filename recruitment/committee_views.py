"""The committee's pages of the development pipeline: counts per stage per branch, pipelines stuck past a time
limit, every recorded violation, the committee's own steps waiting, and the due list.

Committee-level users only (党委委员, 党委书记, 组织部, system administrator, with VIEW_PEOPLE or
MANAGE_RECRUITMENT): a branch's people get 403 here and use their branch's board. Rows come from
recruitment.selectors, scoped to the user; each page costs the same number of queries at any size."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_GET

from branches import permissions
from branches.permissions import Capability

from . import rules as rules_mod
from . import selectors
from .models import Stage

PAGE_SIZE = 25
ROSTER_STAGES = [Stage.APPLICANT, Stage.ACTIVIST, Stage.CANDIDATE, Stage.PROBATIONARY]


def _q(request: HttpRequest) -> str:
    return request.GET.get("q", "").strip()[:50]


def _common(request: HttpRequest, q: str) -> dict:
    return {
        "nav_active": "dashboard",
        "q": q,
        "filters_query": urlencode({"q": q} if q else {}),
        "query": urlencode({"q": q} if q else {}),
        "can_export": permissions.has_capability_anywhere(request.user, Capability.EXPORT),
        "can_record": selectors.can_record_committee_steps(request.user),
        "roster_stages": [(s.value, s.label) for s in ROSTER_STAGES],
    }


def _violation_rows(records) -> list[dict]:
    return [{"record": r, "label": selectors.step_label(r.step, rule_set=r.rule_set), "messages": r.violations}
            for r in records]


def _pending_rows(pipelines, on) -> list[dict]:
    loaded = rules_mod.rule_sets()
    return [{"pipeline": p, "label": selectors.step_label(p.next_step, pipeline=p, loaded=loaded, on=on),
             "overdue": bool(p.next_due_on and p.next_due_on < on)} for p in pipelines]


@login_required
@require_GET
def overview(request: HttpRequest) -> HttpResponse:
    user = request.user
    selectors.require_committee_viewer(user)
    today = timezone.localdate()
    q = _q(request)
    sort = request.GET.get("sort", "name")
    if sort.lstrip("-") not in selectors.OVERVIEW_SORTS:
        sort = "name"
    # The branches' stored summaries (recruitment.summaries), filtered, sorted and paged in SQL; one aggregate
    # over them gives the totals; the lists behind the problem counts are their own pages.
    found = selectors.stage_summaries(user=user, q=q, on=today)
    totals = selectors.stage_totals(found)
    paginator = Paginator(selectors.stage_rows(found, sort), PAGE_SIZE)
    paginator.count = totals["branches"]  # counted with the totals: no second COUNT
    page = paginator.get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    chart = {
        "names": [r["organization__short_name"] for r in page.object_list],
        "series": [{"name": str(Stage(s).label), "data": [r[s] for r in page.object_list]}
                   for s in ("applicant", "activist", "candidate", "probationary")],
    }
    context = _common(request, q)
    context.update({
        "page": page, "totals": totals, "sort": sort,
        "query": urlencode({**({"q": q} if q else {}), "sort": sort}),
        "chart": chart,
        "stage_cards": [(s, str(Stage(s).label), totals[s]) for s in ("applicant", "activist", "candidate",
                                                                       "probationary")],
        "today": today,
    })
    return render(request, "recruitment/committee_overview.html", context)


@login_required
@require_GET
def stuck(request: HttpRequest) -> HttpResponse:
    selectors.require_committee_viewer(request.user)
    today = timezone.localdate()
    q = _q(request)
    page = Paginator(selectors.stuck(user=request.user, on=today, q=q), PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = selectors.stuck_rows(page.object_list, on=today)
    return render(request, "recruitment/committee_stuck.html", {**_common(request, q), "page": page, "today": today})


@login_required
@require_GET
def violations(request: HttpRequest) -> HttpResponse:
    selectors.require_committee_viewer(request.user)
    q = _q(request)
    page = Paginator(selectors.violations(user=request.user, q=q), PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = _violation_rows(page.object_list)
    return render(request, "recruitment/committee_violations.html", {**_common(request, q), "page": page})


@login_required
@require_GET
def pending(request: HttpRequest) -> HttpResponse:
    """The committee's own steps waiting (预审, 谈话, 审批, 备案, 转正审批): for users who may record them."""
    selectors.require_committee_viewer(request.user)
    if not selectors.can_record_committee_steps(request.user):
        raise PermissionDenied(gettext("您没有记录上级党委发展党员步骤的权限。"))
    today = timezone.localdate()
    q = _q(request)
    page = Paginator(selectors.committee_pending(user=request.user, q=q), PAGE_SIZE).get_page(
        request.GET.get("page"))
    page.object_list = _pending_rows(page.object_list, today)
    return render(request, "recruitment/committee_pending.html",
                  {**_common(request, q), "page": page, "today": today})


@login_required
@require_GET
def due(request: HttpRequest) -> HttpResponse:
    """Talks and assessments due, probation ending, approvals beyond their limit, for every branch in scope."""
    selectors.require_committee_viewer(request.user)
    today = timezone.localdate()
    q = _q(request)
    kind = request.GET.get("kind", "")
    if kind not in selectors.DUE_KINDS:
        kind = ""
    items = selectors.due_items(user=request.user, on=today, kinds=[kind] if kind else None)
    if q:
        items = [i for i in items if q in i.pipeline.organization.name or q in i.pipeline.organization.short_name]
    filters = {k: v for k, v in (("q", q), ("kind", kind)) if v}
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "recruitment/committee_due.html", {
        **_common(request, q), "page": page, "today": today, "kind": kind,
        "kinds": [(k, str(v)) for k, v in selectors.DUE_KINDS.items()],
        "query": urlencode(filters), "filters_query": urlencode(filters),
        "overdue_count": sum(i.overdue for i in items),
    })

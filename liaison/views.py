"""Pages of the liaison person: 我的联系清单, the dashboard card, the pairs in review scope, a pair with its talks,
recording a talk, the cultivation measures, ending a pair and closing a follow-up. Thin: the selectors read
(scoped), the services write and explain every refusal."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from branches import permissions
from branches.permissions import Capability
from members.selectors import org_choices

from . import rules as rulesmod
from . import selectors, services
from .forms import FollowUpCloseForm, MeasuresForm, PairEndForm, PairFilterForm, TalkForm, errors_of
from .models import FollowUpStatus, LiaisonPair, PairKind
from .pool_views import MAX_UNIT_OPTIONS

CAP = Capability.REVIEW_LIAISONS
PAGE_SIZE = 50


def _ctx(**extra: Any) -> dict[str, Any]:
    return {"nav_active": "liaison", **extra}


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    """我的联系清单: the user's own open pairs with the next talk due, and their open follow-ups."""
    user = request.user
    today = timezone.localdate()
    loaded = rulesmod.rule_sets()
    rows = selectors.my_pairs(user=user, on=today, loaded=loaded)
    items: list[dict[str, Any]] = []
    follow_ups: list[Any] = []
    if rows:
        rules = rulesmod.current(today, loaded=loaded)
        items = [{"row": row, "pair": row.pair,
                  "high_knowledge": selectors.is_high_knowledge(row.pair.talent, rules)} for row in rows]
        follow_ups = list(selectors.my_follow_ups(user=user))
    return render(request, "liaison/mine.html", _ctx(
        items=items, follow_ups=follow_ups, today=today, has_person=getattr(user, "person", None) is not None,
        can_review=selectors.can_review_anywhere(user), close_form=FollowUpCloseForm(initial={"done_on": today}),
        overdue=sum(1 for r in rows if r.overdue), due_soon=sum(1 for r in rows if r.due_soon),
    ))


@login_required
def card(request: HttpRequest) -> HttpResponse:
    """The dashboard card (an htmx fragment): empty for users who keep no pairs."""
    rows = selectors.my_pairs(user=request.user)
    if not rows:
        return HttpResponse("")
    return HttpResponse(render_to_string("liaison/_card.html", {
        "pairs": len(rows), "overdue": sum(1 for r in rows if r.overdue),
        "due_soon": sum(1 for r in rows if r.due_soon),
        "open_follow_ups": sum(r.pair.open_follow_ups for r in rows),
    }))


@login_required
def pairs(request: HttpRequest) -> HttpResponse:
    """The pairs in the user's review scope, filtered and paged."""
    user = request.user
    if not selectors.can_review_anywhere(user):
        raise PermissionDenied(_("您没有审阅联系清单的权限。"))
    today = timezone.localdate()
    form = PairFilterForm(request.GET or None)
    params = form.params()
    page = Paginator(selectors.pairs(user=user, params=params, on=today), PAGE_SIZE).get_page(request.GET.get("page"))
    cutoff = selectors.talk_cutoff(rulesmod.current(today), today)
    rows = [{"pair": p, "overdue": p.ended_on is None and (p.last_talk_on or p.started_on) < cutoff}
            for p in page.object_list]
    query = request.GET.copy()
    query.pop("page", None)
    from reports.exporters import EXPORTERS

    exporter = EXPORTERS.get("liaison_list")
    can_export = exporter is not None and permissions.has_capability_anywhere(user, exporter.capability)
    return render(request, "liaison/pairs.html", _ctx(
        form=form, params=params, page=page, rows=rows, query=query.urlencode(),
        units=org_choices(user=user, capability=Capability.REVIEW_LIAISONS, max_options=MAX_UNIT_OPTIONS,
                          keep=params.get("unit")), kinds=PairKind.choices, can_export=can_export,
        filtered=bool(params), status=params.get("status") or "open",
    ))


@login_required
def pair(request: HttpRequest, pk: int) -> HttpResponse:
    """A pair: the person, the liaison, the measures, and the talks with their follow-ups."""
    user = request.user
    today = timezone.localdate()
    obj = selectors.pair_get(user=user, pk=pk)
    notes = selectors.talk_private_notes(user=user, pair=obj)
    timeline = [{"talk": t, "private_notes": notes.get(t.pk, ""), "follow_ups": list(t.follow_ups.all())}
                for t in selectors.talks(pair=obj)]
    can_review = permissions.has_capability(user, obj.organization, CAP)
    return render(request, "liaison/pair.html", _ctx(
        pair=obj, person=obj.talent.person, profile=obj.talent, timeline=timeline, today=today,
        due=selectors.talk_due(pair=obj, on=today) if obj.is_open else None,
        high_knowledge=selectors.is_high_knowledge(obj.talent, rulesmod.current(today)),
        can_edit=obj.is_open, can_end=obj.is_open and can_review,
        can_see_profile=permissions.has_capability(user, obj.talent.organization, CAP),
        can_read_private=selectors.can_read_private(user=user, pair=obj),
        is_own=services.is_liaison_person(user, obj),
        measures_form=MeasuresForm(initial={"measures": obj.measures}),
        end_form=PairEndForm(initial={"ended_on": today}),
        close_form=FollowUpCloseForm(initial={"done_on": today}),
    ))


def _talk_errors(form: TalkForm) -> list[str]:
    result = []
    for name, errs in form.errors.items():
        if name.startswith("fu"):
            label = _("第%(n)s项后续事项的%(field)s") % {"n": name[2], "field": form.fields[name].label}
        else:
            label = form.fields[name].label if name in form.fields else ""
        result += [f"{label}：{e}" if label else str(e) for e in errs]
    return result


@login_required
def talk_new(request: HttpRequest, pk: int) -> HttpResponse:
    """记录谈话 (and its follow-ups), quick to fill in on a phone."""
    user = request.user
    obj = selectors.pair_get(user=user, pk=pk)
    owner = obj.liaison.name
    errors: list[str] = []
    if request.method == "POST":
        form = TalkForm(request.POST, owner=owner)
        if form.is_valid():
            try:
                talk = services.talk_record(actor=user, pair=obj, data=form.talk_data(), follow_ups=form.follow_ups())
            except ValidationError as exc:
                errors = exc.messages
            else:
                messages.success(request, _("已记录与%(name)s %(date)s的谈话。")
                                 % {"name": obj.talent.person.name, "date": talk.held_on.isoformat()})
                return redirect(reverse("liaison:pair", args=[obj.pk]) + f"#talk-{talk.pk}")
        else:
            errors = _talk_errors(form)
    else:
        form = TalkForm(owner=owner, initial={"held_on": timezone.localdate()})
    return render(request, "liaison/talk_form.html", _ctx(pair=obj, person=obj.talent.person, form=form,
                                                          errors=errors))


@login_required
def pair_measures(request: HttpRequest, pk: int) -> HttpResponse:
    """Change the cultivation measures of an open pair."""
    user = request.user
    obj = selectors.pair_get(user=user, pk=pk)
    errors: list[str] = []
    if request.method == "POST":
        form = MeasuresForm(request.POST)
        if "measures" not in request.POST:
            errors = [_("请填写培养措施。")]
        elif form.is_valid():
            try:
                services.pair_update(actor=user, pair=obj, measures=form.cleaned_data["measures"] or "")
            except ValidationError as exc:
                errors = exc.messages
            else:
                messages.success(request, _("已保存%(name)s的培养措施。") % {"name": obj.talent.person.name})
                return redirect("liaison:pair", pk=obj.pk)
        else:
            errors = errors_of(form)
    else:
        form = MeasuresForm(initial={"measures": obj.measures})
    return render(request, "liaison/pair_measures.html", _ctx(pair=obj, person=obj.talent.person, form=form,
                                                              errors=errors))


@login_required
def pair_end(request: HttpRequest, pk: int) -> HttpResponse:
    """End a pair (reason required): for those who review the pair's unit, not the liaison person alone."""
    user = request.user
    obj = selectors.pair_get(user=user, pk=pk)
    if not permissions.has_capability(user, obj.organization, CAP):
        # The liaison person sees the pair (so it exists for them) but ending it is the unit's decision.
        raise PermissionDenied(_("结束联系由%(org)s决定，联系人本人不能结束。")
                               % {"org": obj.organization.short_name or obj.organization.name})
    if not obj.is_open:
        messages.info(request, _("该结对已于%(date)s结束。") % {"date": obj.ended_on.isoformat()})
        return redirect("liaison:pair", pk=obj.pk)
    errors: list[str] = []
    if request.method == "POST":
        form = PairEndForm(request.POST)
        if not form.is_valid():
            errors = errors_of(form)
        elif form.cleaned_data["ended_on"] is None:
            errors = [_("请填写结束日期。")]
        else:
            try:
                services.pair_end(actor=user, pair=obj, on=form.cleaned_data["ended_on"],
                                  reason=form.cleaned_data["reason"] or "")
            except ValidationError as exc:
                errors = exc.messages
            else:
                messages.success(request, _("已结束%(liaison)s与%(name)s的联系。")
                                 % {"liaison": obj.liaison.name, "name": obj.talent.person.name})
                return redirect("liaison:pair", pk=obj.pk)
    else:
        form = PairEndForm(initial={"ended_on": timezone.localdate()})
    return render(request, "liaison/pair_end.html", _ctx(pair=obj, person=obj.talent.person, form=form,
                                                         errors=errors))


def _next_url(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return fallback


@login_required
def follow_up_close(request: HttpRequest, pk: int) -> HttpResponse:
    """Close a follow-up (done or dropped, with date and result); back to `next` or the pair page."""
    user = request.user
    item = selectors.follow_up_get(user=user, pk=pk)
    obj: LiaisonPair = item.talk.pair
    back = _next_url(request, reverse("liaison:pair", args=[obj.pk]))
    if request.method == "POST":
        form = FollowUpCloseForm(request.POST)
        errors: list[str] = []
        if not form.is_valid():
            errors = errors_of(form)
        elif form.cleaned_data["done_on"] is None:
            errors = [_("请填写办结日期。")]
        else:
            try:
                services.follow_up_close(actor=user, follow_up=item, status=form.cleaned_data["status"] or "",
                                         on=form.cleaned_data["done_on"], result=form.cleaned_data["result"] or "")
            except ValidationError as exc:
                errors = exc.messages
        if errors:
            for message in errors:
                messages.error(request, _("“%(text)s”未办结：%(error)s") % {"text": item.text, "error": message})
        else:
            messages.success(request, _("“%(text)s”已%(status)s。")
                             % {"text": item.text, "status": FollowUpStatus(item.status).label})
        return redirect(back)
    return render(request, "liaison/follow_up_close.html", _ctx(
        item=item, pair=obj, next=back, form=FollowUpCloseForm(initial={"done_on": timezone.localdate()}),
        is_open=item.status == FollowUpStatus.OPEN,
    ))


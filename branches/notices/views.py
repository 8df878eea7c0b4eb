"""Pages of work notices: thin views that ask branches.permissions, call a selector or a service, render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import Form
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from branches import permissions
from branches.models import NoticeItem, Organization, RequirementKind

from . import selectors, services
from .forms import ItemFormSet, NoticeForm, SubmissionForm, item_initial

C = permissions.Capability
NO_PERMISSION = _("您没有此项权限。")


def _apply_errors(form: Form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _require_any(user: Any) -> None:
    """The notice pages are for committee users (ISSUE_NOTICES) and branch committees (LOG_MEETINGS)."""
    if not (permissions.has_capability_anywhere(user, C.ISSUE_NOTICES)
            or permissions.has_capability_anywhere(user, C.LOG_MEETINGS)):
        raise PermissionDenied(NO_PERMISSION)


@login_required
def notice_list(request: HttpRequest) -> HttpResponse:
    _require_any(request.user)
    can_issue = permissions.has_capability_anywhere(request.user, C.ISSUE_NOTICES)
    issued = list(selectors.issued_notice_list(user=request.user)[:200]) if can_issue else []
    for n in issued:
        n.expected = n.recipient_count * n.item_count
    items = selectors.branch_items(user=request.user) if permissions.has_capability_anywhere(
        request.user, C.LOG_MEETINGS) else []
    return render(request, "notices/list.html", {
        "nav_active": "notices", "issued": issued, "items": items, "can_issue": can_issue,
    })


def _notice_form_page(request: HttpRequest, notice: Any = None) -> HttpResponse:
    issuer_orgs = selectors.issuer_orgs(user=request.user)
    if notice is None and not issuer_orgs.exists():
        raise PermissionDenied(NO_PERMISSION)
    initial: dict[str, Any] = {}
    items_initial: list[dict[str, Any]] = []
    if notice is not None:
        initial = {"number": notice.number, "title": notice.title, "body": notice.body}
        items_initial = item_initial(list(notice.items.all()))
    else:
        initial = {"organization": issuer_orgs.first()}
    if request.method == "POST":
        form = NoticeForm(request.POST, issuer_orgs=issuer_orgs, fixed_org=notice is not None)
        formset = ItemFormSet(request.POST, prefix="items")
        if form.is_valid() and formset.is_valid():
            items = [f.item_data() for f in formset.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
            d = form.cleaned_data
            try:
                if notice is None:
                    notice = services.notice_create(actor=request.user, organization=d["organization"],
                                                    title=d["title"], number=d["number"], body=d["body"],
                                                    items=items)
                    messages.success(request, gettext("工作提示草稿已保存，确认无误后请下发。"))
                else:
                    services.notice_update(actor=request.user, notice=notice, title=d["title"],
                                           number=d["number"], body=d["body"], items=items)
                    messages.success(request, gettext("已保存修改。"))
                return redirect("notices:detail", notice.pk)
            except ValidationError as exc:
                _apply_errors(form, exc)
    else:
        form = NoticeForm(initial=initial, issuer_orgs=issuer_orgs, fixed_org=notice is not None)
        formset = ItemFormSet(prefix="items", initial=items_initial or None)
    return render(request, "notices/form.html", {
        "nav_active": "notices", "form": form, "formset": formset, "notice": notice,
    })


@login_required
def notice_create(request: HttpRequest) -> HttpResponse:
    return _notice_form_page(request)


@login_required
def notice_edit(request: HttpRequest, pk: int) -> HttpResponse:
    view = selectors.notice_get(user=request.user, pk=pk)
    if not view.is_issuer:
        raise PermissionDenied(NO_PERMISSION)
    if view.notice.is_issued:
        messages.warning(request, gettext("工作提示已下发，不能再修改。"))
        return redirect("notices:detail", pk)
    return _notice_form_page(request, view.notice)


@login_required
def notice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    view = selectors.notice_get(user=request.user, pk=pk)
    ctx: dict[str, Any] = {"nav_active": "notices", "notice": view.notice, "view": view}
    if view.is_issuer:
        items, rows = selectors.notice_matrix(notice=view.notice)
        ctx.update(items=items, rows=rows,
                   can_export=permissions.has_capability(request.user, view.notice.organization, C.EXPORT),
                   submitted=sum(r.submitted for r in rows), late=sum(r.late for r in rows),
                   expected=len(items) * len(rows),
                   missing_branches=sum(1 for r in rows if r.submitted < len(items)))
        return render(request, "notices/detail_committee.html", ctx)
    rows = []
    for org in view.branches:
        rows.extend(r for r in selectors.branch_items(user=request.user, organization=org, open_only=False)
                    if r.item.notice_id == view.notice.pk)
    rows.sort(key=lambda r: (r.organization.path, r.item.order))
    can_submit = {o.pk for o in view.branches if permissions.has_capability(request.user, o, C.LOG_MEETINGS)}
    ctx.update(rows=rows, can_submit=can_submit, items=list(view.notice.items.all()))
    return render(request, "notices/detail_branch.html", ctx)


@login_required
@require_POST
def notice_issue(request: HttpRequest, pk: int) -> HttpResponse:
    view = selectors.notice_get(user=request.user, pk=pk)
    if not view.is_issuer:
        raise PermissionDenied(NO_PERMISSION)
    try:
        notice = services.notice_issue(actor=request.user, notice=view.notice)
        messages.success(request, gettext("已下发给 %(n)s 个党支部。") % {"n": notice.recipients.count()})
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("notices:detail", pk)


@login_required
@require_POST
def notice_remind(request: HttpRequest, pk: int) -> HttpResponse:
    view = selectors.notice_get(user=request.user, pk=pk)
    if not view.is_issuer:
        raise PermissionDenied(NO_PERMISSION)
    org = None
    if request.POST.get("organization"):
        org = Organization.objects.filter(pk=request.POST["organization"]).first() if str(
            request.POST["organization"]).isdigit() else None
        if org is None:
            raise Http404
    try:
        sent = services.reminder_send(actor=request.user, notice=view.notice, organization=org)
        if sent:
            messages.success(request, gettext("已向 %(n)s 个党支部发出催办。") % {"n": len(sent)})
        else:
            messages.info(request, gettext("今天已经催办过，不会重复发送。"))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("notices:detail", pk)


@login_required
def submission_create(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        item = NoticeItem.objects.select_related("notice", "notice__organization").get(pk=pk)
    except NoticeItem.DoesNotExist:
        raise Http404
    view = selectors.notice_get(user=request.user, pk=item.notice_id)
    branches = [o for o in view.branches if permissions.has_capability(request.user, o, C.LOG_MEETINGS)]
    if not branches:
        raise PermissionDenied(NO_PERMISSION)
    org = branches[0]
    wanted = request.POST.get("organization") or request.GET.get("organization")
    if wanted:
        org = next((o for o in branches if str(o.pk) == str(wanted)), None)
        if org is None:
            raise Http404
    meetings = selectors.meeting_choices(organization=org, item=item)
    existing = item.submissions.filter(organization=org).first()
    if request.method == "POST":
        form = SubmissionForm(request.POST, request.FILES, item=item, meetings=meetings)
        if form.is_valid():
            try:
                sub = services.submission_create(actor=request.user, item=item, organization=org,
                                                 data=form.cleaned_data, file=form.cleaned_data.get("file"))
                if sub.late:
                    messages.warning(request, gettext("已提交（逾期提交）。"))
                else:
                    messages.success(request, gettext("已提交。"))
                return redirect("notices:detail", item.notice_id)
            except ValidationError as exc:
                _apply_errors(form, exc)
    else:
        initial = {"text": existing.text, "meeting": existing.meeting_id} if existing else {}
        form = SubmissionForm(initial=initial, item=item, meetings=meetings)
    return render(request, "notices/submit.html", {
        "nav_active": "notices", "item": item, "notice": item.notice, "form": form, "org": org,
        "branches": branches, "existing": existing, "is_meeting": item.requirement == RequirementKind.MEETING_HELD,
    })


@login_required
def submission_detail(request: HttpRequest, pk: int) -> HttpResponse:
    sub = selectors.submission_get(user=request.user, pk=pk)
    return render(request, "notices/submission.html", {"nav_active": "notices", "sub": sub,
                                                        "notice": sub.item.notice})


@login_required
def submission_file(request: HttpRequest, pk: int) -> FileResponse:
    sub = selectors.submission_get(user=request.user, pk=pk)
    if not sub.file:
        raise Http404
    inline = sub.content_type in ("application/pdf", "image/jpeg", "image/png")
    return FileResponse(sub.file.open("rb"), as_attachment=not inline, filename=sub.original_name,
                        content_type=sub.content_type or "application/octet-stream")


@login_required
def open_items(request: HttpRequest) -> HttpResponse:
    """The dashboard card's body: the open items of one branch (or all of the user's branches)."""
    _require_any(request.user)
    org = None
    if request.GET.get("org"):
        org = Organization.objects.filter(pk=request.GET["org"]).first() if request.GET["org"].isdigit() else None
        if org is None or not permissions.in_scope(request.user, org):
            raise Http404
    items = selectors.branch_items(user=request.user, organization=org, limit=8)
    return render(request, "notices/_open_items.html", {"items": items})


@login_required
def committee_card(request: HttpRequest) -> HttpResponse:
    """The committee dashboard's card: notices of the user's committees that are not fully answered yet."""
    if not permissions.has_capability_anywhere(request.user, C.ISSUE_NOTICES):
        raise PermissionDenied(NO_PERMISSION)
    notices, total = selectors.committee_open_notices(user=request.user)
    return render(request, "notices/_committee_card.html", {"notices": notices, "total": total})

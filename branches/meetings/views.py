"""HTML pages of organizational life: list, quick entry (phone first), record, confirm, attachments."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import FieldDoesNotExist, ObjectDoesNotExist, PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from branches import permissions
from branches.models import (
    Grade,
    Meeting,
    MeetingAttachment,
    MeetingType,
    Organization,
    OrgType,
    Vote,
)
from branches.permissions import Capability
from members.codes import PoliticalStatus
from members.models import Person

from . import selectors, services, validation
from .forms import (
    GRADE_TYPES,
    LECTURE_TYPES,
    LIFE_TYPES,
    VOTE_TYPES,
    AttachmentForm,
    MeetingFilterForm,
    MeetingForm,
    default_title,
    parse_rows,
    rounded_now,
)

C = Capability
PARTY_STATUSES = (PoliticalStatus.CPC_MEMBER, PoliticalStatus.CPC_PROBATIONARY)
ROW_ERROR_KEYS = ("attendance", "guests", "votes", "grades")


def _can_view_meetings(user) -> bool:
    return permissions.has_capability_anywhere(user, C.LOG_MEETINGS) or permissions.has_capability_anywhere(
        user, C.VIEW_PEOPLE)


def _loggable_orgs(user):
    types = [*OrgType.branch_types(), OrgType.PARTY_GROUP]
    return permissions.orgs_with(user, C.LOG_MEETINGS).filter(org_type__in=types).order_by("path")


def _people_of(org: Organization) -> list[Person]:
    """The people a record of this organization picks from: its branch (a party group's parent branch)."""
    branch = services.branch_of(org)
    return list(Person.objects.filter(organization__path__startswith=branch.path, political_status__in=PARTY_STATUSES)
                .select_related("membership").order_by("name_pinyin", "pk"))


def _membership(person: Person):
    try:
        return person.membership
    except ObjectDoesNotExist:
        return None


def _has_vote(person: Person) -> bool:
    m = _membership(person)
    return bool(m and m.has_vote and person.political_status == PoliticalStatus.CPC_MEMBER)


def _apply_errors(exc: ValidationError, form: MeetingForm) -> dict:
    """Field errors go onto the form; row errors (attendance, votes …) are returned for their blocks, and a
    vote's own errors (tagged by the service with the vote's position) under "vote_blocks" for that block."""
    rows: dict = {}
    if hasattr(exc, "error_dict"):
        for error in exc.error_dict.get("votes", []):
            index = (error.params or {}).get("vote") if hasattr(error, "message") else None
            for text in error.messages:
                if isinstance(index, int):
                    rows.setdefault("vote_blocks", {}).setdefault(index, []).append(text)
                else:
                    rows.setdefault("votes", []).append(text)
        for key, errors in exc.message_dict.items():
            if key == "votes":
                continue
            if key in ROW_ERROR_KEYS:
                rows.setdefault(key, []).extend(errors)
            elif key == "held_at" and "held_on" in form.fields:
                for e in errors:
                    form.add_error("held_on", e)
            elif key in form.fields:
                for e in errors:
                    form.add_error(key, e)
            else:
                for e in errors:
                    form.add_error(None, e)
    else:
        for e in exc.messages:
            form.add_error(None, e)
    return rows


def _form_context(*, org: Organization, meeting_type: str, form: MeetingForm, people: list[Person],
                  rows: dict, row_errors: dict, vote_prefill: dict | None = None) -> dict:
    by_pk = {p.pk: p for p in people}
    listed = {a["person"] for a in rows["attendance"]}
    attendance = [{**a, "obj": by_pk.get(a["person"])} for a in rows["attendance"] if a["person"] in by_pk]
    grades = {g["person"]: g["grade"] for g in rows["grades"]}
    voting = {p.pk for p in people if _has_vote(p)}
    members = [p for p in people if _membership(p) is not None]
    for a in attendance:
        a["voting"] = a["person"] in voting
    votes: list[dict] = []
    candidate_groups: list = []
    if meeting_type in VOTE_TYPES:
        candidate_groups = selectors.vote_candidates(organization=org)
        block_errors = row_errors.get("vote_blocks", {})
        votes = [{**v, "errors": block_errors.get(i, [])} for i, v in enumerate(rows["votes"])]
        # One spare block, its 应到/实到 prefilled from the attendance list as the service will check them
        # (full members with a vote; the script keeps them in step while the list changes).
        voting_rows = [a for a in attendance if a["voting"]]
        spare = {"expected": len(voting_rows), "present": sum(1 for a in voting_rows if a["status"] == "present"),
                 "written_yes": 0, "auto": True, "errors": []}
        known = {p["pk"] for g in candidate_groups for p in g.people}
        if vote_prefill and not rows["votes"] and vote_prefill["candidate"] in known:
            spare.update(vote_prefill)
        votes.append(spare)
        missing = {v["candidate"] for v in votes if v.get("candidate") and v["candidate"] not in known}
        if missing:
            # A stored candidate who has left the branch: still shown, so that the record reads as it was.
            candidate_groups.append(selectors.CandidateGroup(_("原表决对象"), [
                {"pk": p.pk, "name": p.name} for p in Person.objects.filter(pk__in=missing).order_by("pk")]))
    return {
        "org": org, "meeting_type": meeting_type, "type_label": MeetingType(meeting_type).label,
        "form": form, "attendance": attendance,
        "others": [{"pk": p.pk, "name": p.name, "voting": p.pk in voting} for p in people if p.pk not in listed],
        "grade_limit": len(members) // 3,
        "guests": rows["guests"], "votes": votes, "candidate_groups": candidate_groups,
        "vote_template": {"written_yes": 0, "auto": True, "errors": []},
        "grade_rows": [{"person": p, "grade": grades.get(p.pk, "")} for p in members],
        "grade_choices": Grade.choices,
        "show_votes": meeting_type in VOTE_TYPES, "show_grades": meeting_type in GRADE_TYPES,
        "show_lecture": meeting_type in LECTURE_TYPES, "show_life": meeting_type in LIFE_TYPES,
        "row_errors": row_errors, "nav_active": "meetings",
    }


@login_required
def meeting_list(request: HttpRequest) -> HttpResponse:
    if not _can_view_meetings(request.user):
        raise PermissionDenied(_("您没有此项权限。"))
    orgs = list(selectors.orgs_for_meetings(user=request.user).exclude(org_type=OrgType.PARTY_GROUP)
                .order_by("path")[:300])
    form = MeetingFilterForm(request.GET or None, organizations=orgs)
    params: dict = {}
    if form.is_valid():
        d = form.cleaned_data
        params = {"organization": d["organization"], "meeting_type": d["type"]}
        if d["month"]:
            year, month = (int(x) for x in d["month"].split("-"))
            first = datetime.date(year, month, 1)
            params["date_from"] = first
            params["date_to"] = (first + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)
    page = Paginator(selectors.meeting_list(user=request.user, params=params), 30).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "meetings/list.html", {
        "nav_active": "meetings", "form": form, "page": page, "query": query.urlencode(),
        "can_log": permissions.has_capability_anywhere(request.user, C.LOG_MEETINGS),
    })


@login_required
def meeting_create(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not permissions.has_capability_anywhere(user, C.LOG_MEETINGS):
        raise PermissionDenied(_("您没有此项权限。"))
    orgs = list(_loggable_orgs(user)[:500])
    branches = [o for o in orgs if o.org_type != OrgType.PARTY_GROUP]
    org_pk = request.GET.get("organization") or (branches[0].pk if len(branches) == 1 else None)
    meeting_type = request.GET.get("type", "")
    org = permissions.get_org_or_404(user, org_pk, C.LOG_MEETINGS) if org_pk else None
    groups: list[Organization] = []
    if org is not None and meeting_type == MeetingType.GROUP and org.org_type != OrgType.PARTY_GROUP:
        # 党小组会 are recorded under the party group: pick it (straight away when there is only one).
        groups = [o for o in orgs if o.org_type == OrgType.PARTY_GROUP and o.path.startswith(org.path)]
        if len(groups) == 1:
            org = groups[0]
    if org is None or meeting_type not in MeetingType.values or (groups and org.org_type != OrgType.PARTY_GROUP):
        return render(request, "meetings/pick_type.html", {
            "nav_active": "meetings", "branches": branches, "org": org, "types": MeetingType.choices,
            "groups": groups,
        })
    people = _people_of(org)
    row_errors: dict = {}
    if request.method == "POST":
        form = MeetingForm(request.POST, meeting_type=meeting_type, people=people)
        rows = parse_rows(request.POST)
        if form.is_valid():
            try:
                meeting = services.meeting_create(actor=user, organization=org, data=form.service_data(), **rows)
            except ValidationError as exc:
                row_errors = _apply_errors(exc, form)
            else:
                messages.success(request, _("已保存“%(title)s”。") % {"title": meeting.title})
                return redirect(_next_url(request) or reverse("meetings:detail", args=[meeting.pk]))
    else:
        now = rounded_now()
        own = next((p.pk for p in people if p.user_id == user.pk), None)
        form = MeetingForm(initial={"held_on": now.date(), "held_time": now.time(), "host": own,
                                    "title": default_title(meeting_type, now.date())},
                           meeting_type=meeting_type, people=people)
        attendees = services.default_attendees(organization=org, meeting_type=meeting_type)
        rows = {"attendance": [{"person": p.pk, "status": "present", "reason": ""} for p in attendees],
                "guests": [], "votes": [], "grades": []}
    ctx = _form_context(org=org, meeting_type=meeting_type, form=form, people=people, rows=rows,
                        row_errors=row_errors, vote_prefill=_vote_prefill(request))
    return render(request, "meetings/form.html", {**ctx, "orgs": orgs, "meeting": None})


def _next_url(request: HttpRequest) -> str:
    """Where to go after saving when another page sent the user here (e.g. a pipeline step that needs this
    meeting's vote); only a local path is followed."""
    url = request.GET.get("next", "")
    if url and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()},
                                               require_https=request.is_secure()):
        return url
    return ""


def _vote_prefill(request: HttpRequest) -> dict | None:
    """?candidate=<person>&subject=…: the spare vote block starts with that candidate (if the branch's
    candidate list has them) and subject."""
    try:
        candidate = int(request.GET.get("candidate", ""))
    except ValueError:
        return None
    return {"candidate": candidate, "subject": request.GET.get("subject", "")[:200]}


@login_required
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.meeting_get(user=request.user, pk=pk, capability=None)
    can_log = permissions.has_capability(request.user, meeting.organization, C.LOG_MEETINGS)
    attendance = list(meeting.attendance.all())
    counts = {s: sum(1 for a in attendance if a.status == s) for s in ("present", "absent", "leave")}
    return render(request, "meetings/detail.html", {
        "nav_active": "meetings", "meeting": meeting, "attendance": attendance, "counts": counts,
        "votes": [_vote_view(v) for v in meeting.votes.all()],
        "can_log": can_log,
        "can_confirm": not meeting.is_locked and services.can_confirm(user=request.user, meeting=meeting),
        "attachment_form": AttachmentForm() if can_log else None,
        "revisions": [{"r": r, "fields": _changed_labels(r.changes)} for r in meeting.revisions.all()],
    })


def _changed_labels(changes: dict) -> list[str]:
    extra = {"attendance": _("出勤"), "votes": _("表决"), "guests": _("列席人员"), "grades": _("评议等次")}
    labels = []
    for key in changes:
        if key in extra:
            labels.append(str(extra[key]))
        else:
            try:
                labels.append(str(Meeting._meta.get_field(key).verbose_name))
            except FieldDoesNotExist:
                labels.append(key)
    return labels


def _vote_view(vote: Vote) -> dict:
    """A vote with the §1.3 explanation: quorum over E, passing on yes + written yes over E."""
    quorum = validation.quorum_reached(expected=vote.expected, present=vote.present)
    passes = quorum and validation.motion_passes(expected=vote.expected, yes=vote.yes, written_yes=vote.written_yes)
    return {"vote": vote, "quorum": quorum, "passes": passes, "half": vote.expected // 2 + 1,
            "support": vote.yes + vote.written_yes}


@login_required
def meeting_edit(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.meeting_get(user=request.user, pk=pk, capability=C.LOG_MEETINGS)
    org = meeting.organization
    people = _people_of(org)
    locked = meeting.is_locked
    row_errors: dict = {}
    if request.method == "POST":
        form = MeetingForm(request.POST, meeting_type=meeting.meeting_type, people=people, locked=locked)
        rows = parse_rows(request.POST)
        if form.is_valid():
            try:
                services.meeting_update(actor=request.user, meeting=meeting, data=form.service_data(), **rows,
                                        reason=form.cleaned_data.get("reason", ""))
            except ValidationError as exc:
                row_errors = _apply_errors(exc, form)
            else:
                messages.success(request, _("已保存修改。"))
                return redirect("meetings:detail", pk=meeting.pk)
    else:
        held = timezone.localtime(meeting.held_at)
        initial = {"held_on": held.date(), "held_time": held.time().replace(second=0, microsecond=0)}
        for name in ("title", "place", "topics", "minutes", "decisions", "follow_ups", "lecturer",
                     "lecture_title", "problems", "rectifications"):
            initial[name] = getattr(meeting, name)
        initial["host"], initial["recorder"] = meeting.host_id, meeting.recorder_id
        form = MeetingForm(initial=initial, meeting_type=meeting.meeting_type, people=people, locked=locked)
        rows = {
            "attendance": [{"person": a.person_id, "status": a.status, "reason": a.reason}
                           for a in meeting.attendance.all()],
            "guests": [{"name": g.name, "affiliation": g.affiliation} for g in meeting.guests.all()],
            "votes": [{f: getattr(v, f) for f in ("subject", "expected", "present", "yes", "no", "abstain",
                                                   "written_yes", "passed")} | {"candidate": v.candidate_id}
                      for v in sorted(meeting.votes.all(), key=lambda v: v.pk)],
            "grades": [{"person": g.person_id, "grade": g.grade} for g in meeting.grades.all()],
        }
    ctx = _form_context(org=org, meeting_type=meeting.meeting_type, form=form, people=people, rows=rows,
                        row_errors=row_errors)
    return render(request, "meetings/form.html", {**ctx, "meeting": meeting, "orgs": [org]})


@login_required
@require_POST
def meeting_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.meeting_get(user=request.user, pk=pk, capability=None)
    if not services.can_confirm(user=request.user, meeting=meeting):
        raise PermissionDenied(_("只有主持人或负责记录组织生活的委员可以确认。"))
    try:
        services.meeting_confirm(actor=request.user, meeting=meeting)
    except ValidationError as exc:
        for e in exc.messages:
            messages.error(request, e)
    else:
        messages.success(request, _("记录已确认并锁定。"))
    return redirect("meetings:detail", pk=meeting.pk)


@login_required
@require_POST
def attachment_upload(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.meeting_get(user=request.user, pk=pk, capability=C.LOG_MEETINGS)
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.attachment_add(actor=request.user, meeting=meeting, uploaded_file=form.cleaned_data["file"],
                                    kind=form.cleaned_data["kind"])
        except ValidationError as exc:
            for e in exc.messages:
                messages.error(request, e)
        else:
            messages.success(request, _("附件已上传。"))
    else:
        for errors in form.errors.values():
            for e in errors:
                messages.error(request, e)
    return redirect("meetings:detail", pk=meeting.pk)


def _attachment(request: HttpRequest, pk: int, capability: str | None) -> MeetingAttachment:
    att = get_object_or_404(MeetingAttachment.objects.select_related("meeting"), pk=pk)
    selectors.meeting_get(user=request.user, pk=att.meeting_id, capability=capability)
    return att


@login_required
def attachment_download(request: HttpRequest, pk: int) -> HttpResponse:
    att = _attachment(request, pk, None)
    inline = att.content_type.startswith("image/") or att.content_type == "application/pdf"
    return FileResponse(att.file.open("rb"), as_attachment=not inline, filename=att.original_name,
                        content_type=att.content_type)


@login_required
@require_POST
def attachment_delete(request: HttpRequest, pk: int) -> HttpResponse:
    att = _attachment(request, pk, C.LOG_MEETINGS)
    meeting_pk = att.meeting_id
    try:
        services.attachment_delete(actor=request.user, attachment=att)
    except ValidationError as exc:
        for e in exc.messages:
            messages.error(request, e)
    else:
        messages.success(request, _("附件已删除。"))
    return redirect("meetings:detail", pk=meeting_pk)


@login_required
def absent_list(request: HttpRequest) -> HttpResponse:
    """Party members who attended no organizational life for the review period (domain.md §3.2), for an
    organization (?org=; default: the first the user may see) and everything below it."""
    user = request.user
    org_pk = request.GET.get("org")
    if org_pk:
        org = Organization.objects.filter(pk=org_pk).first() if str(org_pk).isdigit() else None
        if org is None:
            raise Http404
    else:
        if not _can_view_meetings(user):
            raise PermissionDenied(_("您没有此项权限。"))
        org = selectors.orgs_for_meetings(user=user).exclude(org_type=OrgType.PARTY_GROUP).order_by("path").first()
        if org is None:
            raise PermissionDenied(_("您没有此项权限。"))
    people = selectors.absent_members(user=user, organization=org)
    page = Paginator(people, 50).get_page(request.GET.get("page"))
    orgs = list(selectors.orgs_for_meetings(user=user).exclude(org_type=OrgType.PARTY_GROUP)
                .order_by("path")[:300])
    months = selectors.absence_review_months()
    return render(request, "meetings/absent_list.html", {
        "nav_active": "meetings", "org": org, "orgs": orgs, "page": page, "months": months,
        "since": selectors.months_before(timezone.localdate(), months),
    })

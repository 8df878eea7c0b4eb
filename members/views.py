"""People pages: thin views over the selectors and services."""

from __future__ import annotations

from html import escape
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from branches import permissions
from branches.permissions import Capability

from . import selectors, services
from .codes import Education, MemberCategory, MembershipStatus, PoliticalStatus, TitleLevel
from .forms import MembershipForm, MoveForm, PersonForm, apply_errors, mark_invalid
from .models import PartyMembership, Person

PAGE_SIZE = 50
MAX_ORG_OPTIONS = 300  # beyond that the filter offers committees only (each includes its branches)
MORE_FILTERS = ("org", "political_status", "category", "title_level", "education", "ordering")
ORDERING_CHOICES = [
    ("", gettext_lazy("按姓名拼音")),
    ("-birth_date", gettext_lazy("按年龄从小到大")),
    ("birth_date", gettext_lazy("按年龄从大到小")),
    ("org", gettext_lazy("按党组织")),
]
EXPORT_URL = "/jobs/export/people/"


@permissions.capability_required(Capability.VIEW_PEOPLE)
def person_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    params = request.GET.copy()
    params.pop("page", None)
    # The same selector the people exporter reads, so an export holds exactly what this page lists.
    people = selectors.person_list(user=user, params=params)
    page = selectors.PersonPaginator(people, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = _rows(page.object_list)
    querystring = params.urlencode()
    return render(request, "members/person_list.html", {
        "sort": _sort_links(params),
        "page_prefix": f"?{querystring}&page=" if querystring else "?page=",
        "nav_active": "people",
        "params": params,
        "page": page,
        "querystring": querystring,
        "org_options": _options(
            selectors.org_choices(user=user, max_options=MAX_ORG_OPTIONS, keep=params.get("org")),
            params.get("org", ""),
        ),
        "status_choices": PoliticalStatus.choices,
        "category_choices": MemberCategory.choices,
        "title_choices": [c for c in TitleLevel.choices if c[0]],
        "education_choices": Education.choices,
        "can_export": permissions.has_capability_anywhere(user, Capability.EXPORT),
        "can_create": permissions.has_capability_anywhere(user, Capability.EDIT_PEOPLE),
        "export_url": f"{EXPORT_URL}?{querystring}" if querystring else EXPORT_URL,
        "filtered": any(v for k, v in params.items() if k != "ordering"),
        "more_filters": sum(1 for k in MORE_FILTERS if params.get(k)),
        "ordering_choices": ORDERING_CHOICES,
    })


@login_required
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    person = selectors.person_get(user=request.user, pk=pk)
    user = request.user
    return render(request, "members/person_detail.html", {
        "nav_active": "people",
        "person": person,
        "membership": _membership(person),
        "own_record": selectors.is_own_record(user=user, person=person),
        "can_view_list": permissions.has_capability_anywhere(user, Capability.VIEW_PEOPLE),
        "can_reveal": selectors.can_view_id_number(user=user, person=person),
        "can_edit": permissions.has_capability(user, person.organization, Capability.EDIT_PEOPLE),
        "meeting_attendance": _meeting_attendance(user, person),
        "meeting_absence": _meeting_absence(user, person),
    })


def _meeting_attendance(user, person: Person) -> dict | None:
    """The person's latest meetings (attended or missed) among those the user may see; None: no meetings to show."""
    from branches.meetings.selectors import person_attendance

    rows = list(person_attendance(user=user, person=person)[:20])
    if not rows and not permissions.has_capability(user, person.organization, Capability.LOG_MEETINGS):
        return None
    return {"rows": rows, "present": sum(1 for a in rows if a.status == "present"),
            "missed": sum(1 for a in rows if a.status != "present")}


def _meeting_absence(user, person: Person):
    """The six-month flag (no organizational life attended; domain.md §3.2) for viewers of the person's meetings."""
    from branches.meetings.selectors import person_absence

    return person_absence(user=user, person=person)


@login_required
@require_POST
def person_id_number(request: HttpRequest, pk: int) -> HttpResponse:
    """htmx: the full ID number, for VIEW_ID_NUMBERS on the person's organization; logged."""
    person = selectors.person_get(user=request.user, pk=pk, capability=Capability.VIEW_ID_NUMBERS)
    number = services.id_number_reveal(actor=request.user, person=person)
    return render(request, "members/_id_number.html", {"person": person, "number": number})


@login_required
def person_create(request: HttpRequest) -> HttpResponse:
    if not permissions.has_capability_anywhere(request.user, Capability.EDIT_PEOPLE):
        raise PermissionDenied(_("您没有此项权限。"))
    data = request.POST if request.method == "POST" else None
    initial = {"organization": request.GET.get("org")} if request.GET.get("org") else None
    form = PersonForm(data, initial=initial, user=request.user, with_organization=True)
    mform = MembershipForm(data, user=request.user)
    if data is not None and _valid(form, mform):
        try:
            person = services.person_create(actor=request.user, data=_service_data(form, mform))
        except ValidationError as exc:
            apply_errors(exc, form, mform)
        else:
            messages.success(request, _("已添加人员“%(name)s”。") % {"name": person.name})
            return redirect("members:detail", pk=person.pk)
    mark_invalid(form, mform)
    return render(request, "members/person_form.html", {
        "nav_active": "people", "form": form, "mform": mform, "person": None,
    })


@login_required
def person_edit(request: HttpRequest, pk: int) -> HttpResponse:
    person = selectors.person_get(user=request.user, pk=pk, capability=Capability.EDIT_PEOPLE)
    data = request.POST if request.method == "POST" else None
    form = PersonForm(data, instance=person, user=request.user, with_organization=False)
    mform = MembershipForm(data, instance=_membership(person), user=request.user, within=person.organization)
    if data is not None and _valid(form, mform):
        try:
            services.person_update(actor=request.user, person=person, data=_service_data(form, mform))
        except ValidationError as exc:
            apply_errors(exc, form, mform)
        else:
            messages.success(request, _("已保存“%(name)s”的信息。") % {"name": person.name})
            return redirect("members:detail", pk=person.pk)
    mark_invalid(form, mform)
    return render(request, "members/person_form.html", {
        "nav_active": "people", "form": form, "mform": mform, "person": person,
    })


@login_required
def person_move(request: HttpRequest, pk: int) -> HttpResponse:
    person = selectors.person_get(user=request.user, pk=pk, capability=Capability.EDIT_PEOPLE)
    data = request.POST if request.method == "POST" else None
    form = MoveForm(data, user=request.user, person=person)
    if data is not None and form.is_valid():
        try:
            moved = services.person_move(
                actor=request.user, person=person, organization=form.cleaned_data["organization"]
            )
        except ValidationError as exc:
            apply_errors(exc, form)
        else:
            messages.success(request, _("已将“%(name)s”调入%(org)s。") % {"name": moved.name,
                                                                      "org": moved.organization})
            return redirect("members:detail", pk=person.pk)
    mark_invalid(form)
    return render(request, "members/person_move.html", {"nav_active": "people", "form": form, "person": person})


def _labels(model: type, field: str) -> dict[str, str]:
    return {str(value): str(label) for value, label in model._meta.get_field(field).flatchoices}


def _rows(people: list[Person]) -> list[dict[str, Any]]:
    """What the list shows of each person, as plain strings: rendering 50 rows stays cheap."""
    sex, status = _labels(Person, "sex"), _labels(Person, "political_status")
    title, education = _labels(Person, "title_level"), _labels(Person, "education")
    category = _labels(PartyMembership, "category")
    flag_labels = {
        "lost": (_("失联"), "badge-danger-soft"), "mobile": (_("流动"), "badge-warning-soft"),
        "suspended": (_("停止党籍"), "badge-danger-soft"), "rights": (_("停止权利"), "badge-muted-soft"),
        "abroad": (_("留学归国"), "badge-muted-soft"),
    }
    age_text = _("%(age)d岁")
    rows = []
    for person in people:
        membership = person.membership_or_none
        flags = []
        if membership is not None:
            flags += [flag_labels[k] for k, on in (
                ("lost", membership.lost_contact), ("mobile", membership.mobile),
                ("suspended", membership.status == MembershipStatus.SUSPENDED),
                ("rights", membership.rights_suspended),
            ) if on]
        if person.returned_from_abroad:
            flags.append(flag_labels["abroad"])
        rows.append({
            "url": reverse("members:detail", args=[person.pk]),
            "name": person.name,
            "sex": sex.get(person.sex, ""),
            "age": person.age,
            "age_text": age_text % {"age": person.age},
            "org": str(person.organization),
            "org_name": person.organization.name,
            "status": status.get(person.political_status, ""),
            "category": category.get(membership.category, "") if membership else "",
            "probationary": bool(membership and membership.category == MemberCategory.PROBATIONARY),
            "title_level": title.get(person.title_level, "") if person.title_level else "",
            "education": education.get(person.education, ""),
            "masked_id": person.masked_id_number,
            "flags": flags,
        })
    return rows


def _options(choices: list[tuple[int, str]], selected: str) -> str:
    """<option>s for a long select, built here: thousands of organizations through the template engine is slow."""
    return mark_safe("".join(  # every value is escaped
        f'<option value="{pk}"{" selected" if str(pk) == selected else ""}>{escape(name)}</option>'
        for pk, name in choices
    ))


def _sort_links(params: QueryDict) -> dict[str, dict[str, str]]:
    """For each sortable column: the link that sorts by it (toggling direction) and the current direction."""
    current = params.get("ordering", "")
    links = {}
    for column, field in (("name", "name"), ("age", "-birth_date"), ("org", "org")):
        reverse = field[1:] if field.startswith("-") else f"-{field}"
        target = reverse if current == field else field
        q = params.copy()
        q["ordering"] = target
        direction = "asc" if current == field else "desc" if current == reverse else ""
        links[column] = {"url": f"?{q.urlencode()}", "dir": direction}
    return links


def _membership(person: Person) -> PartyMembership | None:
    try:
        return person.membership
    except PartyMembership.DoesNotExist:
        return None


def _valid(form: PersonForm, mform: MembershipForm) -> bool:
    return all([form.is_valid(), mform.is_valid()])


def _service_data(form: PersonForm, mform: MembershipForm) -> dict:
    data = dict(form.cleaned_data)
    if data.get("political_status") in PoliticalStatus.party():
        data["membership"] = mform.service_data(data["political_status"])
    return data

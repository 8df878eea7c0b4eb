"""Forms of the organizational-life pages. Every save goes through branches.meetings.services."""

from __future__ import annotations

import datetime
import re

from django import forms
from django.conf import settings
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from branches.forms import PortalFormMixin
from branches.models import AttachmentKind, MeetingType, Organization

# Which optional blocks the form shows for each meeting type.
VOTE_TYPES = {MeetingType.GENERAL_ASSEMBLY}
LECTURE_TYPES = {MeetingType.LECTURE}
GRADE_TYPES = {MeetingType.APPRAISAL}
LIFE_TYPES = {MeetingType.LIFE_MEETING}

_MEETING_FIELDS = ("title", "place", "host", "recorder", "topics", "minutes", "decisions", "follow_ups")
_TYPE_FIELDS = {
    "lecturer": LECTURE_TYPES, "lecture_title": LECTURE_TYPES,
    "problems": LIFE_TYPES, "rectifications": LIFE_TYPES,
}


def rounded_now() -> datetime.datetime:
    """Now in local time, rounded down to the quarter hour: the usual start of a meeting just held."""
    now = timezone.localtime()
    return now.replace(minute=now.minute - now.minute % 15, second=0, microsecond=0)


def default_title(meeting_type: str, on: datetime.date) -> str:
    return _("%(year)s年%(month)s月%(type)s") % {
        "year": on.year, "month": on.month, "type": MeetingType(meeting_type).label}


class MeetingForm(PortalFormMixin, forms.Form):
    """The meeting's own fields; attendance, guests, votes and grades are parsed by `parse_rows`."""

    held_on = forms.DateField(label=_("日期"), widget=forms.DateInput())
    held_time = forms.TimeField(label=_("开始时间"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    title = forms.CharField(label=_("主题"), max_length=200)
    place = forms.CharField(label=_("地点"), max_length=200, required=False)
    host = forms.TypedChoiceField(label=_("主持人"), required=False, coerce=int, empty_value=None)
    recorder = forms.TypedChoiceField(label=_("记录人"), required=False, coerce=int, empty_value=None)
    topics = forms.CharField(label=_("议题"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    minutes = forms.CharField(label=_("会议记录"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    decisions = forms.CharField(label=_("决议决定"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    follow_ups = forms.CharField(label=_("后续事项"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    lecturer = forms.CharField(label=_("授课人"), max_length=100, required=False)
    lecture_title = forms.CharField(label=_("党课题目"), max_length=200, required=False)
    problems = forms.CharField(label=_("问题清单"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
                               help_text=_("每行一条"))
    rectifications = forms.CharField(label=_("整改清单"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
                                     help_text=_("每行一条：问题、措施、时限、责任人"))
    reason = forms.CharField(label=_("修改原因"), max_length=500, required=False,
                             widget=forms.Textarea(attrs={"rows": 2}),
                             help_text=_("修改将留痕，显示在记录的“修改记录”中"))

    def __init__(self, *args, meeting_type: str, people=(), locked: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.meeting_type = meeting_type
        choices = [("", "—")] + [(p.pk, p.name) for p in people]
        self.fields["host"].choices = choices
        self.fields["recorder"].choices = choices
        for name, types in _TYPE_FIELDS.items():
            if meeting_type not in types:
                del self.fields[name]
        if meeting_type in LECTURE_TYPES:
            self.fields["lecturer"].required = True
            self.fields["lecture_title"].required = True
        if locked:
            self.fields["reason"].required = True
            self.fields["reason"].error_messages["required"] = _("该记录已确认锁定，修改须填写修改原因。")
        else:
            del self.fields["reason"]

    def service_data(self, organization: Organization | None = None) -> dict:
        d = self.cleaned_data
        held_at = timezone.make_aware(datetime.datetime.combine(d["held_on"], d["held_time"]))
        data = {"meeting_type": self.meeting_type, "held_at": held_at}
        if organization is not None:
            data["organization"] = organization
        for name in _MEETING_FIELDS + tuple(_TYPE_FIELDS):
            if name in self.fields:
                data[name] = d.get(name)
        return data

    @property
    def main_fields(self):
        return [self[n] for n in ("title", "place", "host", "recorder") if n in self.fields]

    @property
    def text_fields(self):
        return [self[n] for n in ("topics", "minutes", "decisions", "follow_ups") if n in self.fields]

    @property
    def type_fields(self):
        return [self[n] for n in _TYPE_FIELDS if n in self.fields]


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _nonneg(value: str | None) -> int:
    v = _int(value)
    return v if v is not None and v >= 0 else 0


def parse_rows(post: QueryDict) -> dict:
    """The repeated rows of the meeting form, as the service expects them.

    attendance: att_person (repeated) with att_status_<pk> and att_reason_<pk>; guests: guest_name/guest_affiliation;
    votes: vote_subject/vote_candidate/vote_expected/... (repeated, index-aligned); grades: grade_<pk>."""
    attendance = []
    for raw in post.getlist("att_person"):
        pk = _int(raw)
        if pk is None:
            continue
        attendance.append({"person": pk, "status": post.get(f"att_status_{pk}", "present"),
                           "reason": post.get(f"att_reason_{pk}", "").strip()})
    guests = [
        {"name": n.strip(), "affiliation": a.strip()}
        for n, a in zip(post.getlist("guest_name"), post.getlist("guest_affiliation"), strict=False) if n.strip()
    ]
    votes = []
    keys = ("subject", "candidate", "expected", "present", "yes", "no", "abstain", "written_yes")
    columns = {k: post.getlist(f"vote_{k}") for k in keys}
    passed = set(post.getlist("vote_passed"))
    for i in range(len(columns["subject"])):

        def col(k: str, i: int = i) -> str:
            return (columns[k][i] if i < len(columns[k]) else "") or ""

        # A block left blank is the spare one the form always offers (应到/实到 come prefilled, so they do
        # not count); one with a ballot count or a candidate but no subject goes on and is refused with a message.
        if not any(col(k).strip() for k in ("subject", "candidate", "yes", "no", "abstain")):
            continue
        votes.append({
            "subject": col("subject").strip(), "candidate": _int(col("candidate")),
            **{k: _nonneg(col(k)) for k in ("expected", "present", "yes", "no", "abstain", "written_yes")},
            "passed": str(i) in passed,
        })
    grades = []
    for key, value in post.items():
        m = re.fullmatch(r"grade_(\d+)", key)
        if m and value:
            grades.append({"person": int(m.group(1)), "grade": value})
    return {"attendance": attendance, "guests": guests, "votes": votes, "grades": grades}


class MeetingFilterForm(PortalFormMixin, forms.Form):
    organization = forms.TypedChoiceField(label=_("党组织"), required=False, coerce=int, empty_value=None)
    type = forms.ChoiceField(label=_("类型"), required=False)
    month = forms.CharField(label=_("月份"), required=False, widget=forms.DateInput(attrs={"type": "month"}))

    def __init__(self, *args, organizations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].choices = [("", _("全部党组织"))] + [(o.pk, o.short_name) for o in organizations]
        self.fields["type"].choices = [("", _("全部类型")), *MeetingType.choices]
        self.fields["month"].widget.input_type = "month"

    def clean_month(self) -> str:
        value = self.cleaned_data["month"]
        if value and not re.fullmatch(r"\d{4}-\d{2}", value):
            raise forms.ValidationError(_("月份格式应为 2026-11。"))
        return value


class AttachmentForm(PortalFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("附件类型"), choices=AttachmentKind.choices)
    file = forms.FileField(label=_("文件"),
                           widget=forms.ClearableFileInput(attrs={"accept": ".jpg,.jpeg,.png,.webp,.pdf"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        limit = f"{float(getattr(settings, 'PORTAL_MEETING_ATTACHMENT_MAX_MB', 10)):g}"
        self.fields["file"].help_text = gettext("照片（JPG、PNG、WEBP）或签到表扫描件、PDF，单个文件不超过 %(limit)s MB") % {
            "limit": limit}


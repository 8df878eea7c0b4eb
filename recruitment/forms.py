"""Forms of the development pipeline pages. Each builds the input of one service call
(services.pipeline_open, services.step_record, services.pipeline_stop), which holds every rule."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from branches.forms import PortalFormMixin
from branches.models import Meeting, Vote
from members.models import Person

from .checks import StepInput, held_on_date
from .models import Outcome, Stage
from .rules import Rules, Step

TRAINING_STEP = "training"
SUPPORTER_STEPS = ("contacts", "sponsors")


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; the service checks each one's type and size."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png,.webp,.docx"}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Person) -> str:
        return f"{obj.name}（{obj.get_political_status_display()} · {obj.birth_date:%Y-%m}）"


class ApplicationForm(PortalFormMixin, forms.Form):
    """登记入党申请: step 1, opened through services.pipeline_open."""

    person = PersonChoiceField(
        label=_("申请人"), queryset=Person.objects.none(), empty_label=_("请选择本支部的非党员人员"),
        error_messages={"required": _("请选择申请人。"),
                        "invalid_choice": _("所选人员不在本支部、已是党员或已有进行中的发展党员纪实。")},
    )
    applied_on = forms.DateField(label=_("递交申请日期"), widget=forms.DateInput(),
                                 error_messages={"required": _("请填写递交入党申请书的日期。"),
                                                 "invalid": _("日期格式不正确。")})
    conclusion = forms.CharField(label=_("备注"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
                                 help_text=_("例如：申请书由本人递交，支部书记接收。"))
    attachments = MultipleFileField(label=_("入党申请书扫描件"),
                                    help_text=_("可上传 PDF、图片或 Word 文件，每个不超过 10 MB。"))

    def __init__(self, *args: Any, people: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = people


def _vote_label(vote: Vote) -> str:
    day = held_on_date(vote.meeting)
    return str(_("%(date)s %(subject)s（应到%(e)d、实到%(p)d、赞成%(y)d）")) % {
        "date": day.isoformat(), "subject": vote.subject, "e": vote.expected, "p": vote.present,
        "y": vote.yes + vote.written_yes}


class VoteChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Vote) -> str:
        return _vote_label(obj)


class MeetingChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Meeting) -> str:
        return f"{held_on_date(obj).isoformat()} {obj.title}"


class SupporterField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Person) -> str:
        return obj.name


class StepForm(PortalFormMixin, forms.Form):
    """One form for every step: the fields the step needs, turned into a checks.StepInput by `step_input`.

    The form only parses; whether the step may be recorded (order, time limits, counts, the vote's quorum)
    is decided by services.step_record, whose messages the page shows above the form."""

    done_on = forms.DateField(label=_("日期"), widget=forms.DateInput(),
                              error_messages={"required": _("请填写日期。"), "invalid": _("日期格式不正确。")})
    actor = forms.CharField(label=_("经办人或组织"), required=False, max_length=100)
    conclusion = forms.CharField(label=_("结论或意见"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, step: Step, rules: Rules, members: Any = None, votes: Any = None,
                 meetings: Any = None, groups: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.step = step
        self.rules = rules
        self.fields["actor"].help_text = step.actor_label
        if len(step.outcomes) > 1:
            self.fields["outcome"] = forms.ChoiceField(
                label=_("结果"), choices=[(o, Outcome(o).label) for o in step.outcomes], initial=step.outcomes[0],
                widget=forms.RadioSelect, error_messages={"invalid_choice": _("请选择有效的结果。")})
        if step.code in SUPPORTER_STEPS:
            label = _("培养联系人") if step.code == "contacts" else _("入党介绍人")
            self.fields["supporters"] = SupporterField(
                label=label, queryset=members if members is not None else Person.objects.none(), required=False,
                widget=forms.CheckboxSelectMultiple,
                error_messages={"invalid_choice": _("所选人员不是本支部的正式党员。"),
                                "invalid_pk_value": _("所选人员无效。")})
        if step.code == TRAINING_STEP:
            self.fields["days"] = forms.DecimalField(label=_("培训天数"), required=False, min_value=0,
                                                     max_digits=5, decimal_places=1)
            self.fields["class_hours"] = forms.DecimalField(label=_("学时"), required=False, min_value=0,
                                                            max_digits=5, decimal_places=1)
            self.fields["title"] = forms.CharField(label=_("培训名称"), required=False, max_length=100,
                                                   initial=_("发展对象集中培训"))
            self.fields["organizer"] = forms.CharField(label=_("举办单位"), required=False, max_length=100)
            self.fields["starts_on"] = forms.DateField(label=_("培训开始日期"), required=False,
                                                       widget=forms.DateInput())
            self.fields["done_on"].label = _("结业日期")
        if step.code == "candidate" and rules.n("publicity_working_days") > 0:
            help_text = _("须公示不少于%(n)d个工作日，并在确定发展对象之前结束。") % {
                "n": rules.n("publicity_working_days")}
            self.fields["publicity_from"] = forms.DateField(label=_("公示开始日期"), required=False,
                                                            widget=forms.DateInput(), help_text=help_text)
            self.fields["publicity_to"] = forms.DateField(label=_("公示结束日期"), required=False,
                                                          widget=forms.DateInput())
        if step.vote:
            self.fields["vote"] = VoteChoiceField(
                label=_("支部党员大会的表决"), queryset=votes if votes is not None else Vote.objects.none(),
                required=False, empty_label=_("请选择表决记录"),
                error_messages={"invalid_choice": _("所选表决不是本支部支部党员大会对此人的表决。")})
            self.fields["done_on"].help_text = _("即支部党员大会召开的日期。")
        if step.code == "conversion_vote":
            self.fields["extension_months"] = forms.IntegerField(
                label=_("延长预备期（月）"), required=False, min_value=0, max_value=99,
                help_text=_("结果为“延长预备期”时填写：%(low)d至%(high)d个月。") % {
                    "low": rules.n("extension_min_months"), "high": rules.n("extension_max_months")})
        if step.meeting_type == "committee":
            self.fields["meeting"] = MeetingChoiceField(
                label=_("支部委员会会议记录"), queryset=meetings if meetings is not None else Meeting.objects.none(),
                required=False, empty_label=_("（不关联）"),
                help_text=_("可选：关联当天的支委会记录。"),
                error_messages={"invalid_choice": _("所选会议不是本支部的支委会记录。")})
        if step.code == "assign_group" and groups is not None:
            self.fields["party_group"] = forms.ModelChoiceField(
                label=_("编入党小组"), queryset=groups, required=False, empty_label=_("（本支部未设党小组）"),
                error_messages={"invalid_choice": _("所选党小组不属于本支部。")})
        self.fields["attachments"] = MultipleFileField(label=_("附件"), help_text=_(
            "%(record)s。可上传 PDF、图片或 Word 文件，每个不超过 10 MB。") % {"record": step.record or _("相关材料")})
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
                widget.attrs["class"] = "form-check-input"
            elif isinstance(widget, forms.Select):
                widget.attrs.setdefault("class", "form-select")
            else:
                widget.attrs.setdefault("class", "form-control")
            if isinstance(widget, forms.DateInput):
                widget.input_type, widget.format = "date", "%Y-%m-%d"

    def step_input(self) -> StepInput:
        data = self.cleaned_data
        details: dict[str, Any] = {}
        for name in ("days", "class_hours"):
            if data.get(name) is not None:
                details[name] = _number(data[name])
        for name in ("title", "organizer"):
            if data.get(name):
                details[name] = data[name]
        for name in ("starts_on", "publicity_from", "publicity_to"):
            if data.get(name):
                details[name] = data[name]
        if data.get("party_group") is not None:
            details["party_group"] = data["party_group"].pk
        if data.get("extension_months") is not None and data.get("outcome") == Outcome.EXTENDED:
            details["extension_months"] = data["extension_months"]
        return StepInput(
            step=self.step.code, done_on=data["done_on"], outcome=data.get("outcome") or self.step.outcomes[0],
            actor=data.get("actor", ""), conclusion=data.get("conclusion", ""), details=details,
            meeting=data.get("meeting"), vote=data.get("vote"), supporters=list(data.get("supporters") or ()),
        )


def _number(value: Decimal) -> int | float:
    """JSON keeps numbers, not Decimals: 3 stays 3, 2.5 stays 2.5."""
    return int(value) if value == value.to_integral_value() else float(value)


class StopForm(PortalFormMixin, forms.Form):
    ended_on = forms.DateField(label=_("终止日期"), widget=forms.DateInput(),
                               error_messages={"required": _("请填写终止日期。"), "invalid": _("日期格式不正确。")})
    reason = forms.CharField(label=_("终止原因"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
                             help_text=_("例如：本人撤回入党申请、调离本单位、经考察不再具备条件。"))


class BoardFilterForm(PortalFormMixin, forms.Form):
    stage = forms.ChoiceField(label=_("阶段"), required=False,
                              choices=[("", _("全部阶段"))] + [(s.value, s.label) for s in Stage])
    q = forms.CharField(label=_("姓名"), required=False, max_length=50,
                        widget=forms.TextInput(attrs={"placeholder": _("姓名")}))
    overdue = forms.BooleanField(label=_("只看已逾期"), required=False)

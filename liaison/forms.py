"""Forms of the liaison person's pages. Each only parses the input of one service call (services.talk_record,
services.pair_update, services.pair_end, services.follow_up_close); the services hold every rule and explain
every refusal."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from branches.forms import PortalFormMixin

from .models import FollowUpStatus, PairKind
from .models import TalkForm as TalkFormChoice

FOLLOW_UP_ROWS = 3
DATE_ERRORS = {"invalid": _("日期格式不正确，请按“年-月-日”填写。")}


def _date_field(label: Any, **kwargs: Any) -> forms.DateField:
    return forms.DateField(label=label, required=False, widget=forms.DateInput(), error_messages=DATE_ERRORS,
                           **kwargs)


class TalkForm(PortalFormMixin, forms.Form):
    """记录谈话: the talk and up to FOLLOW_UP_ROWS follow-ups (rows left without text are skipped)."""

    held_on = _date_field(_("谈话日期"))
    form = forms.ChoiceField(label=_("形式"), choices=TalkFormChoice.choices, initial=TalkFormChoice.TALK)
    place = forms.CharField(label=_("地点"), max_length=200, required=False)
    topics = forms.CharField(label=_("谈话内容"), required=False,
                             widget=forms.Textarea(attrs={"rows": 3, "required": True}))
    thoughts = forms.CharField(label=_("思想动态与诉求"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    help_given = forms.CharField(label=_("帮助与答复"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    private_notes = forms.CharField(label=_("内部备注"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
                                    help_text=_("仅联系人本人和本单位党组织班子可见"))

    def __init__(self, *args: Any, owner: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for n in range(1, FOLLOW_UP_ROWS + 1):
            self.fields[f"fu{n}_text"] = forms.CharField(label=_("事项"), max_length=300, required=False)
            self.fields[f"fu{n}_owner"] = forms.CharField(label=_("负责人"), max_length=50, required=False,
                                                          initial=owner)
            self.fields[f"fu{n}_due_on"] = _date_field(_("完成期限"))
            self.fields[f"fu{n}_is_request"] = forms.BooleanField(label=_("诉求"), required=False)
        # The mixin styled the fields declared above; style the rows added here the same way.
        for name, field in self.fields.items():
            if name.startswith("fu"):
                widget = field.widget
                if isinstance(widget, forms.CheckboxInput):
                    widget.attrs.setdefault("class", "form-check-input")
                else:
                    widget.attrs.setdefault("class", "form-control")
                if isinstance(widget, forms.DateInput):
                    widget.input_type = "date"
                    widget.format = "%Y-%m-%d"

    def rows(self) -> list[dict[str, Any]]:
        """The follow-up rows' bound fields, for the template."""
        return [{"n": n, "text": self[f"fu{n}_text"], "owner": self[f"fu{n}_owner"], "due_on": self[f"fu{n}_due_on"],
                 "is_request": self[f"fu{n}_is_request"]} for n in range(1, FOLLOW_UP_ROWS + 1)]

    def talk_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {name: data.get(name) for name in ("held_on", "form", "place", "topics", "thoughts", "help_given",
                                                  "private_notes")}

    def follow_ups(self) -> list[dict[str, Any]]:
        data = self.cleaned_data
        return [{"text": data.get(f"fu{n}_text") or "", "owner": data.get(f"fu{n}_owner") or "",
                 "due_on": data.get(f"fu{n}_due_on"), "is_request": bool(data.get(f"fu{n}_is_request"))}
                for n in range(1, FOLLOW_UP_ROWS + 1)]


class MeasuresForm(PortalFormMixin, forms.Form):
    measures = forms.CharField(label=_("培养措施"), required=False, widget=forms.Textarea(attrs={"rows": 4}),
                               help_text=_("例如：每季度交流一次科研进展，邀请参加党组织的学习活动。"))


class PairEndForm(PortalFormMixin, forms.Form):
    ended_on = _date_field(_("结束日期"))
    reason = forms.CharField(label=_("结束原因"), max_length=200, required=False,
                             help_text=_("例如：联系人工作调动、对象已递交入党申请书并转入发展程序。"))


class FollowUpCloseForm(PortalFormMixin, forms.Form):
    status = forms.ChoiceField(label=_("办理情况"), choices=[(FollowUpStatus.DONE, FollowUpStatus.DONE.label),
                                                          (FollowUpStatus.DROPPED, FollowUpStatus.DROPPED.label)],
                               initial=FollowUpStatus.DONE, required=False)
    done_on = _date_field(_("办结日期"))
    result = forms.CharField(label=_("办理结果"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class PairFilterForm(forms.Form):
    """The filter bar of the pairs list: the values selectors.pairs understands."""

    status = forms.ChoiceField(required=False, choices=[("open", _("进行中")), ("ended", _("已结束")),
                                                        ("all", _("全部"))])
    kind = forms.ChoiceField(required=False, choices=[("", _("全部类型")), *PairKind.choices])
    q = forms.CharField(required=False, max_length=50)
    unit = forms.IntegerField(required=False, min_value=1)
    overdue = forms.BooleanField(required=False)

    def params(self) -> dict[str, Any]:
        if not self.is_valid():
            return {}
        return {k: v for k, v in self.cleaned_data.items() if v not in (None, "", False)}


def errors_of(form: forms.Form) -> list[str]:
    """A form's parsing errors as one flat list of messages."""
    return [str(e) for errs in form.errors.values() for e in errs]

"""Forms of the annual recruitment plan pages. They only parse: whether a plan may be opened and whether the
numbers are acceptable is decided by recruitment.plan_services, whose messages the pages show."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from branches.forms import PortalFormMixin

from .models import PLAN_NUMBERS
from .plan_services import NUMBER_LABELS


class CommitteeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return obj.short_name or obj.name


class PlanOpenForm(PortalFormMixin, forms.Form):
    """新建年度计划: the input of plan_services.plan_open."""

    organization = CommitteeChoiceField(
        label=_("制定计划的党组织"), queryset=None, empty_label=None,
        error_messages={"required": _("请选择党委或党总支。"),
                        "invalid_choice": _("所选党组织不是您可以制定计划的党委或党总支。")})
    year = forms.TypedChoiceField(label=_("年度"), coerce=int, choices=(),
                                  error_messages={"required": _("请选择年度。"),
                                                  "invalid_choice": _("只能制定今年或明年的计划。")})
    proposals_due_on = forms.DateField(label=_("基层报送建议数的截止日期"), required=False, widget=forms.DateInput(),
                                       error_messages={"invalid": _("日期格式不正确。")})
    note = forms.CharField(label=_("说明"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, committees: Any, today: datetime.date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = committees
        self.fields["year"].choices = [(today.year + 1, str(today.year + 1)), (today.year, str(today.year))]

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {"organization": data["organization"], "year": data["year"],
                "proposals_due_on": data.get("proposals_due_on"), "note": data.get("note") or ""}


class TargetNumbersForm(PortalFormMixin, forms.Form):
    """A target's numbers (the department's, or the unit's proposal). The fields stay text so that
    plan_services.clean_numbers judges every value and explains a refusal in its own words."""

    reason = forms.CharField(label=_("调整原因"), required=False, max_length=300,
                             widget=forms.Textarea(attrs={"rows": 2}),
                             help_text=_("计划已批准后调整指标须填写原因。"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        numbers = {name: forms.CharField(label=NUMBER_LABELS[name], required=False, max_length=10,
                                         widget=forms.NumberInput(attrs={"min": 0, "step": 1, "inputmode": "numeric"}))
                   for name in PLAN_NUMBERS}
        self.fields = {**numbers, **self.fields}
        for name in PLAN_NUMBERS:
            self.fields[name].widget.attrs.setdefault("class", "form-control")

    def numbers(self) -> dict[str, str]:
        return {name: self.cleaned_data.get(name, "") for name in PLAN_NUMBERS}

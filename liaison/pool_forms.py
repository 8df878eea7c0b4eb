"""Forms of the pool pages. Each only parses the input of one service call (services.profile_save,
services.profile_remove, services.pair_start); the services hold every rule and explain every refusal."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from branches.forms import PortalFormMixin
from members.models import Person

from .models import LiaisonRole, PairKind, TalentProfile
from .services import PROFILE_FIELDS

_DATE_ERRORS = {"required": _("请填写日期。"), "invalid": _("日期格式不正确。")}


class _PersonField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Person) -> str:
        return obj.name


class ProfileForm(PortalFormMixin, forms.ModelForm):
    """The pool entry's own facts (the person's record keeps title, education and the rest)."""

    class Meta:
        model = TalentProfile
        fields = list(PROFILE_FIELDS)
        widgets = {"note": forms.Textarea(attrs={"rows": 3})}

    def service_data(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in PROFILE_FIELDS}


class ProfileNewForm(ProfileForm):
    """录入人员: the person and the entry's facts; the unit comes from the page."""

    person = _PersonField(label=_("人员"), queryset=Person.objects.none(),
                          error_messages={"required": _("请选择要录入的人员。"),
                                          "invalid_choice": _("所选人员不在您负责的党组织范围内。")})

    class Meta(ProfileForm.Meta):
        fields = ["person", *PROFILE_FIELDS]

    def __init__(self, *args: Any, people: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = people

    def validate_unique(self) -> None:
        """services.profile_save names the pool the person is already in."""


class RemoveForm(PortalFormMixin, forms.Form):
    removed_on = forms.DateField(label=_("出库日期"), widget=forms.DateInput(), error_messages=_DATE_ERRORS)
    reason = forms.CharField(label=_("出库原因"), max_length=200, required=False,
                             widget=forms.Textarea(attrs={"rows": 2}),
                             help_text=_("例如：已递交入党申请并发展入党、调离本单位、退休。进行中的联系将以同一原因结束。"))


class PairForm(PortalFormMixin, forms.Form):
    """Start a pair: the liaison person comes from the candidates the page lists."""

    kind = forms.ChoiceField(label=_("类型"), choices=PairKind.choices, initial=PairKind.LIAISON,
                             widget=forms.RadioSelect,
                             error_messages={"required": _("请选择结对类型。"),
                                             "invalid_choice": _("请选择有效的结对类型。")})
    liaison = _PersonField(label=_("联系人"), queryset=Person.objects.none(),
                           error_messages={"required": _("请选择联系人。"),
                                           "invalid_choice": _("所选联系人不在您负责的党组织范围内。")})
    liaison_role = forms.ChoiceField(label=_("联系人身份"), required=False,
                                     choices=[("", _("按任职自动确定"))] + list(LiaisonRole.choices),
                                     error_messages={"invalid_choice": _("请选择有效的联系人身份。")})
    started_on = forms.DateField(label=_("开始日期"), widget=forms.DateInput(), error_messages=_DATE_ERRORS)
    measures = forms.CharField(label=_("培养措施"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
                               help_text=_("例如：每季度谈心一次，邀请参加党组织活动。"))

    def __init__(self, *args: Any, people: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["liaison"].queryset = people
        self.fields["kind"].widget.attrs["class"] = "form-check-input"

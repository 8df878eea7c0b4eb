"""Forms of the people pages. They only parse input: the services validate and save."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from branches.forms import PortalFormMixin
from branches.models import Organization
from branches.permissions import Capability

from . import selectors
from .codes import MemberCategory, PoliticalStatus
from .models import PartyMembership, Person
from .services import MEMBERSHIP_PREFIX


class _ServiceValidatedForm(PortalFormMixin, forms.ModelForm):
    """A ModelForm that leaves model validation to the service (which also checks scope and duplicates)."""

    def _post_clean(self) -> None:
        pass


def _select(choices: list[tuple[Any, str]], blank: str) -> forms.Select:
    return forms.Select(choices=[("", blank), *choices])


class PersonForm(_ServiceValidatedForm):
    organization = forms.IntegerField(label=_("所在党组织"))

    class Meta:
        model = Person
        fields = [
            "name", "sex", "ethnicity", "birth_date", "id_number", "political_status", "organization",
            "education", "degree", "title", "title_level", "returned_from_abroad", "discipline", "post",
            "phone", "email",
        ]
        widgets = {
            "birth_date": forms.DateInput(),
            "id_number": forms.TextInput(attrs={"autocomplete": "off", "maxlength": 18,
                                                "style": "text-transform: uppercase"}),
            "phone": forms.TextInput(attrs={"inputmode": "tel"}),
        }
        help_texts = {"id_number": _("18位，末位可为X；将核对出生日期与性别。")}

    def __init__(self, *args: Any, user: Any, with_organization: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if with_organization:
            choices = selectors.org_choices(user=user, capability=Capability.EDIT_PEOPLE)
            self.fields["organization"].widget = _select(choices, _("请选择党组织"))
            self.fields["organization"].widget.attrs["class"] = "form-select"
        else:
            del self.fields["organization"]
        self.fields["political_status"].widget.attrs["data-party-status"] = ",".join(PoliticalStatus.party())
        self.fields["degree"].choices = [("", _("无")), *[c for c in self.fields["degree"].choices if c[0]]]
        self.fields["title_level"].choices = [("", "---------"), *[c for c in self.fields["title_level"].choices
                                                                   if c[0]]]


class MembershipForm(_ServiceValidatedForm):
    """Party membership facts; the category follows the political status chosen on the person form."""

    party_group = forms.IntegerField(label=_("党小组"), required=False)

    class Meta:
        model = PartyMembership
        fields = [
            "admitted_on", "converted_on", "party_group", "status", "rights_suspended",
            "lost_contact", "lost_contact_on", "lost_contact_reason", "mobile", "mobile_since", "mobile_destination",
        ]
        widgets = {f: forms.DateInput() for f in ("admitted_on", "converted_on", "lost_contact_on", "mobile_since")}
        help_texts = {"converted_on": _("正式党员填写；预备党员留空。")}

    def __init__(self, *args: Any, user: Any, within: Organization | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "m")
        super().__init__(*args, **kwargs)
        groups = selectors.party_group_choices(user=user, within=within)
        self.fields["party_group"].widget = _select(groups, _("未编入党小组"))
        self.fields["party_group"].widget.attrs["class"] = "form-select"
        for field in self.fields.values():
            field.required = False

    def service_data(self, political_status: str) -> dict[str, Any]:
        category = MemberCategory.FULL if political_status == PoliticalStatus.CPC_MEMBER \
            else MemberCategory.PROBATIONARY
        return {**self.cleaned_data, "category": category}


class MoveForm(PortalFormMixin, forms.Form):
    organization = forms.IntegerField(label=_("调入党组织"))
    confirm = forms.BooleanField(label=_("我已核对，确认调动"), required=True,
                                 error_messages={"required": _("请勾选确认后再提交调动。")})

    def __init__(self, *args: Any, user: Any, person: Person, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [
            (pk, name) for pk, name in selectors.org_choices(user=user, capability=Capability.EDIT_PEOPLE)
            if pk != person.organization_id
        ]
        self.fields["organization"].widget = _select(choices, _("请选择党组织"))
        self.fields["organization"].widget.attrs["class"] = "form-select"


def mark_invalid(*forms_: forms.BaseForm) -> None:
    """Give fields with errors Bootstrap's is-invalid class."""
    for form in forms_:
        if not form.is_bound:
            continue
        for name in form.errors:
            if name in form.fields:
                widget = form.fields[name].widget
                widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()


def apply_errors(exc: ValidationError, form: forms.BaseForm, membership_form: forms.BaseForm | None = None) -> None:
    """Put a service's ValidationError on the right fields of the person form and the membership form."""
    for field, messages in exc.message_dict.items():
        target, name = form, field
        if membership_form is not None and (field == "membership" or field.startswith(MEMBERSHIP_PREFIX)):
            target, name = membership_form, field.removeprefix(MEMBERSHIP_PREFIX)
        target.add_error(name if name in target.fields else None, messages)

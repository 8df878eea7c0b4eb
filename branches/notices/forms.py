"""Forms for work notices. Their data goes to branches.notices.services, where validation lives."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from branches.forms import PortalFormMixin
from branches.models import Meeting, MeetingType, NoticeItem, Organization, RequirementKind

from .services import NOTICE_FILE_TYPES, ItemData


class NoticeForm(PortalFormMixin, forms.Form):
    organization = forms.ModelChoiceField(label=_("下发组织"), queryset=Organization.objects.none())
    number = forms.CharField(label=_("期次"), max_length=40, required=False, help_text=_("例如“第3期”"))
    title = forms.CharField(label=_("标题"), max_length=200)
    body = forms.CharField(label=_("正文"), required=False, widget=forms.Textarea(attrs={"rows": 5}))

    def __init__(self, *args: Any, issuer_orgs: Any = None, fixed_org: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if issuer_orgs is not None:
            self.fields["organization"].queryset = issuer_orgs
        if fixed_org:
            del self.fields["organization"]


class ItemForm(PortalFormMixin, forms.Form):
    title = forms.CharField(label=_("事项"), max_length=200)
    deadline = forms.DateField(label=_("截止日期"), widget=forms.DateInput())
    requirement = forms.ChoiceField(label=_("提交内容"), choices=RequirementKind.choices,
                                    initial=RequirementKind.WRITTEN_REPORT)
    meeting_type = forms.ChoiceField(label=_("会议类型"), required=False,
                                     choices=[("", "—"), *MeetingType.choices])
    description = forms.CharField(label=_("要求"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def item_data(self) -> ItemData:
        d = self.cleaned_data
        return ItemData(title=d["title"], deadline=d["deadline"], requirement=d["requirement"],
                        description=d.get("description", ""), meeting_type=d.get("meeting_type", ""))


ItemFormSet = forms.formset_factory(ItemForm, extra=0, min_num=1, validate_min=True, can_delete=True)


def item_initial(items: list[NoticeItem]) -> list[dict[str, Any]]:
    return [{"title": i.title, "deadline": i.deadline, "requirement": i.requirement, "meeting_type": i.meeting_type,
             "description": i.description} for i in items]


class SubmissionForm(PortalFormMixin, forms.Form):
    text = forms.CharField(label=_("情况说明"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    meeting = forms.ModelChoiceField(label=_("会议"), queryset=Meeting.objects.none(), required=False,
                                     empty_label=_("请选择本支部召开的会议"))
    file = forms.FileField(label=_("文件"), required=False,
                           help_text=_("PDF、Word（docx）、Excel（xlsx）、JPG 或 PNG"),
                           widget=forms.ClearableFileInput(attrs={"accept": ",".join(f".{e}" for e in NOTICE_FILE_TYPES)}))

    def __init__(self, *args: Any, item: NoticeItem, meetings: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if item.requirement == RequirementKind.MEETING_HELD:
            self.fields["meeting"].queryset = meetings
            self.fields["meeting"].label = _("本支部召开的“%(type)s”") % {"type": item.get_meeting_type_display()}
            self.fields["meeting"].label_from_instance = (
                lambda m: f"{timezone.localtime(m.held_at):%Y-%m-%d} {m.title}")
            del self.fields["file"]
        else:
            del self.fields["meeting"]
        self.order_fields(["meeting", "file", "text"])
        if item.requirement == RequirementKind.WRITTEN_REPORT:
            self.fields["text"].label = _("书面报告")
            self.fields["text"].widget.attrs["rows"] = 8
            del self.fields["file"]

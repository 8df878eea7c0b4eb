from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from branches.forms import PortalFormMixin

from .exporters.base import FORMAT_LABELS, BaseExporter


class FormatForm(PortalFormMixin, forms.Form):
    """The output format of an export, among those the exporter offers."""

    format = forms.ChoiceField(label=_("文件格式"), widget=forms.RadioSelect)

    def __init__(self, *args, exporter: BaseExporter, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["format"]
        field.choices = [(fmt, FORMAT_LABELS.get(fmt, fmt)) for fmt in exporter.formats]
        field.initial = exporter.formats[0]
        field.widget.attrs["class"] = "form-check-input"

"""The upload form of a bulk import; the file's size and type are checked by imports.services.import_start."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from branches.forms import PortalFormMixin

XLSX_ACCEPT = ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ImportUploadForm(PortalFormMixin, forms.Form):
    file = forms.FileField(
        label=_("导入文件"),
        help_text=_("请使用下载的模板填写，保存为 Excel 工作簿（.xlsx）后上传。"),
        widget=forms.FileInput(attrs={"accept": XLSX_ACCEPT}),
        error_messages={"required": _("请选择要上传的文件。"), "empty": _("上传的文件是空的。")},
    )

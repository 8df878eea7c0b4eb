from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from members.models import Person

from .models import CommitteePosition, Organization, OrgType, RoleKind


class PortalFormMixin:
    """Give every widget its Bootstrap class, so templates render fields plainly."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(widget, (forms.Select, forms.SelectMultiple)):
                widget.attrs.setdefault("class", "form-select")
            else:
                widget.attrs.setdefault("class", "form-control")
            if isinstance(widget, forms.DateInput):
                widget.input_type = "date"
                widget.format = "%Y-%m-%d"


# ---- organization tree and roles (used by branches.views; every form's data goes to branches.services) --------

_ORG_FIELDS = (
    "name", "short_name", "code", "org_type", "founded_on", "unit_name", "unit_relation", "has_committee",
    "term_started_on", "term_ends_on", "secretary_name", "contact_name", "contact_phone",
)


def _indented(org: Organization, base_depth: int = 1) -> str:
    return "\u3000" * max(org.depth - base_depth, 0) + _("%(name)s（%(type)s）") % {
        "name": org.short_name, "type": org.get_org_type_display()}


class OrganizationForm(PortalFormMixin, forms.ModelForm):
    """Create or edit an organization. Saving goes through organization_create / organization_update."""

    class Meta:
        model = Organization
        fields = _ORG_FIELDS
        widgets = {
            "founded_on": forms.DateInput(),
            "term_started_on": forms.DateInput(),
            "term_ends_on": forms.DateInput(),
        }

    def __init__(self, *args, parent: Organization | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if parent is not None:
            if parent.org_type in OrgType.branch_types():
                allowed = [OrgType.PARTY_GROUP]
            else:
                allowed = [t for t in OrgType.values if t != OrgType.PARTY_GROUP]
            self.fields["org_type"].choices = [(v, OrgType(v).label) for v in allowed]
            if not self.instance.pk:
                self.fields["org_type"].initial = allowed[0] if len(allowed) == 1 else OrgType.BRANCH

    def clean(self):
        data = super().clean()
        start, end = data.get("term_started_on"), data.get("term_ends_on")
        if start and end and end <= start:
            self.add_error("term_ends_on", _("届满日期必须晚于本届开始日期。"))
        return data

    def service_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class OrganizationMoveForm(PortalFormMixin, forms.Form):
    new_parent = forms.ModelChoiceField(
        label=_("新的上级党组织"), queryset=Organization.objects.all(),
        error_messages={"invalid_choice": _("所选的党组织不存在。")},
    )

    def __init__(self, *args, targets: list[Organization] = (), **kwargs):
        super().__init__(*args, **kwargs)
        # The list offers valid targets only; any other id still reaches the service, which refuses it.
        base = min((t.depth for t in targets), default=1)
        self.fields["new_parent"].widget.choices = [("", "---------")] + [
            (t.pk, _indented(t, base)) for t in targets
        ]


class OrganizationCloseForm(PortalFormMixin, forms.Form):
    closed_on = forms.DateField(label=_("撤销日期"), widget=forms.DateInput(), initial=timezone.localdate)
    reason = forms.CharField(label=_("撤销原因"), max_length=200, widget=forms.Textarea(attrs={"rows": 3}))


class RoleGrantForm(PortalFormMixin, forms.Form):
    EXISTING, NEW = "existing", "new"

    account = forms.ChoiceField(
        label=_("账号"), choices=[(EXISTING, _("选择已有账号")), (NEW, _("新建账号"))], initial=EXISTING,
        widget=forms.RadioSelect,
    )
    username = forms.CharField(label=_("用户名"), max_length=150,
                               widget=forms.TextInput(attrs={"list": "user-candidates", "autocomplete": "off"}))
    full_name = forms.CharField(label=_("姓名"), max_length=150, required=False, help_text=_("新建账号时填写"))
    password = forms.CharField(label=_("初始密码"), required=False, widget=forms.PasswordInput(render_value=False),
                               help_text=_("新建账号时填写；至少 8 位，不能全是数字"))
    organization = forms.ModelChoiceField(label=_("党组织"), queryset=Organization.objects.none())
    kind = forms.ChoiceField(label=_("职务"), choices=())
    starts_on = forms.DateField(label=_("开始日期"), widget=forms.DateInput(), initial=timezone.localdate)
    ends_on = forms.DateField(label=_("结束日期"), widget=forms.DateInput(), required=False,
                              help_text=_("任期已定时填写，否则留空"))
    note = forms.CharField(label=_("备注"), max_length=200, required=False)

    def __init__(self, *args, organizations=None, kinds: list[str] = (), **kwargs):
        super().__init__(*args, **kwargs)
        if organizations is not None:
            orgs = list(organizations)
            self.fields["organization"].queryset = organizations.all()
            base = min((o.depth for o in orgs), default=1)
            self.fields["organization"].choices = [("", "---------")] + [(o.pk, _indented(o, base)) for o in orgs]
        self.fields["kind"].choices = [(k, RoleKind(k).label) for k in kinds]
        self.fields["account"].widget.attrs = {"class": "form-check-input"}


class RoleEndForm(PortalFormMixin, forms.Form):
    ends_on = forms.DateField(label=_("结束日期"), widget=forms.DateInput(), initial=timezone.localdate)


class SeatAddForm(PortalFormMixin, forms.Form):
    """Seat a person on an organization's committee; saving goes through services.seat_add."""

    person = forms.ModelChoiceField(label=_("委员"), queryset=Person.objects.none(),
                                    error_messages={"invalid_choice": _("所选人员不存在。")})
    position = forms.ChoiceField(label=_("职务"), choices=CommitteePosition.choices,
                                 initial=CommitteePosition.MEMBER)
    starts_on = forms.DateField(label=_("任职日期"), widget=forms.DateInput(), initial=timezone.localdate)
    note = forms.CharField(label=_("备注"), max_length=200, required=False,
                           help_text=_("例如：选举或批复文号"))

    def __init__(self, *args, organization: Organization, candidates: list[Person] = (), **kwargs):
        super().__init__(*args, **kwargs)
        # The list offers eligible people only; any other id in the subtree still reaches the service, which
        # explains why it is refused.
        self.fields["person"].queryset = Person.objects.filter(organization__path__startswith=organization.path)
        self.fields["person"].widget.choices = [("", "---------")] + [
            (p.pk, _("%(name)s（%(org)s）") % {"name": p.name, "org": p.organization.short_name}
             if p.organization_id != organization.pk else p.name)
            for p in candidates
        ]


class SeatEndForm(PortalFormMixin, forms.Form):
    ends_on = forms.DateField(label=_("离任日期"), widget=forms.DateInput(), initial=timezone.localdate,
                              help_text=_("在任的最后一天"))
    note = forms.CharField(label=_("离任原因"), max_length=100, required=False,
                           help_text=_("例如：换届、调离、转出组织关系"))


class RoleFilterForm(PortalFormMixin, forms.Form):
    q = forms.CharField(label=_("用户"), required=False,
                        widget=forms.TextInput(attrs={"placeholder": _("用户名或姓名")}))
    org = forms.CharField(label=_("党组织"), required=False,
                          widget=forms.TextInput(attrs={"placeholder": _("名称、简称或代码")}))
    kind = forms.ChoiceField(label=_("职务"), required=False)
    active = forms.ChoiceField(label=_("状态"), required=False,
                               choices=[("", _("全部")), ("1", _("在任")), ("0", _("已结束"))])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", _("全部职务")), *RoleKind.choices]


class AuditFilterForm(PortalFormMixin, forms.Form):
    actor = forms.CharField(label=_("操作人"), required=False,
                            widget=forms.TextInput(attrs={"placeholder": _("用户名或姓名")}))
    content_type = forms.ModelChoiceField(label=_("对象类型"), queryset=ContentType.objects.none(), required=False,
                                          empty_label=_("全部类型"))
    q = forms.CharField(label=_("对象"), required=False, widget=forms.TextInput(attrs={"placeholder": _("名称包含")}))
    action = forms.TypedChoiceField(
        label=_("操作"), required=False, coerce=int, empty_value=None,
        choices=[("", _("全部操作")), (0, _("新建")), (1, _("修改")), (2, _("删除")), (3, _("查看"))],
    )
    date_from = forms.DateField(label=_("起始日期"), required=False, widget=forms.DateInput())
    date_to = forms.DateField(label=_("截止日期"), required=False, widget=forms.DateInput())

    def __init__(self, *args, content_types=(), **kwargs):
        super().__init__(*args, **kwargs)
        cts = list(content_types)
        self.fields["content_type"].queryset = ContentType.objects.filter(pk__in=[c.pk for c in cts])
        self.fields["content_type"].choices = [("", _("全部类型"))] + [
            (c.pk, str(c.model_class()._meta.verbose_name) if c.model_class() else c.model) for c in cts
        ]


class PortalAuthenticationForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("用户名或密码不正确，请重新输入（区分大小写）。"),
    }

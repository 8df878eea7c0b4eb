"""Every write to the organization tree and to roles.

Each service takes the acting user, checks the capability through branches.permissions (outside the
actor's scope: 404; inside without the capability: 403), validates with Chinese messages, and runs in
one transaction under `acting(actor)` so django-auditlog records who did it.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from auditlog.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext

from members.models import Person

from . import permissions
from .audit import acting
from .models import Organization, OrgType, Role, RoleKind
from .permissions import Capability
from .selectors import tree_changed

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

ORGANIZATION_FIELDS = (
    "name",
    "short_name",
    "code",
    "org_type",
    "founded_on",
    "unit_name",
    "unit_relation",
    "has_committee",
    "term_started_on",
    "term_ends_on",
    "secretary_name",
    "contact_name",
    "contact_phone",
)
CONTAINER_TYPES = (OrgType.COMMITTEE, OrgType.GENERAL_BRANCH)
_TREE_FIELDS = ["path", "depth", "numchild"]


def _require_administer(actor: Any, org: Organization) -> None:
    permissions.check(actor, org, Capability.ADMINISTER)


def _clean_data(data: dict[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(data) - set(ORGANIZATION_FIELDS))
    if unknown:
        raise ValidationError({name: gettext("未知字段。") for name in unknown})
    return dict(data)


def _validate_placement(org_type: str, parent: Organization | None) -> None:
    """Which organization may sit under which: 党小组 only under a branch, a branch holds only 党小组,
    nothing under a 党小组 or under a closed organization."""
    if parent is None:
        return
    if parent.closed_on is not None:
        raise ValidationError(gettext("上级党组织“%(name)s”已撤销，不能在其下设立或移入党组织。") % {"name": parent})
    if parent.org_type == OrgType.PARTY_GROUP:
        raise ValidationError(gettext("党小组下不能再设立党组织。"))
    if org_type == OrgType.PARTY_GROUP and parent.org_type not in OrgType.branch_types():
        raise ValidationError(
            {"org_type": gettext("党小组只能设在党支部（含联合党支部、临时党支部）之下。")}
        )
    if parent.org_type in OrgType.branch_types() and org_type != OrgType.PARTY_GROUP:
        raise ValidationError(
            {"org_type": gettext("党支部之下只能设立党小组，不能设立%(type)s。") % {"type": OrgType(org_type).label}}
        )


def _validate_fields(org: Organization) -> None:
    errors: dict[str, list[str]] = {}
    today = timezone.localdate()
    if org.founded_on and org.founded_on > today:
        errors.setdefault("founded_on", []).append(gettext("成立日期不能晚于今天。"))
    if org.term_started_on and org.term_ends_on and org.term_ends_on <= org.term_started_on:
        errors.setdefault("term_ends_on", []).append(gettext("届满日期必须晚于本届开始日期。"))
    if org.code:
        clash = Organization.objects.filter(code=org.code).exclude(pk=org.pk).first()
        if clash is not None:
            errors.setdefault("code", []).append(
                gettext("组织代码“%(code)s”已被“%(name)s”使用。") % {"code": org.code, "name": clash.name}
            )
    if errors:
        raise ValidationError(errors)


def _full_clean(org: Organization) -> None:
    _validate_fields(org)
    org.full_clean(exclude=_TREE_FIELDS)


@transaction.atomic
def organization_create(*, actor: Any, parent: Organization | None, data: dict[str, Any]) -> Organization:
    """Create an organization under `parent` (ADMINISTER on the parent); a new root needs a superuser."""
    transaction.on_commit(tree_changed)
    data = _clean_data(data)
    if parent is None:
        if not getattr(actor, "is_superuser", False):
            raise PermissionDenied(gettext("只有系统管理员可以创建顶层党组织。"))
    else:
        parent.refresh_from_db()
        _require_administer(actor, parent)
    org = Organization(**data)
    if not org.org_type:
        raise ValidationError({"org_type": gettext("请选择组织类别。")})
    _validate_placement(org.org_type, parent)
    _full_clean(org)
    with acting(actor):
        if parent is None:
            return Organization.objects.add_root(instance=org)
        return Organization.objects.add_child(parent, instance=org)


@transaction.atomic
def organization_update(*, actor: Any, organization: Organization, data: dict[str, Any]) -> Organization:
    """Change an organization's descriptive fields (ADMINISTER on it)."""
    transaction.on_commit(tree_changed)
    data = _clean_data(data)
    org = Organization.objects.select_for_update().get(pk=organization.pk)
    _require_administer(actor, org)
    if org.closed_on is not None:
        raise ValidationError(gettext("该党组织已于 %(date)s 撤销，不能再修改。") % {"date": org.closed_on.isoformat()})
    changed = [name for name, value in data.items() if getattr(org, name) != value]
    for name in changed:
        setattr(org, name, data[name])
    if "org_type" in changed:
        _validate_type_change(org)
    _full_clean(org)
    if changed:
        with acting(actor):
            org.save(update_fields=[*changed, "updated_at"])
    organization.refresh_from_db()
    return org


def _validate_type_change(org: Organization) -> None:
    parent = Organization.objects.get_parent(org, update=True)
    _validate_placement(org.org_type, parent)
    children = Organization.objects.filter(path__startswith=org.path, depth=org.depth + 1)
    if org.org_type == OrgType.PARTY_GROUP:
        if children.exists():
            raise ValidationError({"org_type": gettext("该党组织下还有下级组织，不能改为党小组。")})
        people = Person.objects.filter(organization=org).count()
        if people:
            raise ValidationError(
                {"org_type": gettext("该党组织还有 %(n)s 名人员，党小组不能直接编入人员，不能改为党小组。") % {"n": people}}
            )
    elif org.org_type in OrgType.branch_types():
        others = children.exclude(org_type=OrgType.PARTY_GROUP).count()
        if others:
            raise ValidationError(
                {"org_type": gettext("该党组织下还有 %(n)s 个党支部或党委等下级组织，党支部之下只能设党小组。")
                 % {"n": others}}
            )
    elif children.filter(org_type=OrgType.PARTY_GROUP).exists():
        raise ValidationError({"org_type": gettext("该党组织下设有党小组，党小组只能设在党支部之下，不能改为此类别。")})


@transaction.atomic
def organization_move(*, actor: Any, organization: Organization, new_parent: Organization) -> Organization:
    """Move an organization with its whole subtree under `new_parent`.

    Needs ADMINISTER on the organization and on the new parent; a new parent outside the actor's
    ADMINISTER scope is refused as if it did not exist (404)."""
    transaction.on_commit(tree_changed)
    org = Organization.objects.select_for_update().get(pk=organization.pk)
    _require_administer(actor, org)
    try:
        target = Organization.objects.get(pk=new_parent.pk)
    except Organization.DoesNotExist:
        raise Http404
    if not permissions.has_capability(actor, target, Capability.ADMINISTER):
        raise Http404
    if org.closed_on is not None:
        raise ValidationError(gettext("该党组织已撤销，不能移动。"))
    if target.path.startswith(org.path):
        if target.pk == org.pk:
            raise ValidationError({"new_parent": gettext("不能把党组织移到它自己之下。")})
        raise ValidationError(
            {"new_parent": gettext("不能把“%(org)s”移到它自己的下级组织“%(target)s”之下。")
             % {"org": org, "target": target}}
        )
    old_parent = Organization.objects.get_parent(org, update=True)
    if old_parent is not None and old_parent.pk == target.pk:
        raise ValidationError({"new_parent": gettext("该党组织已经在“%(target)s”之下。") % {"target": target}})
    try:
        _validate_placement(org.org_type, target)
    except ValidationError as exc:
        raise ValidationError({"new_parent": exc.messages})
    if org.org_type == OrgType.PARTY_GROUP:
        grouped = org.group_members.count()
        if grouped:
            raise ValidationError(
                {"new_parent": gettext("该党小组还有 %(n)s 名党员，请先调整这些党员的党小组再移动。") % {"n": grouped}}
            )
    old_path = org.path
    Organization.objects.move(org, target, "last-child")
    org.refresh_from_db()
    LogEntry.objects.log_create(
        org,
        action=LogEntry.Action.UPDATE,
        changes={"parent": [str(old_parent) if old_parent else None, str(target)], "path": [old_path, org.path]},
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        force_log=True,
    )
    organization.refresh_from_db()
    return org


@transaction.atomic
def organization_close(
    *, actor: Any, organization: Organization, closed_on: datetime.date, reason: str
) -> Organization:
    """Close (撤销) an organization. The row and its history stay; roles held there end on that day.

    Refused while it still has open child organizations or people anchored to it."""
    transaction.on_commit(tree_changed)
    org = Organization.objects.select_for_update().get(pk=organization.pk)
    _require_administer(actor, org)
    if org.closed_on is not None:
        raise ValidationError(gettext("该党组织已于 %(date)s 撤销。") % {"date": org.closed_on.isoformat()})
    errors: dict[str, list[str]] = {}
    reason = (reason or "").strip()
    if not reason:
        errors.setdefault("reason", []).append(gettext("请填写撤销原因。"))
    if closed_on is None:
        errors.setdefault("closed_on", []).append(gettext("请填写撤销日期。"))
    elif closed_on > timezone.localdate():
        errors.setdefault("closed_on", []).append(gettext("撤销日期不能晚于今天。"))
    elif org.founded_on and closed_on < org.founded_on:
        errors.setdefault("closed_on", []).append(
            gettext("撤销日期不能早于成立日期（%(date)s）。") % {"date": org.founded_on.isoformat()}
        )
    if errors:
        raise ValidationError(errors)
    open_children = Organization.objects.filter(
        path__startswith=org.path, depth=org.depth + 1, closed_on__isnull=True
    ).count()
    people = Person.objects.filter(organization=org).count()
    blockers = []
    if open_children:
        blockers.append(gettext("还有 %(n)s 个未撤销的下级党组织") % {"n": open_children})
    if people:
        blockers.append(gettext("还有 %(n)s 名人员编在该组织") % {"n": people})
    if blockers:
        raise ValidationError(
            gettext("不能撤销“%(org)s”：%(why)s。请先撤销下级组织或转出人员。")
            % {"org": org, "why": gettext("，").join(blockers)}
        )
    org.closed_on = closed_on
    org.closed_reason = reason
    _full_clean(org)
    with acting(actor):
        org.save(update_fields=["closed_on", "closed_reason", "updated_at"])
        for role in Role.objects.select_for_update().filter(organization=org).exclude(ends_on__lte=closed_on):
            role.ends_on = max(closed_on, role.starts_on)
            role.full_clean()
            role.save(update_fields=["ends_on", "updated_at"])
    organization.refresh_from_db()
    return org


# ---- roles and accounts ------------------------------------------------------------------------------


def grantable_kinds(actor: Any) -> list[str]:
    """Role kinds the actor may grant where they hold ADMINISTER: all but 系统管理员, which only a
    superuser grants (it carries every capability)."""
    if getattr(actor, "is_superuser", False):
        return list(RoleKind.values)
    return [kind for kind in RoleKind.values if kind != RoleKind.SYSTEM_ADMIN]


@transaction.atomic
def role_grant(
    *,
    actor: Any,
    user: AbstractBaseUser,
    organization: Organization,
    kind: str,
    starts_on: datetime.date,
    ends_on: datetime.date | None = None,
    note: str = "",
) -> Role:
    """Grant `user` a role at `organization` (ADMINISTER there)."""
    org = Organization.objects.get(pk=organization.pk)
    _require_administer(actor, org)
    errors: dict[str, list[str]] = {}
    if org.closed_on is not None:
        errors.setdefault("organization", []).append(gettext("该党组织已撤销，不能再授予职务。"))
    if not user.is_active:
        errors.setdefault("user", []).append(gettext("该账号已停用，不能授予职务。"))
    if kind not in RoleKind.values:
        errors.setdefault("kind", []).append(gettext("请选择有效的职务。"))
    elif kind not in grantable_kinds(actor):
        errors.setdefault("kind", []).append(
            gettext("只有系统管理员可以授予“%(kind)s”职务。") % {"kind": RoleKind(kind).label}
        )
    if starts_on is None:
        errors.setdefault("starts_on", []).append(gettext("请填写开始日期。"))
    elif ends_on is not None and ends_on < starts_on:
        errors.setdefault("ends_on", []).append(
            gettext("结束日期（%(end)s）不能早于开始日期（%(start)s）。")
            % {"end": ends_on.isoformat(), "start": starts_on.isoformat()}
        )
    if not errors:
        overlapping = Role.objects.filter(user=user, organization=org, kind=kind).exclude(
            ends_on__lt=starts_on
        )
        if ends_on is not None:
            overlapping = overlapping.exclude(starts_on__gt=ends_on)
        if overlapping.exists():
            errors.setdefault("kind", []).append(
                gettext("%(user)s 在“%(org)s”已有同一时段的“%(kind)s”职务。")
                % {"user": user.get_username(), "org": org, "kind": RoleKind(kind).label}
            )
    if errors:
        raise ValidationError(errors)
    role = Role(user=user, organization=org, kind=kind, starts_on=starts_on, ends_on=ends_on, note=note or "")
    role.full_clean()
    with acting(actor):
        role.save()
    permissions.forget_scope(user)
    return role


@transaction.atomic
def role_end(*, actor: Any, role: Role, ends_on: datetime.date) -> Role:
    """End a role on `ends_on` (ADMINISTER at its organization)."""
    role = Role.objects.select_for_update().select_related("organization", "user").get(pk=role.pk)
    _require_administer(actor, role.organization)
    today = timezone.localdate()
    if ends_on is None:
        raise ValidationError({"ends_on": gettext("请填写结束日期。")})
    if role.ends_on is not None and role.ends_on < today:
        raise ValidationError(gettext("该职务已于 %(date)s 结束。") % {"date": role.ends_on.isoformat()})
    if ends_on < role.starts_on:
        raise ValidationError(
            {"ends_on": gettext("结束日期（%(end)s）不能早于该职务的开始日期（%(start)s）。")
             % {"end": ends_on.isoformat(), "start": role.starts_on.isoformat()}}
        )
    role.ends_on = ends_on
    role.full_clean()
    with acting(actor):
        role.save(update_fields=["ends_on", "updated_at"])
    permissions.forget_scope(role.user)
    return role


@transaction.atomic
def user_create(*, actor: Any, username: str, full_name: str, password: str) -> AbstractBaseUser:
    """Create a login account (administrators only). The creation is written to the audit log."""
    if not permissions.can_administer_users(actor):
        raise PermissionDenied(gettext("您没有创建账号的权限。"))
    User = get_user_model()
    username = (username or "").strip()
    full_name = (full_name or "").strip()
    errors: dict[str, list[str]] = {}
    if not username:
        errors.setdefault("username", []).append(gettext("请填写用户名。"))
    elif User.objects.filter(username__iexact=username).exists():
        errors.setdefault("username", []).append(gettext("用户名“%(name)s”已被使用。") % {"name": username})
    if not full_name:
        errors.setdefault("full_name", []).append(gettext("请填写姓名。"))
    user = User(username=username, first_name=full_name[:150], is_active=True)
    if password:
        try:
            validate_password(password, user)
        except ValidationError as exc:
            errors.setdefault("password", []).extend(exc.messages)
    else:
        errors.setdefault("password", []).append(gettext("请设置初始密码。"))
    if errors:
        raise ValidationError(errors)
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    LogEntry.objects.log_create(
        user,
        action=LogEntry.Action.CREATE,
        changes={"username": [None, username], "first_name": [None, full_name]},
        actor=actor,
        force_log=True,
    )
    return user

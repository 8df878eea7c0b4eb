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

from liaison.tasks import copy_liaison_summary_names_task
from members.codes import MemberCategory, MembershipStatus
from members.models import PartyMembership, Person

from . import permissions
from .audit import acting
from .models import CommitteePosition, CommitteeSeat, Organization, OrgType, Role, RoleKind
from .permissions import Capability
from .selectors import tree_changed
from .tasks import refresh_compliance_subtree_task, refresh_compliance_summary_task

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
    transaction.on_commit(lambda: refresh_compliance_summary_task.delay(org.pk))  # a branch, or its new party group
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
    # What 三会一课 requires depends on the first three; the summary carries the names.
    if {"has_committee", "founded_on", "org_type", "name", "short_name"} & set(changed):
        transaction.on_commit(lambda: refresh_compliance_summary_task.delay(org.pk))
    if {"name", "short_name"} & set(changed):  # the liaison coverage summaries carry the names too
        transaction.on_commit(lambda: copy_liaison_summary_names_task.delay(org.pk))
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
    for moved_from in {org, old_parent or org}:  # a party group moved: both branches' 三会一课 change
        transaction.on_commit(lambda pk=moved_from.pk: refresh_compliance_summary_task.delay(pk))
    if org.org_type != OrgType.PARTY_GROUP:  # the summaries below carry the paths that just changed
        transaction.on_commit(lambda: refresh_compliance_subtree_task.delay(org.pk))
        transaction.on_commit(lambda: copy_liaison_summary_names_task.delay(org.pk))
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
        transaction.on_commit(lambda: refresh_compliance_summary_task.delay(org.pk))  # a party group's branch
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


# ---- committee seats (委员会成员) ------------------------------------------------------------------------------


def _not_in_org(org: Organization) -> str:
    return gettext("所选人员不在“%(org)s”（含下级组织）的人员名单中，不能担任其委员。") % {"org": org}


def seat_person(*, organization: Organization, pk: Any) -> Person:
    """The person `pk` for a seat on `organization`'s committee; anyone not anchored in its subtree is refused
    with the same message, whether or not they exist, so ids outside the actor's scope reveal nothing."""
    person = Person.objects.filter(pk=pk, organization__path__startswith=organization.path).first()
    if person is None:
        raise ValidationError({"person": _not_in_org(organization)})
    return person


def _seat_holder_problem(person: Person, org: Organization, starts_on: datetime.date | None) -> str | None:
    """Why `person` cannot sit on `org`'s committee from `starts_on`, or None. Only full members (正式党员)
    with their rights intact, anchored in the organization's subtree, sit on a committee."""
    if not person.organization.path.startswith(org.path):
        return _not_in_org(org)  # without the name: the person may lie outside the actor's scope
    try:
        membership = person.membership
    except PartyMembership.DoesNotExist:
        return gettext("%(name)s 不是中共党员，不能担任委员。") % {"name": person.name}
    if membership.category != MemberCategory.FULL:
        return gettext("%(name)s 是预备党员，预备党员不能担任委员，须转为正式党员后再任职。") % {"name": person.name}
    if membership.status != MembershipStatus.NORMAL:
        return gettext("%(name)s 已停止党籍，不能担任委员。") % {"name": person.name}
    if membership.rights_suspended:
        return gettext("%(name)s 正处于停止党员权利或留党察看期间，不能担任委员。") % {"name": person.name}
    if starts_on is not None and membership.converted_on and starts_on < membership.converted_on:
        return gettext("%(name)s 于 %(date)s 转为正式党员，任职日期不能早于转正日期。") % {
            "name": person.name, "date": membership.converted_on.isoformat()}
    return None


def _sync_secretary_name(actor: Any, org: Organization, name: str) -> None:
    """Organization.secretary_name mirrors the committee's 书记 seat, so exports, the API and the dashboards
    that read the field show the person who took or left the seat."""
    name = name[:50]
    if org.secretary_name != name:
        org.secretary_name = name
        with acting(actor):
            org.save(update_fields=["secretary_name", "updated_at"])


@transaction.atomic
def seat_add(
    *,
    actor: Any,
    organization: Organization,
    person: Person,
    position: str,
    starts_on: datetime.date,
    note: str = "",
) -> CommitteeSeat:
    """Seat `person` on the committee of `organization` (ADMINISTER there) from `starts_on`.

    Refused, with nothing saved, when the organization has no committee or is closed, the person is not a
    full member of it (预备党员 cannot sit), already sits on it, the date lies ahead or before the person
    became a full member, or the organization already has a sitting 书记. A 书记 seat sets the
    organization's 书记 name."""
    org = Organization.objects.select_for_update().get(pk=organization.pk)
    _require_administer(actor, org)
    if org.closed_on is not None:
        raise ValidationError(gettext("该党组织已撤销，不能再增补委员。"))
    if not org.has_committee:
        raise ValidationError(
            gettext("“%(org)s”未设委员会，不能登记委员。如已选举产生委员会，请先在组织信息中勾选“设支部委员会”。")
            % {"org": org}
        )
    errors: dict[str, list[str]] = {}
    today = timezone.localdate()
    if position not in CommitteePosition.values:
        errors.setdefault("position", []).append(gettext("请选择有效的职务。"))
    if starts_on is None:
        errors.setdefault("starts_on", []).append(gettext("请填写任职日期。"))
    elif starts_on > today:
        errors.setdefault("starts_on", []).append(gettext("任职日期不能晚于今天：请在任职后登记。"))
    elif org.founded_on and starts_on < org.founded_on:
        errors.setdefault("starts_on", []).append(
            gettext("任职日期不能早于该党组织的成立日期（%(date)s）。") % {"date": org.founded_on.isoformat()})
    person = Person.objects.select_related("organization", "membership").filter(pk=person.pk).first()
    if person is None:
        errors.setdefault("person", []).append(_not_in_org(org))
    else:
        problem = _seat_holder_problem(person, org, starts_on if "starts_on" not in errors else None)
        if problem:
            errors.setdefault("person", []).append(problem)
    if not errors:
        seats = CommitteeSeat.objects.select_for_update().filter(organization=org).exclude(ends_on__lt=starts_on)
        same = next((s for s in seats if s.person_id == person.pk), None)
        if same is not None:
            errors.setdefault("person", []).append(
                gettext("%(name)s 已是“%(org)s”的%(position)s（自 %(date)s），不能重复登记。")
                % {"name": person.name, "org": org, "position": same.get_position_display(),
                   "date": same.starts_on.isoformat()})
        if position == CommitteePosition.SECRETARY:
            other = next((s for s in seats if s.position == CommitteePosition.SECRETARY), None)
            if other is not None:
                errors.setdefault("position", []).append(
                    gettext("“%(org)s”已有在任书记 %(name)s（自 %(date)s）；一个党组织只能有一名书记，请先为其办理离任。")
                    % {"org": org, "name": other.person.name, "date": other.starts_on.isoformat()})
    if errors:
        raise ValidationError(errors)
    seat = CommitteeSeat(organization=org, person=person, position=position, starts_on=starts_on,
                         note=(note or "").strip())
    seat.full_clean()
    with acting(actor):
        seat.save()
    if position == CommitteePosition.SECRETARY:
        _sync_secretary_name(actor, org, person.name)
    organization.refresh_from_db()
    return seat


@transaction.atomic
def seat_end(*, actor: Any, seat: CommitteeSeat, ends_on: datetime.date, note: str = "") -> CommitteeSeat:
    """End a seat on `ends_on`, its last day (ADMINISTER at its organization); `note` (e.g. the reason) is
    added to the seat's note. Ending the 书记 seat clears the organization's 书记 name."""
    seat = CommitteeSeat.objects.select_for_update().select_related("organization", "person").get(pk=seat.pk)
    org = seat.organization
    _require_administer(actor, org)
    today = timezone.localdate()
    if seat.ends_on is not None:
        raise ValidationError(gettext("该委员已于 %(date)s 离任。") % {"date": seat.ends_on.isoformat()})
    if ends_on is None:
        raise ValidationError({"ends_on": gettext("请填写离任日期。")})
    if ends_on > today:
        raise ValidationError({"ends_on": gettext("离任日期不能晚于今天：请在离任后登记。")})
    if ends_on < seat.starts_on:
        raise ValidationError(
            {"ends_on": gettext("离任日期（%(end)s）不能早于任职日期（%(start)s）。")
             % {"end": ends_on.isoformat(), "start": seat.starts_on.isoformat()}})
    note = (note or "").strip()
    seat.ends_on = ends_on
    if note:
        seat.note = f"{seat.note}；{note}" if seat.note else note
    seat.full_clean()
    with acting(actor):
        seat.save(update_fields=["ends_on", "note", "updated_at"])
    if seat.position == CommitteePosition.SECRETARY and org.secretary_name == seat.person.name[:50]:
        org = Organization.objects.select_for_update().get(pk=org.pk)
        _sync_secretary_name(actor, org, "")
    return seat

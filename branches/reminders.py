"""Daily reminders for branch secretaries: required meetings due or overdue (branches.meetings.compliance)
and open work-notice items near or past their deadline, as Notification rows and an optional e-mail digest.

Idempotent: a reminder is identified by (user, key, day), so computing twice on the same day creates nothing
new and the digest marks what it sent. The computation runs a fixed number of queries at any number of
branches."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from branches import audit
from branches.meetings import compliance
from branches.meetings import rules as rulesmod
from branches.models import (
    MeetingType,
    NoticeItem,
    NoticeRecipient,
    NoticeStatus,
    NoticeSubmission,
    Notification,
    NotificationKind,
    Organization,
    OrgType,
    Role,
    RoleKind,
)

# Roles at a branch that receive its reminders (they all grant LOG_MEETINGS).
RECIPIENT_KINDS = (RoleKind.SECRETARY, RoleKind.DEPUTY_SECRETARY, RoleKind.ORGANIZATION_MEMBER)


def reminder_rules() -> dict[str, Any]:
    """The reminder windows of settings.PORTAL_REMINDERS: `due_lead_days` (per period kind, how long before a
    period ends a missing meeting is reminded as due), `overdue_days` (per period kind, how long after a missed
    period ends it is still reminded as overdue — this is what carries December, the fourth quarter and last
    year's yearly meetings into January) and `notice_lead_days` (how long before a notice item's deadline)."""
    configured = getattr(settings, "PORTAL_REMINDERS", {})
    return {
        "due_lead_days": {"month": 7, "quarter": 15, "year": 30, **configured.get("due_lead_days", {})},
        "overdue_days": {"month": 31, "quarter": 92, "year": 31, **configured.get("overdue_days", {})},
        "notice_lead_days": configured.get("notice_lead_days", 3),
    }


@dataclass(frozen=True)
class Due:
    organization_id: int
    kind: str
    key: str
    title: str
    url: str


def _meeting_dues(on: datetime.date) -> list[Due]:
    """Required meetings of every open branch whose period ends soon (due) or ended recently (overdue).

    Early in a year the periods of the previous year are evaluated too, as long as one of them can still be
    within its overdue window (December, the fourth quarter, the year itself): otherwise a meeting missed in
    December would never be reminded, since on 1 January the current year has nothing overdue yet."""
    rules = reminder_rules()
    lead, overdue_days = rules["due_lead_days"], rules["overdue_days"]
    orgs = Organization.objects.filter(closed_on__isnull=True,
                                       org_type__in=[*OrgType.branch_types(), OrgType.PARTY_GROUP])
    infos = compliance._branch_infos(orgs.order_by("path").only(
        "pk", "path", "depth", "name", "short_name", "org_type", "has_committee", "founded_on", "closed_on"))
    if not infos:
        return []
    book = compliance.RuleBook(rulesmod.rule_sets())
    years = [on.year]
    if (on - datetime.date(on.year, 1, 1)).days < max(overdue_days.values(), default=0):
        years.insert(0, on.year - 1)
    now = timezone.now()
    counts_by_year = {}
    for y in years:
        span = compliance.year_period(y)
        counts_by_year[y] = compliance._count_meetings(orgs.values("pk"), infos, span.start, span.end, now)
    dues: list[Due] = []
    for info in infos:
        if not info.org.is_branch:
            continue
        for y in years:
            result = compliance.compute(info, book, counts_by_year[y], year=y, on=on)
            url = reverse("compliance:calendar", args=[info.org.pk]) + f"?year={y}"
            for (mtype, kind), cells in result.cells.items():
                label = MeetingType(mtype).label if mtype in MeetingType.values else mtype
                for cell in cells:
                    period = cell.period
                    if cell.status == compliance.DUE and (period.last_day - on).days < lead[kind]:
                        nkind = NotificationKind.MEETING_DUE
                        title = gettext("%(period)s的%(type)s尚未召开，截止%(date)s") % {
                            "period": period.label, "type": label, "date": period.last_day.isoformat()}
                    elif cell.status == compliance.OVERDUE and 0 <= (on - period.end).days < overdue_days[kind]:
                        nkind = NotificationKind.MEETING_OVERDUE
                        title = gettext("%(period)s的%(type)s已逾期未召开") % {"period": period.label, "type": label}
                    else:
                        continue
                    key = f"meeting:{mtype}:{period.year}-{period.code}:{info.org.pk}"
                    dues.append(Due(info.org.pk, nkind, key, title, url))
    return dues


def _notice_dues(on: datetime.date) -> list[Due]:
    """Items of issued notices not yet answered by a recipient branch, near or past their deadline."""
    horizon = on + datetime.timedelta(days=reminder_rules()["notice_lead_days"])
    items = list(NoticeItem.objects.filter(notice__status=NoticeStatus.ISSUED, deadline__lte=horizon)
                 .select_related("notice"))
    if not items:
        return []
    by_notice: dict[int, list[NoticeItem]] = {}
    for item in items:
        by_notice.setdefault(item.notice_id, []).append(item)
    recipients = NoticeRecipient.objects.filter(notice_id__in=by_notice, organization__closed_on__isnull=True)
    answered = set(NoticeSubmission.objects.filter(item__in=items).values_list("item_id", "organization_id"))
    dues: list[Due] = []
    for notice_id, org_id in recipients.values_list("notice_id", "organization_id"):
        for item in by_notice[notice_id]:
            if (item.pk, org_id) in answered:
                continue
            if item.deadline < on:
                nkind = NotificationKind.NOTICE_OVERDUE
                title = gettext("督办事项“%(item)s”已逾期（截止%(date)s）") % {
                    "item": item.title, "date": item.deadline.isoformat()}
            else:
                nkind = NotificationKind.NOTICE_DUE
                title = gettext("督办事项“%(item)s”将于%(date)s截止") % {
                    "item": item.title, "date": item.deadline.isoformat()}
            dues.append(Due(org_id, nkind, f"notice:{item.pk}:{org_id}", title[:300],
                            reverse("notices:submit", args=[item.pk]) + f"?organization={org_id}"))
    return dues


def reminders_compute(*, on: datetime.date) -> int:
    """Create today's reminders for the secretaries (书记、副书记、组织委员) of every branch with something due
    or overdue. Returns the number of reminders created (0 when run again on the same day)."""
    dues = _meeting_dues(on) + _notice_dues(on)
    if not dues:
        return 0
    org_ids = {d.organization_id for d in dues}
    holders: dict[int, set[int]] = {}
    for user_id, org_id in (Role.objects.active(on).filter(kind__in=RECIPIENT_KINDS, organization_id__in=org_ids,
                                                            user__is_active=True)
                            .values_list("user_id", "organization_id")):
        holders.setdefault(org_id, set()).add(user_id)
    rows = [Notification(user_id=user_id, organization_id=d.organization_id, kind=d.kind, key=d.key,
                         title=d.title, url=d.url, created_on=on)
            for d in dues for user_id in sorted(holders.get(d.organization_id, ()))]
    if not rows:
        return 0
    with transaction.atomic():
        before = Notification.objects.filter(created_on=on).count()
        Notification.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)
        return Notification.objects.filter(created_on=on).count() - before


def notification_mark_read(*, actor: Any, notification: Notification) -> Notification:
    """Mark one of the actor's own notifications as read."""
    if notification.user_id != actor.pk:
        raise PermissionDenied(gettext("只能处理自己的提醒。"))
    with transaction.atomic(), audit.acting(actor):
        if notification.read_at is None:
            notification.read_at = timezone.now()
            notification.save(update_fields=["read_at"])
    return notification


def notifications_mark_all_read(*, actor: Any) -> int:
    """Mark all of the actor's unread notifications as read; returns how many."""
    with transaction.atomic(), audit.acting(actor):
        return Notification.objects.filter(user=actor, read_at__isnull=True).update(read_at=timezone.now())


def digest_send(*, on: datetime.date) -> int:
    """One e-mail per user with an address, listing the reminders created on `on` not yet e-mailed; each is
    marked as sent, so a second run on the same day sends nothing. Returns the number of e-mails sent."""
    if not getattr(settings, "PORTAL_REMINDER_EMAIL_DIGEST", True):
        return 0
    pending = list(Notification.objects.filter(created_on=on, emailed_at__isnull=True)
                   .exclude(user__email="").select_related("user", "organization").order_by("user_id", "id"))
    by_user: dict[int, list[Notification]] = {}
    for n in pending:
        by_user.setdefault(n.user_id, []).append(n)
    sent = 0
    for notes in by_user.values():
        user = notes[0].user
        lines = [f"· [{n.organization.short_name or n.organization.name}] {n.title}" for n in notes]
        subject = gettext("党建工作待办提醒（%(date)s，%(n)d项）") % {"date": on.isoformat(), "n": len(notes)}
        body = "\n".join([gettext("您好，以下是今天的待办提醒："), "", *lines, "",
                          gettext("请登录党建工作管理平台查看和处理。")])
        with transaction.atomic():
            send_mail(subject, body, None, [user.email])
            Notification.objects.filter(pk__in=[n.pk for n in notes]).update(emailed_at=timezone.now())
        sent += 1
    return sent




# ---- reads -----------------------------------------------------------------------------------------------------


def notification_list(*, user: Any) -> Any:
    """The user's own notifications: unread first, then newest first."""
    from django.db.models import F

    return (Notification.objects.filter(user=user).select_related("organization")
            .order_by(F("read_at").asc(nulls_first=True), "-created_on", "-id"))


def notification_get(*, user: Any, pk: Any) -> Notification:
    """One of the user's own notifications; anyone else's is 404."""
    from django.http import Http404

    try:
        return Notification.objects.select_related("organization").get(pk=pk, user=user)
    except (Notification.DoesNotExist, ValueError, TypeError):
        raise Http404


def unread_count(*, user: Any) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()

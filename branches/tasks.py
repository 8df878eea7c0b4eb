"""Thin Celery tasks of the branches app: they call branches.reminders."""

from __future__ import annotations

from celery import shared_task


@shared_task
def reminders_daily_task() -> dict[str, int]:
    """Compute today's reminders, then send the e-mail digest (if enabled)."""
    from django.conf import settings
    from django.utils import timezone

    from .reminders import digest_send, reminders_compute

    today = timezone.localdate()
    created = reminders_compute(on=today)
    emailed = digest_send(on=today) if settings.PORTAL_REMINDER_EMAIL_DIGEST else 0
    return {"created": created, "emailed": emailed}


@shared_task
def refresh_compliance_summary_task(org_id: int) -> int:
    """Refresh the 三会一课 summary of the branch owning the organization (after a meeting or org change)."""
    from .meetings.summaries import refresh_for_organization

    return refresh_for_organization(org_id=org_id)


@shared_task
def refresh_compliance_subtree_task(org_id: int) -> int:
    """Refresh the 三会一课 summaries of every branch at or below a moved organization (their paths changed)."""
    from .meetings.summaries import refresh_subtree

    return refresh_subtree(org_id=org_id)


@shared_task
def refresh_compliance_summaries_task() -> int:
    """Refresh every open branch's summary: nightly (the date rollover turns due into overdue) and after a
    rule set changes."""
    from .meetings.summaries import refresh

    return refresh()

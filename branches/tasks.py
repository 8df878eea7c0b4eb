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

"""Thin Celery tasks of the development pipeline (scheduled in CELERY_BEAT_SCHEDULE)."""

from __future__ import annotations

from celery import shared_task


@shared_task
def refresh_pipelines_task() -> int:
    """Nightly: recompute every active pipeline's next step and due dates (the day moved on; rule sets may
    have changed)."""
    from django.utils import timezone

    from .services import refresh_all

    return refresh_all(on=timezone.localdate())


@shared_task
def reminders_daily_task() -> int:
    """Today's reminders: talks and assessments due, probation ending, approvals beyond their limit."""
    from django.utils import timezone

    from .reminders import reminders_compute

    return reminders_compute(on=timezone.localdate())

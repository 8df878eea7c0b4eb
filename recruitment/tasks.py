"""Thin Celery tasks of the development pipeline (scheduled in CELERY_BEAT_SCHEDULE)."""

from __future__ import annotations

from celery import shared_task


@shared_task
def refresh_pipelines_task() -> int:
    """Nightly: recompute every active pipeline's next step and due dates (the day moved on; rule sets may
    have changed)."""
    from django.utils import timezone

    from . import summaries
    from .services import refresh_all

    today = timezone.localdate()
    count = refresh_all(on=today)
    summaries.refresh(on=today)  # the committee overview's counts ("past a time limit" moved with the date)
    return count


@shared_task
def refresh_pipeline_summary_task(org_id: int) -> int:
    """Refresh a branch's summary for the committee overview (after a pipeline write there)."""
    from .summaries import refresh_for_organization

    return refresh_for_organization(org_id=org_id)


@shared_task
def reminders_daily_task() -> int:
    """Today's reminders: talks and assessments due, probation ending, approvals beyond their limit."""
    from django.utils import timezone

    from .reminders import reminders_compute

    return reminders_compute(on=timezone.localdate())

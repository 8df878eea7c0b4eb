"""Thin Celery tasks of the liaison work (the nightly one is scheduled in CELERY_BEAT_SCHEDULE)."""

from __future__ import annotations

from celery import shared_task


@shared_task
def refresh_liaison_summaries_task() -> int:
    """Nightly: every organization's coverage summary for the new day."""
    from .summaries import refresh

    return refresh()


@shared_task
def refresh_liaison_summary_task(org_id: int) -> int:
    """After a write at an organization (its pool, pairs, talks or follow-ups): its summary."""
    from .summaries import refresh

    return refresh(org_ids=[org_id])


@shared_task
def copy_liaison_summary_names_task(org_id: int) -> int:
    """After an organization is renamed or moved: the names and paths its summaries (and those below) copy."""
    from .summaries import copy_names

    return copy_names(org_id=org_id)

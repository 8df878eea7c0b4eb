"""Thin Celery tasks: they take ids and call reports.services."""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import OperationalError

logger = logging.getLogger(__name__)

MAX_RETRIES = 3


@shared_task(bind=True, max_retries=MAX_RETRIES, acks_late=True)
def export_run_task(self, job_id: int) -> None:
    """Run an export job. Only transient database errors are retried, with growing pauses."""
    from .services import job_fail, job_run

    try:
        job_run(job_id=job_id)
    except OperationalError as exc:
        if self.request.retries >= self.max_retries:
            logger.exception("job %s: database still unavailable after %s retries", job_id, self.max_retries)
            job_fail(job_id=job_id)
            return
        raise self.retry(exc=exc, countdown=5 * 2 ** self.request.retries)


@shared_task
def purge_expired_jobs_task() -> int:
    from .services import jobs_purge_expired

    return jobs_purge_expired()

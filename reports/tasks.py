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


PERIODIC_MAX_RETRIES = 3


@shared_task
def periodic_reports_schedule_task() -> int:
    """Beat, daily: the reports of the periods that ended (reports.periodic.services.reports_schedule)."""
    from .periodic.services import reports_schedule

    return len(reports_schedule())


@shared_task(bind=True, max_retries=PERIODIC_MAX_RETRIES, acks_late=True)
def periodic_report_generate_task(self, report_id: int) -> None:
    """Generate a periodic report; any failure is retried with growing pauses (30 s, 60 s, 120 s), after the
    last the report is failed with a reason."""
    from .periodic.services import report_fail, report_generate

    try:
        report_generate(report_id=report_id)
    except Exception as exc:
        if self.request.retries >= self.max_retries:
            report_fail(report_id=report_id, exc=exc)
            return
        raise self.retry(exc=exc, countdown=30 * 2 ** self.request.retries)

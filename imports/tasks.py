"""Thin Celery tasks: they take ids and call imports.services."""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import OperationalError

logger = logging.getLogger(__name__)

MAX_RETRIES = 3


@shared_task(bind=True, max_retries=MAX_RETRIES, acks_late=True)
def import_check_task(self, batch_id: int) -> None:
    """The dry run of an uploaded batch. Only transient database errors are retried, with growing pauses."""
    from .services import import_check, import_fail

    try:
        import_check(batch_id=batch_id)
    except OperationalError as exc:
        if self.request.retries >= self.max_retries:
            logger.exception("import %s: database still unavailable after %s retries", batch_id, self.max_retries)
            import_fail(batch_id=batch_id)
            return
        raise self.retry(exc=exc, countdown=5 * 2 ** self.request.retries)


@shared_task(bind=True, max_retries=MAX_RETRIES, acks_late=True)
def import_commit_task(self, batch_id: int) -> None:
    """The commit of a confirmed batch (all rows or none)."""
    from .services import import_fail, import_run_commit

    try:
        import_run_commit(batch_id=batch_id)
    except OperationalError as exc:
        if self.request.retries >= self.max_retries:
            logger.exception("import %s: database still unavailable after %s retries", batch_id, self.max_retries)
            import_fail(batch_id=batch_id)
            return
        raise self.retry(exc=exc, countdown=5 * 2 ** self.request.retries)

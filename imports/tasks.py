"""Thin Celery tasks: they take ids and call imports.services."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from celery import shared_task
from django.db import OperationalError

logger = logging.getLogger(__name__)

MAX_RETRIES = 3


def _run(task: Any, step: Callable[..., Any], batch_id: int) -> None:
    """Run a worker step; only transient database errors are retried, with growing pauses, then the batch fails."""
    from .services import import_fail

    try:
        step(batch_id=batch_id)
    except OperationalError as exc:
        if task.request.retries >= task.max_retries:
            logger.exception("import %s: database still unavailable after %s retries", batch_id, task.max_retries)
            import_fail(batch_id=batch_id)
            return
        raise task.retry(exc=exc, countdown=5 * 2 ** task.request.retries)


@shared_task(bind=True, max_retries=MAX_RETRIES, acks_late=True)
def import_check_task(self, batch_id: int) -> None:
    """The dry run of an uploaded batch."""
    from .services import import_check

    _run(self, import_check, batch_id)


@shared_task(bind=True, max_retries=MAX_RETRIES, acks_late=True)
def import_commit_task(self, batch_id: int) -> None:
    """The commit of a confirmed batch (all rows or none)."""
    from .services import import_run_commit

    _run(self, import_run_commit, batch_id)


@shared_task
def purge_old_batches_task() -> int:
    from .services import batches_purge

    return batches_purge()

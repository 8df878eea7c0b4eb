"""Reads of bulk imports. A batch is visible to its owner only; anyone else gets 404."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.http import Http404

from .models import ImportBatch


def batches_for(user: Any) -> models.QuerySet[ImportBatch]:
    """The user's own batches, newest first."""
    if not getattr(user, "is_authenticated", False):
        return ImportBatch.objects.none()
    return ImportBatch.objects.filter(owner=user).order_by("-created_at", "-pk")


def get_batch_or_404(user: Any, uuid: Any) -> ImportBatch:
    """The user's batch; 404 for anyone else's, an unknown or a malformed uuid."""
    try:
        return batches_for(user).get(uuid=uuid)
    except (ImportBatch.DoesNotExist, ValidationError, ValueError, TypeError) as exc:
        raise Http404 from exc


def iter_batch_rows(batch: ImportBatch, *, status: str | None = None) -> Iterator[dict[str, Any]]:
    """The dry run's outcomes as stored (dicts: row, status, key, values, changes, errors), in sheet order."""
    if not batch.rows_file:
        return
    with batch.rows_file.open("rb") as handle:
        for line in handle:
            if not line.strip():
                continue
            outcome = json.loads(line)
            if status is None or outcome.get("status") == status:
                yield outcome


def batch_rows(batch: ImportBatch, *, status: str | None = None, offset: int = 0, limit: int = 100
               ) -> tuple[list[dict[str, Any]], int]:
    """One page of the stored outcomes (optionally of one RowStatus) and the number of matching rows."""
    page: list[dict[str, Any]] = []
    total = 0
    for outcome in iter_batch_rows(batch, status=status):
        if offset <= total < offset + limit:
            page.append(outcome)
        total += 1
    return page, total

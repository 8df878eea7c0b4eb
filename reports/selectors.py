"""Reads of jobs: a user sees only their own."""

from __future__ import annotations

import uuid
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404

from .models import Job


def job_list(*, user: Any) -> QuerySet[Job]:
    """The user's own jobs, newest first."""
    if not getattr(user, "is_authenticated", False):
        return Job.objects.none()
    return Job.objects.filter(owner=user).order_by("-created_at", "-pk")


def job_get(*, user: Any, job_uuid: uuid.UUID | str) -> Job:
    """One of the user's jobs; anyone else's job does not exist for them (404)."""
    try:
        return job_list(user=user).get(uuid=job_uuid)
    except (Job.DoesNotExist, ValidationError, ValueError, TypeError):
        raise Http404

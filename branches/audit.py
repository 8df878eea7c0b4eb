"""Audit helpers on top of django-auditlog.

Model changes of registered models are logged by auditlog's signals; services wrap their writes in
`acting(actor)` so the actor is recorded in web requests, API calls, jobs and commands alike.
Reads worth recording (a full ID number shown) go through `log_access`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from auditlog.context import set_actor
from auditlog.models import LogEntry


@contextlib.contextmanager
def acting(actor: Any) -> Iterator[None]:
    if actor is None or not getattr(actor, "is_authenticated", False):
        yield
        return
    with set_actor(actor):
        yield


def log_access(*, actor: Any, obj: Any, what: str) -> LogEntry:
    return LogEntry.objects.log_create(
        obj,
        action=LogEntry.Action.ACCESS,
        changes={},
        actor=actor,
        force_log=True,
        additional_data={"what": what},
    )

"""The import tasks: a database that stays unavailable is retried, then the batch ends with a readable reason."""

from unittest import mock

import pytest
from django.db import OperationalError

from imports import services
from imports.models import ImportBatch, ImportStatus
from imports.tasks import import_check_task

from .people_helpers import person_row, upload, user, workbook_bytes

pytestmark = pytest.mark.django_db


def test_check_is_retried_on_database_errors_then_the_batch_is_refused_with_a_reason(world):
    with mock.patch("imports.services.import_check"):  # keep the upload pending
        batch = services.import_start(actor=user("shuji_a"), kind="people",
                                      file=upload(workbook_bytes([person_row("陈明")])))
    down = mock.patch("imports.services.import_check", side_effect=OperationalError("database is down"))
    with down as check, mock.patch.object(import_check_task, "retry", wraps=import_check_task.retry) as retry:
        import_check_task.apply(args=[batch.pk])
    assert check.call_count == 4  # the first run and three retries
    assert retry.call_count == 3
    batch = ImportBatch.objects.get(pk=batch.pk)
    assert batch.status == ImportStatus.REJECTED
    assert "系统暂时繁忙" in batch.error
    assert batch.new_count == 0


def test_check_runs_once_when_the_database_answers(world):
    with mock.patch("imports.services.import_check"):
        batch = services.import_start(actor=user("shuji_a"), kind="people",
                                      file=upload(workbook_bytes([person_row("陈明")])))
    import_check_task.apply(args=[batch.pk])
    batch.refresh_from_db()
    assert batch.status == ImportStatus.CHECKED
    assert batch.new_count == 1

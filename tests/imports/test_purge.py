"""Old import files are deleted after the retention period; batches a dead worker left behind are ended."""

import datetime

import pytest
from django.utils import timezone

from imports import services
from imports.models import ImportBatch, ImportStatus
from imports.tasks import purge_old_batches_task

from .people_helpers import checked, person_row, workbook_bytes

pytestmark = pytest.mark.django_db


def _age(batch, **delta):
    ImportBatch.objects.filter(pk=batch.pk).update(created_at=timezone.now() - datetime.timedelta(**delta),
                                                   updated_at=timezone.now() - datetime.timedelta(**delta))


def test_files_older_than_the_retention_period_are_deleted(world, settings, login):
    settings.PORTAL_JOB_RESULT_DAYS = 7
    old = checked("shuji_a", workbook_bytes([person_row("陈明")]))
    recent = checked("shuji_a", workbook_bytes([person_row("刘洋")]))
    upload_name, rows_name = old.upload.name, old.rows_file.name
    storage = old.upload.storage
    assert storage.exists(upload_name)
    _age(old, days=8)
    assert purge_old_batches_task.apply().get() == 1
    old.refresh_from_db()
    recent.refresh_from_db()
    assert not old.upload
    assert not old.rows_file
    assert not storage.exists(upload_name)
    assert not storage.exists(rows_name)
    assert old.new_count == 1  # the counts stay
    assert recent.upload
    assert not old.can_commit
    page = login("shuji_a").get(f"/imports/{old.uuid}/").content.decode()
    assert "已删除" in page
    assert "文件已过保留期删除" in page
    assert services.batches_purge() == 0  # nothing left to delete


def test_a_batch_left_checking_by_a_dead_worker_is_ended(world):
    batch = checked("shuji_a", workbook_bytes([person_row("陈明")]))
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportStatus.CHECKING)
    services.batches_purge()
    batch.refresh_from_db()
    assert batch.status == ImportStatus.CHECKING  # still within the time limit
    _age(batch, hours=2)
    services.batches_purge()
    batch.refresh_from_db()
    assert batch.status == ImportStatus.REJECTED
    assert "处理超时" in batch.error

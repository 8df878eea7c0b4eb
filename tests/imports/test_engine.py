"""The engine: bad files are refused with a clear message and nothing changes; template and failed rows files;
the owner-only selectors; the worker's claim."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from openpyxl import load_workbook

from imports.models import ImportStatus
from imports.selectors import batch_rows, get_batch_or_404
from imports.services import (
    failed_rows_workbook,
    import_check,
    import_commit,
    import_start,
    template_workbook,
)
from members.models import Person

from .people_helpers import (
    PEOPLE_HEADER,
    PEOPLE_TEMPLATE_HEADER,
    checked,
    committed,
    person_row,
    upload,
    user,
    workbook_bytes,
)

pytestmark = pytest.mark.django_db

ENCRYPTED = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504 + "EncryptionInfo".encode("utf-16-le") + b"\0" * 200


def test_too_large_refused_by_size_before_reading(world, settings):
    class Huge:
        name, size = "big.xlsx", 50 * 1024 * 1024

        def read(self, *args):
            raise AssertionError("read")

    with pytest.raises(ValidationError, match="文件过大（50.0 MB）"):
        import_start(actor=user("shuji_a"), kind="people", file=Huge())


@pytest.mark.parametrize(("data", "message"), [
    (ENCRYPTED, "文件设有打开密码"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "旧版 Excel（.xls）"),
    ("姓名,性别\n".encode(), "文件不是 Excel 工作簿"),
])
def test_wrong_file_type_refused_at_once(world, data, message):
    with pytest.raises(ValidationError, match=message):
        import_start(actor=user("shuji_a"), kind="people", file=upload(data))


def _rejected(data: bytes) -> str:
    before = Person.objects.count()
    batch = checked("shuji_a", data)
    assert batch.status == ImportStatus.REJECTED
    assert Person.objects.count() == before
    return batch.error


def test_corrupt_file_rejected(world):
    data = workbook_bytes([person_row()])
    assert "文件已损坏" in _rejected(data[: len(data) // 2])


def test_wrong_sheet_names_expected_and_found(world):
    error = _rejected(workbook_bytes([person_row()], sheet="Sheet1"))
    assert error == "工作簿中没有名为“人员”的工作表。现有工作表：Sheet1。"


def test_renamed_and_missing_columns(world):
    header = [("身份证号" if h == "公民身份号码" else h) for h in PEOPLE_HEADER if h != "政治面貌"]
    error = _rejected(workbook_bytes([person_row()], header=header))
    assert "表头缺少列：公民身份号码、政治面貌" in error
    assert "无法识别的列：身份证号" in error


def test_empty_sheet(world):
    assert "没有数据行" in _rejected(workbook_bytes([]))


def test_capability_and_kind(world):
    with pytest.raises(PermissionDenied):
        import_start(actor=user("xuanchuan_a"), kind="people", file=upload(workbook_bytes([person_row()])))
    with pytest.raises(ValidationError):
        import_start(actor=user("shuji_a"), kind="nope", file=upload(workbook_bytes([person_row()])))


def test_template_is_reimportable_after_filling(world):
    book = load_workbook(io.BytesIO(template_workbook("people")))
    assert book.sheetnames == ["人员", "说明"]
    sheet = book["人员"]
    assert [c.value for c in sheet[1]] == PEOPLE_TEMPLATE_HEADER
    notes = {r[0]: r for r in book["说明"].iter_rows(min_row=2, values_only=True) if r and r[0]}
    assert "汉族" in notes["民族"][3]
    assert notes["姓名"][1] == "必填"
    buffer = io.BytesIO()
    book.save(buffer)
    batch = checked("shuji_a", buffer.getvalue())  # the example row, as is
    assert batch.status == ImportStatus.CHECKED
    assert batch.total_rows == 1
    assert batch_rows(batch)[0][0]["status"] == "new", batch_rows(batch)[0]


def test_failed_rows_file(world):
    batch = checked("shuji_a", workbook_bytes([person_row("陈明"), person_row("刘洋", 学历="大专")]))
    book = load_workbook(io.BytesIO(failed_rows_workbook(batch)))
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0][0] == "错误说明"
    assert list(rows[0][1:]) == PEOPLE_TEMPLATE_HEADER
    assert len(rows) == 2
    assert rows[1][0].startswith("第3行：学历：")
    assert rows[1][1] == "刘洋"


def test_commit_only_by_owner_and_when_clean(world):
    batch = checked("shuji_a", workbook_bytes([person_row("刘洋", 学历="大专")]))
    with pytest.raises(PermissionDenied):
        import_commit(actor=user("zuzhibu"), batch=batch)
    with pytest.raises(ValidationError, match="还有1行有错误"):
        import_commit(actor=user("shuji_a"), batch=batch)
    with pytest.raises(Http404):
        get_batch_or_404(user("zuzhibu"), batch.uuid)
    with pytest.raises(Http404):
        get_batch_or_404(user("shuji_a"), "not-a-uuid")
    assert get_batch_or_404(user("shuji_a"), batch.uuid) == batch


def test_second_delivery_does_nothing(world):
    batch = checked("shuji_a", workbook_bytes([person_row()]))
    import_check(batch_id=batch.pk)  # already checked: left alone
    batch.refresh_from_db()
    assert batch.status == ImportStatus.CHECKED
    assert committed(batch).status == ImportStatus.IMPORTED

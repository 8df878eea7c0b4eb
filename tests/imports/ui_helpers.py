"""Workbooks and uploads for the import page, API and kind tests."""

from __future__ import annotations

import io
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from imports.spec import get_spec

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def workbook(kind: str, rows: list[dict[str, Any]], *, sheet: str | None = None) -> bytes:
    """A workbook in the template's layout: the kind's data sheet, its header row, one row per dict (key → cell)."""
    spec = get_spec(kind)
    book = Workbook()
    ws = book.active
    ws.title = sheet or str(spec.sheet_name)
    ws.append([str(c.label) for c in spec.columns])
    for row in rows:
        ws.append([row.get(c.key) for c in spec.columns])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def upload(kind: str, rows: list[dict[str, Any]], name: str = "导入.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, workbook(kind, rows), content_type=XLSX)


def table(kind: str, rows: list[dict[str, Any]]) -> list[tuple[int, dict[str, Any]]]:
    """The rows as imports.files.read_table returns them (sheet row numbers from 2)."""
    spec = get_spec(kind)
    return [(n, {c.key: row.get(c.key) for c in spec.columns}) for n, row in enumerate(rows, 2)]


def run_batch(actor, kind: str, rows: list[dict[str, Any]], capture, *, commit: bool = False):
    """Upload, check (eager task on commit), and optionally commit; returns the refreshed batch."""
    from imports import services

    with capture(execute=True):
        batch = services.import_start(actor=actor, kind=kind, file=upload(kind, rows))
    batch.refresh_from_db()
    if commit:
        with capture(execute=True):
            services.import_commit(actor=actor, batch=batch)
        batch.refresh_from_db()
    return batch

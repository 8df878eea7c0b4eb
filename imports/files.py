"""Reading an uploaded workbook: the size limit, the file type (a password-protected or old .xls file, a damaged
one), the data sheet, and the table under a header row found by its labels.

Every problem is a ValidationError with one Chinese message the user can act on; nothing here writes."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext

HEADER_SEARCH_ROWS = 10
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # a compound file: an encrypted workbook or an old .xls
ENCRYPTION_STREAM = "EncryptionInfo".encode("utf-16-le")


def max_bytes() -> int:
    return settings.PORTAL_IMPORT_MAX_BYTES


def too_large_message(size: int, limit: int) -> str:
    return gettext("文件过大（%(size).1f MB），导入文件不能超过 %(limit).1f MB。") % {
        "size": size / 1024 / 1024, "limit": limit / 1024 / 1024}


def check_size(file: Any) -> None:
    """Refuse an upload above the limit by its declared size, before anything is read."""
    limit = max_bytes()
    size = len(file) if isinstance(file, bytes | bytearray) else getattr(file, "size", None)
    if isinstance(size, int) and size > limit:
        raise ValidationError(too_large_message(size, limit))


def read_upload(file: Any) -> bytes:
    """The upload's content (an uploaded file, a file object or bytes), refused above the size limit before it
    is read whole."""
    limit = max_bytes()
    check_size(file)
    if isinstance(file, bytes | bytearray):
        data = bytes(file)
    else:
        if hasattr(file, "seek"):
            file.seek(0)
        data = file.read(limit + 1)
    if len(data) > limit:
        raise ValidationError(too_large_message(len(data), limit))
    return data


def check_type(data: bytes) -> None:
    """The cheap checks of the file's first bytes: an encrypted workbook, an old .xls, not a workbook at all."""
    if data.startswith(OLE_MAGIC):
        if ENCRYPTION_STREAM in data:
            raise ValidationError(gettext("文件设有打开密码，无法读取。请在 Excel 中取消密码后重新导入。"))
        raise ValidationError(gettext("这是旧版 Excel（.xls）文件，请另存为 .xlsx 后重新导入。"))
    if not data.startswith(b"PK"):
        raise ValidationError(gettext("文件不是 Excel 工作簿（.xlsx），请使用下载的模板填写后上传。"))


def corrupt_message() -> str:
    return gettext("文件已损坏或不是有效的 .xlsx 工作簿，无法读取。")


def open_workbook(data: bytes, *, not_workbook_message: str | None = None) -> Any:
    """A read-only openpyxl workbook (values, not formulas). Close it when done."""
    from openpyxl import load_workbook

    if not_workbook_message is not None and not data.startswith(OLE_MAGIC) and not data.startswith(b"PK"):
        raise ValidationError(not_workbook_message)
    check_type(data)
    try:
        return load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError, OSError, EOFError) as exc:
        raise ValidationError(corrupt_message()) from exc
    except Exception as exc:  # openpyxl raises its own and lxml's errors for damaged parts
        raise ValidationError(corrupt_message()) from exc


def find_sheet(workbook: Any, names: Sequence[str] | str) -> Any:
    """The first sheet with one of the names; else a message naming the expected sheet and the sheets found."""
    if isinstance(names, str):
        names = [names]
    names = [str(n) for n in names]
    for name in names:
        if name in workbook.sheetnames:
            return workbook[name]
    raise ValidationError(gettext("工作簿中没有名为“%(name)s”的工作表。现有工作表：%(names)s。")
                          % {"name": names[0], "names": gettext("、").join(workbook.sheetnames) or "—"})


def cell_text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _label_key(text: str) -> str:
    """Header text compared loosely: no spaces, no required-marker asterisk, full-width brackets as ASCII."""
    return text.replace(" ", "").replace("\u3000", "").replace("*", "").replace("＊", "").replace(
        "（", "(").replace("）", ")")


def _wanted_labels(columns: Sequence[Any]) -> dict[str, Any]:
    """Loose header text → column: the label in the language in use and the Chinese one (a Chinese template
    uploaded by a user whose pages are in English is still the portal's template)."""
    wanted: dict[str, Any] = {}
    for column in columns:
        source = column.source_label() if hasattr(column, "source_label") else str(column.label)
        for label in (str(column.label), source):
            wanted.setdefault(_label_key(label), column)
    return wanted


def read_table(worksheet: Any, columns: Sequence[Any]) -> tuple[int, list[tuple[int, dict[str, Any]]]]:
    """The header row (1-based) and the data rows below it as (sheet row number, column key → raw value).

    `columns` are objects with `key` and `label` (imports.spec.Column); every column must be present (an optional
    column may be left empty, not removed), but for those marked `header_optional`. A header may be written in the
    language in use or in Chinese. The header row is the first of the first rows holding at least half
    of the labels. Missing or renamed columns → one ValidationError
    listing the missing labels and the unknown ones found. Entirely empty rows are skipped."""
    wanted = _wanted_labels(columns)
    needed = [c for c in columns if not getattr(c, "header_optional", False)]
    try:
        rows = worksheet.iter_rows(values_only=True)
        header_index = None
        header: tuple = ()
        for index, row in enumerate(rows):
            hits = len({wanted[key].key for key in (_label_key(cell_text(v)) for v in row) if key in wanted})
            if hits and hits * 2 >= len(needed) or hits >= len(needed):
                header_index, header = index, row
                break
            if index + 1 >= HEADER_SEARCH_ROWS:
                break
        if header_index is None:
            raise ValidationError(
                gettext("在“%(sheet)s”工作表的前%(n)d行中没有找到表头（须含%(labels)s等列）。"
                        "请使用下载的模板，不要改动表头。")
                % {"sheet": worksheet.title, "n": HEADER_SEARCH_ROWS,
                   "labels": gettext("、").join(f"“{c.label}”" for c in list(columns)[:3])})
        positions: dict[str, int] = {}
        unknown: list[str] = []
        for col, value in enumerate(header):
            text = cell_text(value)
            if not text:
                continue
            column = wanted.get(_label_key(text))
            if column is None:
                unknown.append(text)
            elif column.key not in positions:
                positions[column.key] = col
        missing = [str(c.label) for c in needed if c.key not in positions]
        if missing:
            message = gettext("第%(row)d行的表头缺少列：%(labels)s。") % {
                "row": header_index + 1, "labels": gettext("、").join(missing)}
            if unknown:
                message += gettext("表头中有无法识别的列：%(labels)s。") % {"labels": gettext("、").join(unknown)}
            message += gettext("请使用下载的模板，不要改动表头。")
            raise ValidationError(message)
        result: list[tuple[int, dict[str, Any]]] = []
        width = len(header)
        for offset, row in enumerate(rows):
            if not any(v is not None and (not isinstance(v, str) or v.strip()) for v in row[:width]):
                continue
            line = header_index + 2 + offset
            result.append((line, {key: (row[col] if col < len(row) else None) for key, col in positions.items()}))
    except ValidationError:
        raise
    except Exception as exc:
        raise ValidationError(corrupt_message()) from exc
    return header_index + 1, result

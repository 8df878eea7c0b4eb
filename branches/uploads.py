"""One check for every uploaded file: its extension, its size and its first bytes (never its name alone)."""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext

_ZIP = b"PK\x03\x04"

# extension -> (content type, test on the first 16 bytes)
FILE_TYPES: dict[str, tuple[str, Callable[[bytes], bool]]] = {
    "pdf": ("application/pdf", lambda head: head.startswith(b"%PDF-")),
    "jpg": ("image/jpeg", lambda head: head.startswith(b"\xff\xd8\xff")),
    "jpeg": ("image/jpeg", lambda head: head.startswith(b"\xff\xd8\xff")),
    "png": ("image/png", lambda head: head.startswith(b"\x89PNG\r\n\x1a\n")),
    "webp": ("image/webp", lambda head: head[:4] == b"RIFF" and head[8:12] == b"WEBP"),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document",
             lambda head: head.startswith(_ZIP)),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
             lambda head: head.startswith(_ZIP)),
}


def size_text(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / 1024 / 1024:.1f} MB"
    return f"{size / 1024:.1f} KB"


def check_upload(uploaded_file: Any, *, allowed: Collection[str], max_mb: float) -> tuple[str, str, int]:
    """(name, content type, size) of an acceptable upload, else ValidationError({"file": ...}) in Chinese."""
    name = str(getattr(uploaded_file, "name", "") or "")
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    kinds = "、".join(sorted({e.upper() for e in allowed if e != "jpeg"}))
    if ext not in allowed or ext not in FILE_TYPES:
        raise ValidationError({"file": gettext("文件“%(name)s”的类型不允许：只能上传 %(allowed)s 文件。")
                               % {"name": name, "allowed": kinds}})
    size = int(getattr(uploaded_file, "size", 0) or 0)
    if size > max_mb * 1024 * 1024:
        raise ValidationError({"file": gettext("文件“%(name)s”大小为 %(size)s，不能超过 %(limit)s MB。")
                               % {"name": name, "size": size_text(size), "limit": f"{max_mb:g}"}})
    if size == 0:
        raise ValidationError({"file": gettext("文件“%(name)s”是空文件。") % {"name": name}})
    uploaded_file.seek(0)
    head = uploaded_file.read(16)
    uploaded_file.seek(0)
    content_type, matches = FILE_TYPES[ext]
    if not matches(head):
        raise ValidationError({"file": gettext("文件“%(name)s”的内容与扩展名不符，请上传真实的 %(allowed)s 文件。")
                               % {"name": name, "allowed": kinds}})
    return name, content_type, size

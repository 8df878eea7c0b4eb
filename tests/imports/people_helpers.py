"""Helpers of the people/membership import tests: build a workbook, run a batch through the worker steps."""

from __future__ import annotations

import datetime
import io
from typing import Any

from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from imports.models import ImportBatch
from imports.services import import_check, import_commit, import_run_commit, import_start
from members import idcard

PEOPLE_HEADER = ["姓名", "性别", "民族", "出生日期", "公民身份号码", "学历", "学位", "专业技术职务", "职称级别",
                 "留学归国", "学科专业", "工作岗位", "联系电话", "电子邮箱", "政治面貌", "所在党组织"]
# The template's header: the membership columns (added later) may be left out of a file.
PEOPLE_TEMPLATE_HEADER = [*PEOPLE_HEADER, "人员类别", "入党日期", "转正日期"]
MEMBERSHIP_HEADER = ["姓名", "出生日期", "公民身份号码", "人员类别", "入党日期", "转正日期", "党籍状态",
                     "停止党员权利或留党察看", "失去联系", "失去联系日期", "失联情形", "流动党员", "外出日期", "外出流向",
                     "党小组"]
_seq = iter(range(10_000))


def new_id(birth: datetime.date = datetime.date(1990, 3, 4), sex: str = "1") -> str:
    return idcard.make("310101", birth, next(_seq) % 500, sex)


def person_row(name: str = "陈明", *, birth: datetime.date = datetime.date(1990, 3, 4), sex: str = "男",
               id_number: str | None = "auto", org: str = "第一党支部", **extra: Any) -> dict[str, Any]:
    if id_number == "auto":
        id_number = new_id(birth, "1" if sex == "男" else "2")
    row = {"姓名": name, "性别": sex, "民族": "汉族", "出生日期": birth, "公民身份号码": id_number, "学历": "大学本科",
           "学位": "学士", "专业技术职务": "", "职称级别": "", "留学归国": "否", "学科专业": "", "工作岗位": "研究员",
           "联系电话": "13800138000", "电子邮箱": "", "政治面貌": "群众", "所在党组织": org}
    row.update(extra)
    return row


def workbook_bytes(rows: list[dict[str, Any]], *, header: list[str] | None = None, sheet: str = "人员") -> bytes:
    header = header or PEOPLE_HEADER
    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    ws.append(header)
    for row in rows:
        ws.append([row.get(h) for h in header])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def upload(data: bytes, name: str = "people.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def user(name: str) -> User:
    return User.objects.get(username=name)


def checked(username: str, data: bytes, kind: str = "people") -> ImportBatch:
    """Start and run the dry run as the worker would."""
    batch = import_start(actor=user(username), kind=kind, file=upload(data))
    import_check(batch_id=batch.pk)
    batch.refresh_from_db()
    return batch


def committed(batch: ImportBatch) -> ImportBatch:
    batch = import_commit(actor=batch.owner, batch=batch)
    import_run_commit(batch_id=batch.pk)
    batch.refresh_from_db()
    return batch

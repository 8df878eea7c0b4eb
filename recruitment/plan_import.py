"""The plan's numbers read back from the workbook the 年度发展党员计划 export writes (sheet "计划": a title row,
the header row found by its labels, one row per organization, a 合计 row that is skipped).

Every row goes through plan_services.target_set in one transaction: all rows are applied or none. Every problem
is one Chinese message naming the row, so the whole file can be corrected at once."""

from __future__ import annotations

from typing import IO, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext

from branches import permissions
from imports import files

from . import plan_services
from .models import PLAN_NUMBERS, PlanStatus, PlanTarget, RecruitmentPlan

HEADER_SEARCH_ROWS = files.HEADER_SEARCH_ROWS
max_bytes = files.max_bytes
_cell_text = files.cell_text


def _labels() -> dict[str, str]:
    """Column label → plan number (or "organization"), as the export writes them in the current language."""
    return {str(plan_services.NUMBER_LABELS[name]): name for name in PLAN_NUMBERS} | {gettext("党组织"): "organization"}


def _open_workbook(data: bytes) -> Any:
    return files.open_workbook(
        data, not_workbook_message=gettext("文件不是 Excel 工作簿（.xlsx），请上传导出的计划表。"))


def _find_header(rows: list[tuple]) -> tuple[int, dict[str, int]]:
    """The index of the header row (the first row with the 党组织 and 发展党员总数 labels) and label → column."""
    labels = _labels()
    org_label, total_label = gettext("党组织"), str(plan_services.NUMBER_LABELS["total"])
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        texts = [_cell_text(v) for v in row]
        if org_label in texts and total_label in texts:
            columns: dict[str, int] = {}
            for col, text in enumerate(texts):
                if text in labels and labels[text] not in columns:
                    columns[labels[text]] = col
            missing = [label for label, name in labels.items() if name not in columns]
            if missing:
                raise ValidationError(
                    gettext("第%(row)d行的表头缺少列：%(labels)s。请使用导出的计划表，不要改动表头。")
                    % {"row": index + 1, "labels": gettext("、").join(missing)})
            return index, columns
    raise ValidationError(gettext("在“计划”工作表的前%(n)d行中没有找到表头（须含“党组织”“发展党员总数”等列）。"
                                  "请使用导出的计划表，不要改动表头。") % {"n": HEADER_SEARCH_ROWS})


def _target_index(plan: RecruitmentPlan) -> tuple[list[PlanTarget], dict[str, PlanTarget]]:
    """The plan's targets, and how a row may name one: the full name, the code, or an unambiguous short name."""
    targets = list(plan.targets.select_related("organization", "plan__organization").order_by("organization__path"))
    by_name: dict[str, PlanTarget] = {}
    short: dict[str, list[PlanTarget]] = {}
    for target in targets:
        org = target.organization
        short.setdefault(org.short_name, []).append(target)
        if org.code:
            by_name.setdefault(org.code, target)
    for name, found in short.items():
        if len(found) == 1:
            by_name.setdefault(name, found[0])
    for target in targets:
        by_name[target.organization.name] = target
    return targets, by_name


def plan_import(*, actor: Any, plan: RecruitmentPlan, file: IO[bytes] | bytes | Any, reason: str = "") -> dict:
    """Set the plan's numbers from the workbook. Returns {"rows": rows read, "changed": targets changed,
    "unchanged": targets read but equal}. ValidationError with one message per problem; nothing is saved
    unless every row is accepted. After approval a `reason` is required (as for target_set)."""
    permissions.check(actor, plan.organization, plan_services.CAP)
    data = files.read_upload(file)
    workbook = _open_workbook(data)
    try:
        sheet = files.find_sheet(workbook, gettext("计划"))
        rows = [tuple(row) for row in sheet.iter_rows(values_only=True)]
    except ValidationError:
        raise
    except Exception as exc:
        raise ValidationError(files.corrupt_message()) from exc
    finally:
        workbook.close()
    header_index, columns = _find_header(rows)
    targets, by_name = _target_index(plan)
    total_label = gettext("合计")
    errors: list[str] = []
    seen: dict[int, int] = {}
    wanted: list[tuple[int, PlanTarget, dict[str, int]]] = []
    for index in range(header_index + 1, len(rows)):
        row = rows[index]
        line = index + 1

        def cell(name: str, row: tuple = row) -> Any:
            col = columns[name]
            return row[col] if col < len(row) else None

        org_text = _cell_text(cell("organization"))
        values = {name: cell(name) for name in PLAN_NUMBERS}
        if not org_text and all(v in (None, "") for v in values.values()):
            continue  # an empty row
        if org_text == total_label:
            break  # the sums end the table; notes may follow
        if org_text not in by_name and all(v in (None, "") for v in values.values()):
            continue  # a note, not a row of numbers
        if not org_text:
            errors.append(gettext("第%(row)d行：没有填写党组织。") % {"row": line})
            continue
        target = by_name.get(org_text)
        if target is None:
            errors.append(gettext("第%(row)d行：“%(org)s”不是本计划（%(plan)s %(year)d年）的党组织，"
                                  "或不在您的权限范围内。")
                          % {"row": line, "org": org_text, "plan": plan.organization.short_name, "year": plan.year})
            continue
        if target.pk in seen:
            errors.append(gettext("第%(row)d行：“%(org)s”与第%(first)d行重复，每个党组织只能有一行。")
                          % {"row": line, "org": org_text, "first": seen[target.pk]})
            continue
        seen[target.pk] = line
        where = gettext("第%(row)d行（%(org)s）") % {"row": line, "org": target.organization.short_name}
        try:
            numbers = plan_services.clean_numbers({k: (0 if v in (None, "") else v) for k, v in values.items()},
                                                  where=where)
        except ValidationError as exc:
            errors.extend(exc.messages)
            continue
        wanted.append((line, target, numbers))
    if not errors and not wanted:
        errors.append(gettext("“计划”工作表中没有数据行。"))
    changed = [(line, target, numbers) for line, target, numbers in wanted if target.numbers() != numbers]
    approved = RecruitmentPlan.objects.filter(pk=plan.pk, status=PlanStatus.APPROVED).exists()
    if approved and changed and not (reason or "").strip():
        errors.append(gettext("计划已批准，导入将调整%(n)d个党组织的指标，须填写调整原因。") % {"n": len(changed)})
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        for line, target, numbers in changed:
            try:
                plan_services.target_set(actor=actor, target=target, numbers=numbers, reason=reason)
            except ValidationError as exc:
                errors.extend(gettext("第%(row)d行（%(org)s）：%(msg)s")
                              % {"row": line, "org": target.organization.short_name, "msg": m} for m in exc.messages)
        if errors:
            raise ValidationError(errors)  # rolls back every row already set
    return {"rows": len(wanted), "changed": len(changed), "unchanged": len(wanted) - len(changed)}

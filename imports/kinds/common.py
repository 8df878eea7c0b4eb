"""What the people and membership imports share: django-import-export widgets that read Chinese cells (choice
labels, 是/否, dates as Excel writes them, numbers typed into text columns), the organization index of the actor's
scope, error messages keyed by column, and the bulk audit entries."""

from __future__ import annotations

import copy
import datetime
from collections.abc import Callable, Iterable
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from django.utils.translation import gettext
from import_export import widgets

from branches import permissions
from branches.models import Organization
from branches.selectors import tree_cached

from ..files import cell_text
from ..spec import Column, RowOutcome

DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y年%m月%d日")
CHUNK = 500  # ids per IN (…) query: under SQLite's variable limit


class TextWidget(widgets.CharWidget):
    """Text; a number Excel stored for a text column (an ID number, a phone) comes back without ".0"."""

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> str:
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return cell_text(value)


class ChoiceLabelWidget(widgets.Widget):
    """A choice given by its Chinese label (the code is accepted too); blank → `blank`."""

    def __init__(self, choices: Callable[[], Iterable[tuple[str, Any]]] | Iterable[tuple[str, Any]],
                 blank: str = "") -> None:
        self._choices = choices
        self.blank = blank
        self._by_language: dict[str, tuple[list[tuple[str, str]], dict[str, str]]] = {}
        super().__init__(coerce_to_string=True)

    def _table(self) -> tuple[list[tuple[str, str]], dict[str, str]]:
        """The (code, label) pairs and text → code, built once per language (lazy labels are slow to render)."""
        language = translation.get_language() or ""
        table = self._by_language.get(language)
        if table is None:
            items = self._choices() if callable(self._choices) else self._choices
            pairs = [(code, str(label)) for code, label in items]
            lookup = {code: code for code, _label in pairs if code} | {label: code for code, label in pairs}
            table = self._by_language[language] = (pairs, lookup)
        return table

    def choices(self) -> list[tuple[str, str]]:
        return self._table()[0]

    def labels(self) -> list[str]:
        return [label for code, label in self.choices() if code != ""]

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> str:
        text = cell_text(value)
        if not text:
            return self.blank
        code = self._table()[1].get(text)
        if code is not None:
            return code
        raise ValueError(gettext("“%(value)s”不是可选值，可选：%(allowed)s。")
                         % {"value": text, "allowed": gettext("、").join(self.labels())})

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> str:
        return dict(self.choices()).get(value, "") if value not in (None, "") else ""  # preview only


class YesNoWidget(widgets.BooleanWidget):
    TRUE = ("是", "1", "true", "True", "TRUE", "Y", "y")
    FALSE = ("否", "0", "false", "False", "FALSE", "N", "n")

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> bool:
        if isinstance(value, bool):
            return value
        text = cell_text(value)
        if not text or text in self.FALSE or text == gettext("否"):
            return False
        if text in self.TRUE or text == gettext("是"):
            return True
        raise ValueError(gettext("“%(value)s”应填写“是”或“否”。") % {"value": text})

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> str:
        return gettext("是") if value else gettext("否")


class PortalDateWidget(widgets.DateWidget):
    """A date cell, a date typed as text (2020-01-31, 2020/1/31, 2020.1.31, 20200131, 2020年1月31日), or an Excel
    serial number; blank → None."""

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%d")

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> datetime.date | None:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if isinstance(value, datetime.datetime):
            return value.date()
        if isinstance(value, datetime.date):
            return value
        if isinstance(value, int | float) and not isinstance(value, bool) and 1 <= value < 100000:
            from openpyxl.utils.datetime import from_excel

            return from_excel(value).date()
        text = cell_text(value)
        for fmt in DATE_FORMATS:
            try:
                return datetime.datetime.strptime(text, fmt).date()  # noqa: DTZ007 (a date, no time)
            except ValueError:
                continue
        raise ValueError(gettext("“%(value)s”不是有效日期，请按“2020-01-31”的格式填写。") % {"value": text})

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> str:
        return value.isoformat() if value else ""


def display(value: Any) -> Any:
    """A raw cell as stored in the row file (JSON): dates as ISO text, integral floats as integers."""
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if not value.time() else value.isoformat(sep=" ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        return value.strip()
    return value


def column_error(columns: dict[str, Column], field: str, message: str) -> str:
    """“所在党组织：…” — the message with the label of the column it concerns."""
    column = columns.get(field)
    if column is None:
        return str(message)
    return gettext("%(label)s：%(message)s") % {"label": column.label, "message": message}


def add_validation_errors(outcome: RowOutcome, columns: dict[str, Column], exc: ValidationError,
                          aliases: dict[str, str] | None = None) -> None:
    for field, messages in exc.message_dict.items():
        key = (aliases or {}).get(field, field)
        for message in messages:
            outcome.add_error(column_error(columns, key, message))


# ---- organizations ---------------------------------------------------------------------------------------


def _all_orgs() -> list[Organization]:
    return list(Organization.objects.only("id", "path", "depth", "name", "short_name", "code", "org_type",
                                          "closed_on"))


class OrgIndex:
    """The organizations where the actor holds `capability`, by full name, code or unambiguous short name
    (from the tree cache: no query per row)."""

    def __init__(self, actor: Any, capability: str) -> None:
        orgs = [o for o in tree_cached("imports:orgs", _all_orgs) if permissions.has_capability(actor, o, capability)]
        self.by_pk = {o.pk: o for o in orgs}
        self.by_name: dict[str, Organization] = {}
        self.short: dict[str, list[Organization]] = {}
        for org in orgs:
            self.by_name.setdefault(org.name, org)
            if org.code:
                self.by_name.setdefault(org.code, org)
            self.short.setdefault(org.short_name, []).append(org)

    def resolve(self, text: str) -> tuple[Organization | None, str | None]:
        """(organization, None) or (None, the Chinese message)."""
        if text in self.by_name:
            return self.by_name[text], None
        found = self.short.get(text, [])
        if len(found) == 1:
            return found[0], None
        if len(found) > 1:
            return None, gettext("“%(name)s”对应多个党组织：%(names)s，请填写全称。") % {
                "name": text, "names": gettext("、").join(o.name for o in found)}
        return None, gettext("党组织“%(name)s”不存在或不在您的管理范围内。") % {"name": text}


# ---- audit -----------------------------------------------------------------------------------------------


def snapshot(instance: Any) -> Any:
    """A copy of a loaded instance before it is changed (the 'before' of its audit entry)."""
    return copy.copy(instance)


def audit_entries(actor: Any, created: list[Any], changed: list[tuple[Any, Any]], *, note: str) -> int:
    """Bulk writes skip auditlog's signals, so the entries the signals would have written are built here (the same
    diff, the same masked and excluded fields) and bulk-created: one per created or changed record, with the
    actor, and `note` in additional_data. Returns the number of entries."""
    from auditlog.diff import model_instance_diff
    from auditlog.models import LogEntry

    now = timezone.now()
    entries: list[LogEntry] = []
    content_types: dict[type, ContentType] = {}

    def entry(instance: Any, action: int, changes: dict) -> LogEntry:
        model = type(instance)
        if model not in content_types:
            content_types[model] = ContentType.objects.get_for_model(model)
        return LogEntry(content_type=content_types[model], object_pk=str(instance.pk), object_id=instance.pk,
                        object_repr=str(instance)[:1000], action=action,
                        changes={k: list(v) for k, v in changes.items()},
                        changes_text="", actor=actor if getattr(actor, "pk", None) else None, timestamp=now,
                        additional_data={"import": note})

    for instance in created:
        # Only the concrete fields: the reverse one-to-one accessors would cost a query per record.
        concrete = [f.name for f in instance._meta.concrete_fields]
        entries.append(entry(instance, LogEntry.Action.CREATE,
                             model_instance_diff(None, instance, fields_to_check=concrete) or {}))
    for old, new in changed:
        diff = model_instance_diff(old, new) or {}
        if diff:
            entries.append(entry(new, LogEntry.Action.UPDATE, diff))
    LogEntry.objects.bulk_create(entries, batch_size=1000)
    return len(entries)

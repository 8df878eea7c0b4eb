"""What the import kinds share: django-import-export widgets that read Chinese cells (choice labels, 是/否, dates
as Excel writes them, numbers typed into text columns), the organization index of the actor's scope, error
messages keyed by column, and the bulk audit entries."""

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
from ..spec import Column, RowOutcome, source_text

DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y年%m月%d日")
CHUNK = 500  # ids per IN (…) query: under SQLite's variable limit


def text(value: Any) -> str:
    """A cell as text; a number Excel stored for a text column (an ID number, a phone) comes back without ".0"."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return cell_text(value)


class TextWidget(widgets.CharWidget):
    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> str:
        return text(value)


class ChoiceLabelWidget(widgets.Widget):
    """A choice given by its label in the language in use or in Chinese (the code is accepted too);
    blank → `blank`."""

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
            items = list(items)
            pairs = [(code, str(label)) for code, label in items]
            lookup = ({code: code for code, _label in pairs if code}
                      | {source_text(label): code for code, label in items}
                      | {label: code for code, label in pairs})
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
    """是/否 (and 1/0, Y/N, true/false); blank → `blank`."""

    TRUE = ("是", "1", "true", "True", "TRUE", "Y", "y")
    FALSE = ("否", "0", "false", "False", "FALSE", "N", "n")

    def __init__(self, blank: bool = False) -> None:
        self.blank = blank
        super().__init__()

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> bool:
        if isinstance(value, bool):
            return value
        value = text(value)
        if not value:
            return self.blank
        if value in self.FALSE or value == gettext("否"):
            return False
        if value in self.TRUE or value == gettext("是"):
            return True
        raise ValueError(gettext("“%(value)s”应填写“是”或“否”。") % {"value": value})

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
        value = cell_text(value)
        for fmt in DATE_FORMATS:
            try:
                return datetime.datetime.strptime(value, fmt).date()  # noqa: DTZ007 (a date, no time)
            except ValueError:
                continue
        raise ValueError(gettext("“%(value)s”不是有效日期，请按“2020-01-31”的格式填写。") % {"value": value})

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


def shown(value: Any) -> str:
    """A model value as the template writes it (dates as yyyy-mm-dd, booleans as 是/否), for the preview."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return gettext("是") if value else gettext("否")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def column_error(columns: dict[str, Column], field: str, message: str) -> str:
    """“所在党组织：…” — the message with the label of the column it concerns."""
    column = columns.get(field)
    if column is None or str(message).startswith(str(column.label)):
        return str(message)  # "公民身份号码校验位不正确" already names its column
    return gettext("%(label)s：%(message)s") % {"label": column.label, "message": message}


def clean_cell(widget: widgets.Widget, columns: dict[str, Column], key: str, value: Any, errors: list[str]
               ) -> Any:
    """The cell parsed by `widget`; None and the message (naming the column) appended to `errors` if it cannot
    be read."""
    try:
        return widget.clean(value)
    except ValueError as exc:
        errors.append(column_error(columns, key, str(exc)))
        return None


def validation_messages(exc: ValidationError, columns: dict[str, Column], aliases: dict[str, str] | None = None
                        ) -> list[str]:
    """A model's or a service's ValidationError as messages naming the column of each field, each once."""
    if not hasattr(exc, "error_dict"):
        return list(dict.fromkeys(str(m) for m in exc.messages))
    result: list[str] = []
    for field, messages in exc.message_dict.items():
        key = (aliases or {}).get(field, field)
        result.extend(column_error(columns, key, message) for message in messages)
    return list(dict.fromkeys(result))


def add_validation_errors(outcome: RowOutcome, columns: dict[str, Column], exc: ValidationError,
                          aliases: dict[str, str] | None = None) -> None:
    for message in validation_messages(exc, columns, aliases):
        outcome.add_error(message)


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


def _audit_plan(model: type) -> tuple[list[tuple[Any, str, bool]], Callable[[str], str]]:
    """What auditlog's model_instance_diff looks at for `model`, worked out once: the concrete fields it tracks
    (registered include/exclude applied) as (field, how its value is read, masked), and the mask function."""
    from auditlog.diff import get_mask_function
    from auditlog.registry import auditlog
    from django.conf import settings
    from django.db.models import DateTimeField, JSONField

    plan = _AUDIT_PLANS.get(model)
    if plan is None:
        options = auditlog.get_model_fields(model)
        fk_as_id = not getattr(settings, "AUDITLOG_USE_FK_STRING_REPRESENTATION", False)
        fields = []
        for field in model._meta.concrete_fields:
            if field.many_to_many or (options["include_fields"] and field.name not in options["include_fields"]) \
                    or field.name in options["exclude_fields"]:
                continue
            if isinstance(field, DateTimeField | JSONField):
                how = "auditlog"
            elif fk_as_id and (field.one_to_one or field.many_to_one) and hasattr(field, "rel_class"):
                how = "fk"
            else:
                how = "plain"
            fields.append((field, how, field.name in options["mask_fields"]))
        plan = _AUDIT_PLANS[model] = (fields, get_mask_function(options.get("mask_callable")))
    return plan


_AUDIT_PLANS: dict[type, tuple[list[tuple[Any, str, bool]], Callable[[str], str]]] = {}
_ABSENT = "None"  # what auditlog's get_field_value reads from a missing instance (the 'before' of a creation)


def _audit_value(instance: Any, field: Any, how: str) -> Any:
    """auditlog.diff.get_field_value(instance, field), without its lookups for the common fields."""
    from auditlog.diff import get_field_value
    from django.utils.encoding import smart_str

    if how == "fk":
        return smart_str(getattr(instance, field.attname), strings_only=True)
    if how == "plain":
        value = smart_str(getattr(instance, field.attname))
        return str(value) if type(value).__name__ == "__proxy__" else value
    return get_field_value(instance, field)


def audit_changes(old: Any, new: Any) -> dict[str, list[str]]:
    """The `changes` auditlog's model_instance_diff(old, new) gives (old None: a creation, every concrete field),
    masked fields masked — computed from the values the import already holds: a field is read (as auditlog reads
    it) only when its value differs."""
    from django.utils.encoding import smart_str

    fields, mask = _audit_plan(type(new))
    changes: dict[str, list[str]] = {}
    for field, how, masked in fields:
        if old is None:
            before, after = _ABSENT, _audit_value(new, field, how)
        else:
            if getattr(old, field.attname) == getattr(new, field.attname):
                continue
            before, after = _audit_value(old, field, how), _audit_value(new, field, how)
        if before != after:
            pair = [smart_str(before), smart_str(after)]
            changes[field.name] = [mask(pair[0]), mask(pair[1])] if masked else pair
    return changes


def audit_entries(actor: Any, created: list[Any], changed: list[tuple[Any, Any]], *, note: str) -> int:
    """Bulk writes skip auditlog's signals, so the entries the signals would have written are built here (the same
    changes, the same masked and excluded fields: `audit_changes`) and bulk-created, 1,000 at a time: one per
    created or changed record, with the actor, and `note` in additional_data. Returns the number of entries."""
    from auditlog.models import LogEntry

    now = timezone.now()
    content_types: dict[type, ContentType] = {}
    user = actor if getattr(actor, "pk", None) else None

    def entries() -> Iterable[LogEntry]:
        for old, new in [*((None, instance) for instance in created), *changed]:
            changes = audit_changes(old, new)
            if old is not None and not changes:
                continue
            model = type(new)
            if model not in content_types:
                content_types[model] = ContentType.objects.get_for_model(model)
            yield LogEntry(content_type=content_types[model], object_pk=str(new.pk), object_id=new.pk,
                           object_repr=str(new)[:1000],
                           action=LogEntry.Action.CREATE if old is None else LogEntry.Action.UPDATE,
                           changes=changes, changes_text="", actor=user, timestamp=now,
                           additional_data={"import": note})

    count = 0
    chunk: list[LogEntry] = []
    for entry in entries():
        chunk.append(entry)
        if len(chunk) == 1000:
            LogEntry.objects.bulk_create(chunk)
            count, chunk = count + len(chunk), []
    if chunk:
        LogEntry.objects.bulk_create(chunk)
    return count + len(chunk)


def existing_people(parsed: list[tuple[Any, dict[str, Any]]]) -> tuple[dict[str, Any], dict[tuple, list[Any]]]:
    """The people the rows may mean, in a few queries: by the rows' ID numbers, and by the names of rows without
    one (keyed by name and birth date), with their organization and membership."""
    from members.models import Person

    ids = sorted({d["id_number"] for _o, d in parsed if d["id_number"]})
    names = sorted({d.get("name") for _o, d in parsed if not d["id_number"] and d.get("name")})
    related = ("organization", "membership", "membership__party_group")
    by_id: dict[str, Person] = {}
    for start in range(0, len(ids), CHUNK):
        for person in Person.objects.filter(id_number__in=ids[start:start + CHUNK]).select_related(*related):
            by_id[person.id_number] = person
    by_name_birth: dict[tuple, list[Person]] = {}
    for start in range(0, len(names), CHUNK):
        for person in Person.objects.filter(name__in=names[start:start + CHUNK]).select_related(*related):
            by_name_birth.setdefault((person.name, person.birth_date), []).append(person)
    return by_id, by_name_birth

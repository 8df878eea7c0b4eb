"""What one kind of bulk import is: its sheet, its columns, how a row is checked and how the rows are written.

A spec is stateless; `check` runs the dry run (no writes) and returns one `RowOutcome` per data row, `commit`
writes the accepted outcomes inside the caller's transaction. The services (imports/services.py) read the file,
call the spec and keep the outcomes; the pages and the API only talk to the services and selectors."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from typing import Any, ClassVar

from django.utils.functional import Promise

from .models import RowStatus

# progress(done, total): called now and then while checking or committing.
Progress = Callable[[int, int], None]


def no_progress(done: int, total: int) -> None:
    return None


def source_text(text: str | Promise) -> str:
    """A translatable text in the source language (Chinese), not in the language in use."""
    from django.utils import translation

    with translation.override(None):
        return str(text)


@dataclass(frozen=True)
class Column:
    """One column of the data sheet. `label` is the header text (Chinese, translated at use);
    `help` and `allowed` describe the column on the template's 说明 sheet; `example` fills the example row.
    `header_optional`: the column may be missing from the header row (a column added after templates were handed
    out: older files stay importable)."""

    key: str
    label: str | Promise
    required: bool = False
    help: str | Promise = ""
    allowed: tuple[str, ...] | Callable[[], Iterable[str]] = ()
    example: Any = ""
    header_optional: bool = False

    def source_label(self) -> str:
        """The Chinese header text, whatever the language in use (templates are handed around)."""
        return source_text(self.label)

    def allowed_values(self) -> list[str]:
        values = self.allowed() if callable(self.allowed) else self.allowed
        return [str(v) for v in values]


@dataclass
class RowOutcome:
    """The dry run's verdict on one row. `row` is the sheet row number (1-based, as Excel shows it).

    `key`: a human label of the row (name + masked ID number); `values`: the row as read, for display and for the
    failed-rows file (column key → text); `changes`: field label → [old, new] for a changed record;
    `errors`: Chinese messages, each naming the column. `target` is private to the spec (e.g. the prepared model
    instance) and is not stored."""

    row: int
    status: str = RowStatus.NEW
    key: str = ""
    values: dict[str, Any] = field(default_factory=dict)
    changes: dict[str, list[Any]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    target: Any = field(default=None, repr=False, compare=False)

    def add_error(self, message: str) -> None:
        """One more error; a message the row already has is not repeated (a model field's own validators and its
        declared ones may report the same problem twice)."""
        message = str(message)
        if message not in self.errors:
            self.errors.append(message)
        self.status = RowStatus.ERROR

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("target", None)
        data["status"] = str(self.status)
        return data


class ImportSpec:
    """Abstract: subclass, set the attributes, implement `check` and `commit`, and `register(Spec())`."""

    kind: ClassVar[str] = ""
    verbose_name: ClassVar[str | Promise] = ""
    capability: ClassVar[str] = ""
    sheet_name: ClassVar[str | Promise] = ""
    # Other sheet names accepted as the data sheet (e.g. the untranslated name); the first sheet is not guessed.
    sheet_aliases: ClassVar[tuple[str, ...]] = ()
    columns: ClassVar[list[Column]] = []
    resource_class: ClassVar[type | None] = None  # an import_export Resource: cell parsing and the template

    def sheet_names(self) -> list[str]:
        """The data sheet's name in the language in use, in Chinese, and the aliases."""
        names = [str(self.sheet_name), source_text(self.sheet_name), *self.sheet_aliases]
        return list(dict.fromkeys(names))

    def column_map(self) -> dict[str, Column]:
        return {c.key: c for c in self.columns}

    def check(self, actor: Any, rows: list[tuple[int, dict[str, Any]]], progress: Progress = no_progress
              ) -> list[RowOutcome]:
        """The dry run: one outcome per row (status NEW / CHANGED / UNCHANGED / ERROR); writes nothing.
        `rows` are (sheet row number, column key → raw cell value) as `imports.files.read_table` returns them."""
        raise NotImplementedError

    def commit(self, actor: Any, outcomes: list[RowOutcome], progress: Progress = no_progress) -> dict[str, int]:
        """Write the NEW and CHANGED outcomes of a `check` that found no errors, in the caller's transaction.
        Returns counts: {"new": n, "changed": n, "unchanged": n}."""
        raise NotImplementedError


SPECS: dict[str, ImportSpec] = {}


def register(spec: ImportSpec) -> ImportSpec:
    SPECS[spec.kind] = spec
    return spec


def get_spec(kind: str) -> ImportSpec:
    """The spec of the kind; KeyError for an unknown kind. Importing the kinds' modules registers them."""
    _load()
    return SPECS[kind]


def _load() -> None:
    import importlib

    for module in ("imports.kinds.people", "imports.kinds.memberships", "imports.kinds.organizations",
                   "imports.kinds.talent_pool"):
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise

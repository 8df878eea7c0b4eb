"""The calendar's cells, rendered in Python: a year calendar has up to ~80 of them, and an `{% include %}` per
cell cost more than the rest of the page."""

from typing import Any

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from branches.meetings.compliance import DONE, DUE, NOT_REQUIRED, OVERDUE, Cell
from branches.models import MeetingStatus

register = template.Library()

ICONS = {DONE: "bi-check-circle-fill", OVERDUE: "bi-x-circle-fill", DUE: "bi-hourglass-split",
         NOT_REQUIRED: "bi-dash-circle"}


@register.simple_tag(takes_context=True)
def compliance_cell(context: Any, cell: Cell) -> SafeString:
    """One period of one meeting type: status icon, held/required, and a link per meeting recorded in it. A
    month's cell shows twice (the desktop table and the phone's month cards): rendered once per page."""
    rendered = context.render_context.setdefault("compliance_cells", {})
    html = rendered.get(id(cell))
    if html is None:
        html = rendered[id(cell)] = _cell_html(cell, _meeting_url())
    return html


def _meeting_url() -> str:
    """The meeting page's URL with "{pk}" for the id (one reverse per page instead of one per link)."""
    return reverse("meetings:detail", args=[918273645]).replace("918273645", "{pk}")


def _cell_html(cell: Cell, meeting_url: str) -> SafeString:
    if cell.status == NOT_REQUIRED:
        count = format_html('<span class="small">{}</span>', gettext("不适用"))
    else:
        count = mark_safe(f'<span class="cc-count">{int(cell.done)}/{int(cell.required)}</span>')  # noqa: S308
    links = []
    for m in cell.meetings:
        confirmed = m.status == MeetingStatus.CONFIRMED
        title = escape(m.title) if confirmed else escape(f"{m.title}（{gettext('待确认')}）")
        held = timezone.localtime(m.held_at)
        links.append(f'<a href="{meeting_url.format(pk=int(m.pk))}" class="cc-m{"" if confirmed else " cc-draft"}"'
                     f' title="{title}">{held.month}/{held.day}</a>')
    return format_html('<span class="cc cc-{}" title="{} · {}"><i class="bi {}"></i> {} {}</span>',
                       cell.status, cell.period.label, cell.status_label, ICONS.get(cell.status, "bi-circle"),
                       count, mark_safe("".join(links)))  # noqa: S308 - built from escaped parts


_BADGES = {OVERDUE: "badge-danger-soft", DUE: "badge-warning-soft"}


@register.simple_tag
def compliance_row(row: Any) -> SafeString:
    """One branch of the committee overview (an OverviewRow) as a table row: 25 of them through the template
    language were most of the page's cost."""
    badge = _BADGES.get(row.status, "badge-ok-soft")
    overdue = row.whole_year.overdue
    mine = format_html(' <span class="badge badge-muted-soft">{}</span>', gettext("我负责")) if row.responsible else ""
    tallies = "".join(
        f'<td class="text-center"><span class="text-nowrap{_tally_class(t)}">{int(t.done)}/{int(t.required)}</span></td>'
        for t in row.tallies)
    overdue_cell = (f'<span class="text-danger fw-semibold">{int(overdue)}</span>' if overdue
                    else '<span class="text-muted">0</span>')
    return format_html(
        '<tr><td><a href="{}">{}</a>{}<div class="small text-muted d-none d-md-block">{}</div>'
        '<div class="d-md-none mt-1"><span class="badge {}">{}{}</span></div></td>{}'
        '<td class="text-center d-none d-md-table-cell">{}</td>'
        '<td class="d-none d-md-table-cell"><span class="badge {}">{}</span></td></tr>',
        reverse("compliance:calendar", args=[row.org.pk]), row.org.short_name, mine, row.org.name,
        badge, row.status_label, f" {overdue}" if overdue else "", mark_safe(tallies),  # noqa: S308 - numbers
        mark_safe(overdue_cell), badge, row.status_label)  # noqa: S308 - a number


def _tally_class(tally: Any) -> str:
    if tally.overdue:
        return " text-danger fw-semibold"
    return " text-success" if tally.complete else ""

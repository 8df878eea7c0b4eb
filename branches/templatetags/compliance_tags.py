"""The calendar's cells, rendered in Python: a year calendar has up to ~80 of them, and an `{% include %}` per
cell cost more than the rest of the page."""

from typing import Any

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from branches.meetings.compliance import DONE, DUE, NOT_REQUIRED, OVERDUE, Cell
from branches.models import MeetingStatus

register = template.Library()

ICONS = {DONE: "bi-check-circle-fill", OVERDUE: "bi-x-circle-fill", DUE: "bi-hourglass-split",
         NOT_REQUIRED: "bi-dash-circle"}


@register.simple_tag
def compliance_cell(cell: Cell) -> SafeString:
    """One period of one meeting type: status icon, held/required, and a link per meeting recorded in it."""
    if cell.status == NOT_REQUIRED:
        count = format_html('<span class="small">{}</span>', gettext("不适用"))
    else:
        count = format_html('<span class="cc-count">{}/{}</span>', cell.done, cell.required)
    pending = gettext("待确认")
    links = format_html_join("", '<a href="{}" class="cc-m{}" title="{}">{}</a>', (
        (reverse("meetings:detail", args=[m.pk]),
         "" if m.status == MeetingStatus.CONFIRMED else " cc-draft",
         m.title if m.status == MeetingStatus.CONFIRMED else f"{m.title}（{pending}）",
         f"{timezone.localtime(m.held_at):%-m/%-d}")
        for m in cell.meetings))
    return format_html('<span class="cc cc-{}" title="{} · {}"><i class="bi {}"></i> {} {}</span>',
                       cell.status, cell.period.label, cell.status_label, ICONS.get(cell.status, "bi-circle"),
                       count, links)


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

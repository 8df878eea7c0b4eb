"""The calendar's cells, rendered in Python: a year calendar has up to ~80 of them, and an `{% include %}` per
cell cost more than the rest of the page."""

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
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

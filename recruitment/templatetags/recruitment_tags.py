"""The committee overview's rows, rendered in Python: 25 rows of eleven numbers through the template language
cost more than the rest of the page."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

# (column, extra class of the cell) in the order of the table's header.
PLAIN = (("applicant", ""), ("activist", ""), ("candidate", ""), ("probationary", ""),
         ("full", " d-none d-xxl-table-cell"), ("ended", " d-none d-xxl-table-cell"),
         ("active", " d-none d-sm-table-cell fw-semibold"))


@register.simple_tag(takes_context=True)
def stage_row(context: Any, row: dict[str, Any]) -> SafeString:
    """One branch of the committee overview (a dict of recruitment.selectors.stage_rows): its counts, with the
    problem counts linking to their lists filtered by the branch's name."""
    urls = context.render_context.get("stage_row_urls")
    if urls is None:
        urls = context.render_context["stage_row_urls"] = {
            name: reverse(f"recruitment:committee_{name}") for name in ("stuck", "violations", "pending")}
    q = quote(row["organization__name"])
    cells = [f'<td class="text-end{css}">{int(row[key])}</td>' for key, css in PLAIN]
    stuck, violations, pending = int(row["stuck"]), int(row["violations"]), int(row["pending"])
    cells.append(f'<td class="text-end"><a class="text-danger fw-semibold" href="{urls["stuck"]}?q={q}">{stuck}</a></td>'
                 if stuck else '<td class="text-end">0</td>')
    cells.append(f'<td class="text-end d-none d-sm-table-cell"><a class="text-danger" href="{urls["violations"]}?q={q}">'
                 f'{violations}</a></td>' if violations else '<td class="text-end d-none d-sm-table-cell">0</td>')
    cells.append(f'<td class="text-end d-none d-md-table-cell"><a href="{urls["pending"]}?q={q}">{pending}</a></td>'
                 if pending and context.get("can_record") else f'<td class="text-end d-none d-md-table-cell">{pending}</td>')
    return format_html('<tr><td><a href="{}">{}</a></td>{}</tr>',
                       reverse("branches:detail", args=[row["organization_id"]]), row["organization__short_name"],
                       mark_safe("".join(cells)))  # noqa: S308 - numbers and quoted names

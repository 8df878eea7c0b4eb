from datetime import timedelta

from django import template
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import ngettext

register = template.Library()


@register.filter
def minutes(value: timedelta | None) -> str:
    """A waiting time in whole minutes, e.g. for the login lockout page: "15 分钟"."""
    if not value:
        return ""
    n = max(1, round(value.total_seconds() / 60))
    return ngettext("%(n)d 分钟", "%(n)d 分钟", n) % {"n": n}


@register.simple_tag(takes_context=True)
def sort_link(context, key: str, label: str) -> str:
    """A column header that sorts a list by `key` (again: descending), keeping the list's filters
    (`filters_query`) and showing the current direction (`sort` in the context)."""
    sort = context.get("sort", "")
    filters = context.get("filters_query", "")
    target = f"-{key}" if sort == key else key
    icon = ' <i class="bi bi-sort-up"></i>' if sort == key else ' <i class="bi bi-sort-down"></i>' if sort == f"-{key}" else ""
    href = f"?{filters}&sort={target}" if filters else f"?sort={target}"
    return format_html('<a class="text-reset text-decoration-none text-nowrap" href="{}">{}{}</a>', href, label,
                       mark_safe(icon))  # noqa: S308 - a fixed icon


@register.simple_tag
def org_options(choices: list[tuple[int, str]], selected: object = "") -> str:
    """The <option>s of an organization select from (pk, label) choices (members.selectors.org_choices), built in
    Python: an academy's select has hundreds of them."""
    chosen = str(selected or "")
    return mark_safe("".join(  # noqa: S308 - every label is escaped
        f'<option value="{int(pk)}"{" selected" if str(pk) == chosen else ""}>{escape(label)}</option>'
        for pk, label in choices))

from datetime import timedelta

from django import template
from django.utils.translation import ngettext

register = template.Library()


@register.filter
def minutes(value: timedelta | None) -> str:
    """A waiting time in whole minutes, e.g. for the login lockout page: "15 分钟"."""
    if not value:
        return ""
    n = max(1, round(value.total_seconds() / 60))
    return ngettext("%(n)d 分钟", "%(n)d 分钟", n) % {"n": n}

"""The "待办提醒" card of the branch dashboard: the user's unread reminders (one query)."""

from __future__ import annotations

from typing import Any

from django import template

from branches import reminders

register = template.Library()

CARD_LIMIT = 6


@register.inclusion_tag("notifications/_card.html", takes_context=True)
def notification_card(context: dict[str, Any], organization: Any = None) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    rows: list[Any] = []
    if user is not None and user.is_authenticated:
        qs = reminders.notification_list(user=user).filter(read_at__isnull=True)
        if organization is not None:
            qs = qs.filter(organization=organization)
        rows = list(qs[:CARD_LIMIT + 1])
    return {"rows": rows[:CARD_LIMIT], "more": len(rows) > CARD_LIMIT, "request": request,
            "csrf_token": context.get("csrf_token")}

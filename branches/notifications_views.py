"""Pages of the reminder list: the user's own notifications, mark read, mark all read."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_POST

from . import reminders


@login_required
@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(reminders.notification_list(user=request.user), 50).get_page(request.GET.get("page"))
    return render(request, "notifications/list.html", {
        "nav_active": "notifications", "page": page, "unread": reminders.unread_count(user=request.user),
    })


@login_required
@require_POST
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    notification = reminders.notification_get(user=request.user, pk=pk)
    reminders.notification_mark_read(actor=request.user, notification=notification)
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("notifications:list")


@login_required
@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    n = reminders.notifications_mark_all_read(actor=request.user)
    messages.success(request, gettext("已将 %(n)d 条提醒标记为已读。") % {"n": n})
    return redirect("notifications:list")

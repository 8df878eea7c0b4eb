"""Pages of the liaison person and the pool."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from . import selectors


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    return render(request, "liaison/mine.html", {"nav_active": "liaison", "rows": selectors.my_pairs(user=request.user)})

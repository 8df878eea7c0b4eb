from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from . import permissions


class PortalLoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True


@login_required
def dashboard(request):
    """Each user lands on the dashboard of their role: committee, branch, or their own record."""
    if permissions.is_committee_user(request.user):
        return render(request, "dashboards/committee.html", {})
    if permissions.scope_for(request.user).any_roots:
        return render(request, "dashboards/branch.html", {})
    return render(request, "dashboards/member.html", {})

"""Pages of the development pipeline: the branch's board and each person's record (urls_branch), and the
committee's overview, due lists and rosters (urls_committee), and the annual recruitment plans (urls_plans)."""

from django.urls import include, path

app_name = "recruitment"

urlpatterns = [
    path("", include("recruitment.urls_branch")),
    path("committee/", include("recruitment.urls_committee")),
    path("plans/", include("recruitment.urls_plans")),
]

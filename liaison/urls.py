"""Pages of the liaison work: the liaison person's own list, the pool and the pairs with their talks (urls_mine),
and the committee's coverage review, periodic reviews and funnel (urls_review)."""

from django.urls import include, path

app_name = "liaison"

urlpatterns = [
    path("", include("liaison.urls_mine")),
    path("review/", include("liaison.urls_review")),
]

"""Pages of the liaison work: the liaison person's own list, pairs and talks (urls_mine), the pool with its
entries and the start of a pair (urls_pool), and the committee's coverage review, periodic reviews and funnel
(urls_review)."""

from django.urls import include, path

app_name = "liaison"

urlpatterns = [
    path("", include("liaison.urls_mine")),
    path("pool/", include("liaison.urls_pool")),
    path("review/", include("liaison.urls_review")),
]

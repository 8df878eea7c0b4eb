"""The committee's review of the liaison work (included at /liaison/review/)."""

from django.urls import path

from . import review_views

urlpatterns: list = [
    path("", review_views.review, name="review"),
    path("gaps/", review_views.gaps, name="gaps"),
    path("funnel/", review_views.funnel, name="funnel"),
    path("reviews/new/", review_views.review_new, name="review_new"),
    path("reviews/<int:pk>/", review_views.review_detail, name="review_detail"),
]

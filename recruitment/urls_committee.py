"""URLs of the development pipeline (urls_committee): the committee's overview, lists and due list."""

from django.urls import path

from . import committee_views

urlpatterns: list = [
    path("", committee_views.overview, name="committee"),
    path("stuck/", committee_views.stuck, name="committee_stuck"),
    path("violations/", committee_views.violations, name="committee_violations"),
    path("pending/", committee_views.pending, name="committee_pending"),
    path("due/", committee_views.due, name="committee_due"),
]

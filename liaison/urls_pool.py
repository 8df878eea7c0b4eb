from django.urls import path

from . import pool_views

urlpatterns = [
    path("", pool_views.pool, name="pool"),
    path("new/", pool_views.profile_new, name="profile_new"),
    path("<int:pk>/", pool_views.profile, name="profile"),
    path("<int:pk>/edit/", pool_views.profile_edit, name="profile_edit"),
    path("<int:pk>/remove/", pool_views.profile_remove, name="profile_remove"),
    path("<int:pk>/pair/", pool_views.pair_new, name="pair_new"),
]

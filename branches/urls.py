from django.urls import path

from . import views

app_name = "branches"
urlpatterns = [
    path("", views.tree, name="tree"),
    path("search/", views.search, name="search"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/children/", views.children, name="children"),
    path("<int:pk>/add-child/", views.create_child, name="create_child"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/move/", views.move, name="move"),
    path("<int:pk>/close/", views.close, name="close"),
    path("<int:pk>/committee/add/", views.seat_add, name="seat_add"),
    path("<int:pk>/committee/<int:seat_pk>/end/", views.seat_end, name="seat_end"),
    path("roles/", views.roles, name="roles"),
    path("roles/grant/", views.role_grant, name="role_grant"),
    path("roles/users/", views.user_candidates, name="user_candidates"),
    path("roles/<int:pk>/end/", views.role_end, name="role_end"),
    path("audit/", views.audit, name="audit"),
]

from django.urls import path

from . import views

app_name = "members"
urlpatterns = [
    path("", views.person_list, name="list"),
    path("new/", views.person_create, name="create"),
    path("<int:pk>/", views.person_detail, name="detail"),
    path("<int:pk>/edit/", views.person_edit, name="edit"),
    path("<int:pk>/move/", views.person_move, name="move"),
    path("<int:pk>/id-number/", views.person_id_number, name="id_number"),
]

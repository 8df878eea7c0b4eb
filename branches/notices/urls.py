from django.urls import path

from . import views

app_name = "notices"

urlpatterns = [
    path("", views.notice_list, name="list"),
    path("new/", views.notice_create, name="create"),
    path("open-items/", views.open_items, name="open_items"),
    path("committee-card/", views.committee_card, name="committee_card"),
    path("<int:pk>/", views.notice_detail, name="detail"),
    path("<int:pk>/edit/", views.notice_edit, name="edit"),
    path("<int:pk>/issue/", views.notice_issue, name="issue"),
    path("<int:pk>/remind/", views.notice_remind, name="remind"),
    path("items/<int:pk>/submit/", views.submission_create, name="submit"),
    path("submissions/<int:pk>/", views.submission_detail, name="submission"),
    path("submissions/<int:pk>/file/", views.submission_file, name="submission_file"),
]

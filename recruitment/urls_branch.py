"""URLs of the development pipeline at the branch: the board, applications, a person's record and its steps."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.board, name="board"),
    path("new/", views.create, name="create"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/step/<slug:code>/", views.step_record, name="step"),
    path("<int:pk>/stop/", views.stop, name="stop"),
    path("attachments/<int:pk>/", views.attachment, name="attachment"),
]

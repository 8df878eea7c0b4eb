from django.urls import path

from . import views

app_name = "imports"
urlpatterns = [
    path("", views.index, name="index"),
    path("new/<slug:kind>/", views.upload, name="upload"),
    path("template/<slug:kind>/", views.template_download, name="template"),
    path("<uuid:batch_uuid>/", views.batch_detail, name="detail"),
    path("<uuid:batch_uuid>/progress/", views.batch_progress, name="progress"),
    path("<uuid:batch_uuid>/commit/", views.batch_commit, name="commit"),
    path("<uuid:batch_uuid>/failed/", views.failed_rows_download, name="failed"),
]

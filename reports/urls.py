from django.urls import path

from . import views

app_name = "reports"
urlpatterns = [
    path("", views.jobs, name="jobs"),
    path("export/<slug:identifier>/", views.export_start, name="export_start"),
    path("<uuid:job_uuid>/", views.job_detail, name="job_detail"),
    path("<uuid:job_uuid>/progress/", views.job_progress, name="job_progress"),
    path("<uuid:job_uuid>/download/", views.job_download, name="job_download"),
]

from django.urls import path

from . import api

urlpatterns = [
    path("exporters/", api.ExporterListApi.as_view(), name="api-exporters"),
    path("jobs/", api.JobListCreateApi.as_view(), name="api-jobs"),
    path("jobs/<uuid:job_uuid>/", api.JobDetailApi.as_view(), name="api-job-detail"),
    path("jobs/<uuid:job_uuid>/download/", api.JobDownloadApi.as_view(), name="api-job-download"),
]

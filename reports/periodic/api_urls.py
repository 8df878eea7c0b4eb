from django.urls import path

from . import api

urlpatterns = [
    path("reports/", api.ReportListApi.as_view(), name="api-periodic-reports"),
    path("reports/<int:pk>/", api.ReportDetailApi.as_view(), name="api-periodic-report"),
    path("reports/<int:pk>/download/<str:fmt>/", api.ReportDownloadApi.as_view(),
         name="api-periodic-report-download"),
]

from django.urls import path

from . import views

app_name = "periodic_reports"

urlpatterns = [
    path("", views.report_list, name="list"),
    path("card/", views.report_card, name="card"),
    path("generate/", views.report_generate, name="generate"),
    path("<int:pk>/", views.report_detail, name="detail"),
    path("<int:pk>/status/", views.report_status, name="status"),
    path("<int:pk>/rerun/", views.report_rerun, name="rerun"),
    path("<int:pk>/download/<str:fmt>/", views.report_download, name="download"),
]

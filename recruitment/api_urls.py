"""URLs of the development pipeline (api_urls), under /api/v1/recruitment/."""

from django.urls import path

from . import api

urlpatterns: list = [
    path("recruitment/pipelines/", api.PipelineListCreateApi.as_view(), name="api-recruitment-pipelines"),
    path("recruitment/pipelines/<int:pk>/", api.PipelineDetailApi.as_view(), name="api-recruitment-pipeline"),
    path("recruitment/pipelines/<int:pk>/steps/", api.PipelineStepApi.as_view(),
         name="api-recruitment-pipeline-steps"),
    path("recruitment/pipelines/<int:pk>/stop/", api.PipelineStopApi.as_view(), name="api-recruitment-pipeline-stop"),
    path("recruitment/overview/", api.OverviewApi.as_view(), name="api-recruitment-overview"),
    path("recruitment/due/", api.DueApi.as_view(), name="api-recruitment-due"),
]

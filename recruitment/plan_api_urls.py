"""URLs of the annual recruitment plan's API, under /api/v1/recruitment/plans/."""

from django.urls import path

from . import plan_api

urlpatterns: list = [
    path("recruitment/plans/", plan_api.PlanListCreateApi.as_view(), name="api-plans"),
    path("recruitment/plans/<int:pk>/", plan_api.PlanDetailApi.as_view(), name="api-plan"),
    path("recruitment/plans/<int:pk>/approve/", plan_api.PlanApproveApi.as_view(), name="api-plan-approve"),
    path("recruitment/plans/<int:pk>/targets/", plan_api.TargetListApi.as_view(), name="api-plan-targets"),
    path("recruitment/plans/<int:pk>/targets/<int:tid>/", plan_api.TargetDetailApi.as_view(),
         name="api-plan-target"),
    path("recruitment/plans/<int:pk>/targets/<int:tid>/propose/", plan_api.TargetProposeApi.as_view(),
         name="api-plan-target-propose"),
    path("recruitment/plans/<int:pk>/actual/", plan_api.PlanActualApi.as_view(), name="api-plan-actual"),
    path("recruitment/plans/<int:pk>/import/", plan_api.PlanImportApi.as_view(), name="api-plan-import"),
]

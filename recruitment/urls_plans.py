"""URLs of the annual recruitment plans (年度发展党员计划): the list, a plan, one target, the plan against reality."""

from django.urls import path

from . import plan_views

urlpatterns: list = [
    path("", plan_views.plans, name="plans"),
    path("<int:pk>/", plan_views.plan, name="plan"),
    path("<int:pk>/targets/<int:tid>/", plan_views.plan_target, name="plan_target"),
    path("<int:pk>/actual/", plan_views.plan_actual, name="plan_actual"),
]

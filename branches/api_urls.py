from django.urls import path

from . import api

urlpatterns = [
    path("organizations/", api.OrganizationListCreateApi.as_view(), name="api-organizations"),
    path("organizations/<int:pk>/", api.OrganizationDetailApi.as_view(), name="api-organization"),
    path("organizations/<int:pk>/move/", api.OrganizationMoveApi.as_view(), name="api-organization-move"),
    path("organizations/<int:pk>/close/", api.OrganizationCloseApi.as_view(), name="api-organization-close"),
    path("organizations/<int:pk>/committee/", api.CommitteeListCreateApi.as_view(), name="api-organization-committee"),
    path("organizations/<int:pk>/committee/<int:seat_pk>/end/", api.CommitteeSeatEndApi.as_view(),
         name="api-organization-committee-end"),
    path("roles/", api.RoleListGrantApi.as_view(), name="api-roles"),
    path("roles/<int:pk>/end/", api.RoleEndApi.as_view(), name="api-role-end"),
    path("me/", api.MeApi.as_view(), name="api-me"),
]

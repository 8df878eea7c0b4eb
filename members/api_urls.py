from django.urls import path

from . import api

urlpatterns = [
    path("people/", api.PersonListCreateApi.as_view(), name="api-people"),
    path("people/<int:pk>/", api.PersonDetailApi.as_view(), name="api-person"),
    path("people/<int:pk>/move/", api.PersonMoveApi.as_view(), name="api-person-move"),
    path("people/<int:pk>/id-number/", api.PersonIdNumberApi.as_view(), name="api-person-id-number"),
]

from django.urls import path

from . import api

urlpatterns = [
    path("imports/", api.ImportListCreateApi.as_view(), name="api-imports"),
    path("imports/templates/<slug:kind>/", api.ImportTemplateApi.as_view(), name="api-import-template"),
    path("imports/<uuid:batch_uuid>/", api.ImportDetailApi.as_view(), name="api-import-detail"),
    path("imports/<uuid:batch_uuid>/rows/", api.ImportRowsApi.as_view(), name="api-import-rows"),
    path("imports/<uuid:batch_uuid>/commit/", api.ImportCommitApi.as_view(), name="api-import-commit"),
    path("imports/<uuid:batch_uuid>/failed/", api.ImportFailedRowsApi.as_view(), name="api-import-failed"),
]

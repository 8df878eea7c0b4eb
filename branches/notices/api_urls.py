from django.urls import path

from . import api

urlpatterns = [
    path("notices/", api.NoticeListCreateApi.as_view(), name="api-notices"),
    path("notices/<int:pk>/", api.NoticeDetailApi.as_view(), name="api-notice"),
    path("notices/<int:pk>/issue/", api.NoticeIssueApi.as_view(), name="api-notice-issue"),
    path("notices/<int:pk>/remind/", api.NoticeRemindApi.as_view(), name="api-notice-remind"),
    path("notices/<int:pk>/status/", api.NoticeStatusApi.as_view(), name="api-notice-status"),
    path("notice-items/<int:pk>/submissions/", api.SubmissionCreateApi.as_view(), name="api-notice-submissions"),
]

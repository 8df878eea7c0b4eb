from django.urls import path

from . import api

urlpatterns = [
    path("meetings/", api.MeetingListCreateApi.as_view(), name="api-meetings"),
    path("meetings/absent-members/", api.AbsentMembersApi.as_view(), name="api-meeting-absent-members"),
    path("meetings/default-attendees/", api.DefaultAttendeesApi.as_view(), name="api-meeting-default-attendees"),
    path("meetings/<int:pk>/", api.MeetingDetailApi.as_view(), name="api-meeting"),
    path("meetings/<int:pk>/confirm/", api.MeetingConfirmApi.as_view(), name="api-meeting-confirm"),
    path("meetings/<int:pk>/attachments/", api.MeetingAttachmentApi.as_view(), name="api-meeting-attachments"),
    path("meetings/<int:pk>/attachments/<int:attachment_pk>/", api.MeetingAttachmentDeleteApi.as_view(),
         name="api-meeting-attachment"),
]

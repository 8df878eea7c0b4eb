"""REST API for the user's own reminders (GET the list, POST read); included in the /api/v1/ list."""

from __future__ import annotations

from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from branches.models import Notification

from . import reminders

TAG = ["notifications"]


class NotificationOutput(serializers.ModelSerializer):
    organization_name = serializers.CharField(source="organization.short_name", read_only=True)

    class Meta:
        model = Notification
        fields = ["id", "organization", "organization_name", "kind", "key", "title", "url", "created_on",
                  "read_at", "emailed_at"]


class NotificationListApi(APIView):
    """The user's notifications, unread first, newest first (at most 200)."""

    permission_classes = [IsAuthenticated]

    class Output(NotificationOutput):
        class Meta(NotificationOutput.Meta):
            ref_name = "Notification"

    @extend_schema(tags=TAG, responses=Output(many=True))
    def get(self, request: Request) -> Response:
        qs = reminders.notification_list(user=request.user)
        if request.query_params.get("unread") in ("1", "true"):
            qs = qs.filter(read_at__isnull=True)
        return Response(self.Output(qs[:200], many=True).data)


class NotificationReadApi(APIView):
    """Mark one of the user's own notifications as read (someone else's: 404)."""

    permission_classes = [IsAuthenticated]
    Output = NotificationListApi.Output

    @extend_schema(tags=TAG, request=None, responses=Output)
    def post(self, request: Request, pk: int) -> Response:
        notification = reminders.notification_get(user=request.user, pk=pk)
        notification = reminders.notification_mark_read(actor=request.user, notification=notification)
        return Response(self.Output(notification).data)


urlpatterns = [
    path("notifications/", NotificationListApi.as_view(), name="api-notifications"),
    path("notifications/<int:pk>/read/", NotificationReadApi.as_view(), name="api-notification-read"),
]

"""REST API for work notices: the same services and selectors as the pages, the same scope."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from branches import permissions
from branches.api_utils import StrictFieldsMixin
from branches.models import (
    MeetingType,
    NoticeItem,
    NoticeSubmission,
    Organization,
    RequirementKind,
    WorkNotice,
)

from . import selectors, services

C = permissions.Capability
TAG = ["notices"]


def _require_any(user: Any) -> None:
    if not (permissions.has_capability_anywhere(user, C.ISSUE_NOTICES)
            or permissions.has_capability_anywhere(user, C.LOG_MEETINGS)):
        raise PermissionDenied(_("您没有此项权限。"))


class ItemOutput(serializers.ModelSerializer):
    class Meta:
        model = NoticeItem
        fields = ["id", "order", "title", "description", "deadline", "requirement", "meeting_type"]


class SubmissionOutput(serializers.ModelSerializer):
    file_url = serializers.SerializerMethodField()

    class Meta:
        model = NoticeSubmission
        fields = ["id", "item", "organization", "submitted_at", "late", "text", "meeting", "original_name", "size",
                  "file_url"]

    def get_file_url(self, sub: NoticeSubmission) -> str | None:
        from django.urls import reverse

        return reverse("notices:submission_file", args=[sub.pk]) if sub.file else None


class NoticeOutput(serializers.ModelSerializer):
    items = ItemOutput(many=True, read_only=True)

    class Meta:
        model = WorkNotice
        fields = ["id", "organization", "number", "title", "body", "status", "issued_at", "items"]


class NoticeSummaryOutput(serializers.ModelSerializer):
    recipient_count = serializers.IntegerField()
    item_count = serializers.IntegerField()
    submitted_count = serializers.IntegerField()
    late_count = serializers.IntegerField()

    class Meta:
        model = WorkNotice
        fields = ["id", "organization", "number", "title", "status", "issued_at", "recipient_count", "item_count",
                  "submitted_count", "late_count"]


@extend_schema_serializer(component_name="NoticeItemInput")
class ItemInput(StrictFieldsMixin, serializers.Serializer):
    title = serializers.CharField(max_length=200)
    deadline = serializers.DateField()
    requirement = serializers.ChoiceField(choices=RequirementKind.choices)
    meeting_type = serializers.ChoiceField(choices=MeetingType.choices, required=False, allow_blank=True, default="")
    description = serializers.CharField(required=False, allow_blank=True, default="")


@extend_schema_serializer(component_name="NoticeInput")
class NoticeInput(StrictFieldsMixin, serializers.Serializer):
    organization = serializers.IntegerField(help_text=_("下发组织（党委或党总支）ID"))
    number = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    title = serializers.CharField(max_length=200)
    body = serializers.CharField(required=False, allow_blank=True, default="")
    items = ItemInput(many=True)


def _items(data: list[dict[str, Any]]) -> list[services.ItemData]:
    return [services.ItemData(**d) for d in data]


class NoticeListCreateApi(APIView):
    """Notices the caller issued (committee) — POST drafts a new one."""

    permission_classes = [IsAuthenticated]

    @extend_schema(tags=TAG, summary="Notices you issued (with progress) and your branches' open items",
                   operation_id="notices_overview", responses=OpenApiTypes.OBJECT)
    def get(self, request: Request) -> Response:
        _require_any(request.user)
        issued = []
        if permissions.has_capability_anywhere(request.user, C.ISSUE_NOTICES):
            issued = NoticeSummaryOutput(selectors.issued_notice_list(user=request.user)[:500], many=True).data
        open_items = []
        if permissions.has_capability_anywhere(request.user, C.LOG_MEETINGS):
            open_items = [{
                "notice": r.item.notice_id, "notice_title": str(r.item.notice), "item": ItemOutput(r.item).data,
                "organization": r.organization.pk, "overdue": r.overdue, "reminded_on": r.reminded_on,
            } for r in selectors.branch_items(user=request.user)]
        return Response({"issued": issued, "open_items": open_items})

    @extend_schema(tags=TAG, summary="Draft a notice", request=NoticeInput, responses={201: NoticeOutput})
    def post(self, request: Request) -> Response:
        if not permissions.has_capability_anywhere(request.user, C.ISSUE_NOTICES):
            raise PermissionDenied(_("您没有此项权限。"))
        serializer = NoticeInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        d = serializer.validated_data
        org = permissions.get_org_or_404(request.user, d["organization"], C.ISSUE_NOTICES)
        notice = services.notice_create(actor=request.user, organization=org, title=d["title"], number=d["number"],
                                        body=d["body"], items=_items(d["items"]))
        return Response(NoticeOutput(notice).data, status=status.HTTP_201_CREATED)


class NoticeDetailApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(tags=TAG, summary="Retrieve a notice (a branch gets its own submissions)",
                   responses=OpenApiTypes.OBJECT)
    def get(self, request: Request, pk: int) -> Response:
        view = selectors.notice_get(user=request.user, pk=pk)
        data = NoticeOutput(view.notice).data
        subs = NoticeSubmission.objects.filter(item__notice=view.notice)
        if not view.is_issuer:
            subs = subs.filter(organization__in=view.branches)
        data["submissions"] = SubmissionOutput(subs.order_by("item__order", "organization__path"), many=True).data
        return Response(data)


class NoticeIssueApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(tags=TAG, summary="Issue a draft to the branches under the issuing organization", request=None,
                   responses={200: NoticeOutput})
    def post(self, request: Request, pk: int) -> Response:
        view = selectors.notice_get(user=request.user, pk=pk)
        if not view.is_issuer:
            raise PermissionDenied(_("您没有此项权限。"))
        notice = services.notice_issue(actor=request.user, notice=view.notice)
        return Response(NoticeOutput(notice).data)


class NoticeRemindApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema_serializer(component_name="NoticeRemindInput")
    class InputSerializer(StrictFieldsMixin, serializers.Serializer):
        organization = serializers.IntegerField(required=False, help_text=_("只催办这个党支部"))

    @extend_schema(tags=TAG, summary="Remind branches that have not submitted (once a day)", request=InputSerializer,
                   responses=OpenApiTypes.OBJECT)
    def post(self, request: Request, pk: int) -> Response:
        view = selectors.notice_get(user=request.user, pk=pk)
        if not view.is_issuer:
            raise PermissionDenied(_("您没有此项权限。"))
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        org = None
        if "organization" in serializer.validated_data:
            org = Organization.objects.filter(pk=serializer.validated_data["organization"]).first()
            if org is None:
                raise Http404
        sent = services.reminder_send(actor=request.user, notice=view.notice, organization=org)
        return Response({"sent": [r.organization_id for r in sent]})


class NoticeStatusApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(tags=TAG, summary="Branch × item status matrix (issuer only)", responses=OpenApiTypes.OBJECT)
    def get(self, request: Request, pk: int) -> Response:
        view = selectors.notice_get(user=request.user, pk=pk)
        if not view.is_issuer:
            raise PermissionDenied(_("您没有此项权限。"))
        items, rows = selectors.notice_matrix(notice=view.notice)
        return Response({
            "items": ItemOutput(items, many=True).data,
            "branches": [{
                "organization": row.organization.pk,
                "name": row.organization.short_name,
                "submitted": row.submitted,
                "late": row.late,
                "reminded_today": row.reminded_today,
                "cells": [{
                    "item": item.pk,
                    "status": ("late" if c.submission.late else "submitted") if c.submission
                    else ("overdue" if c.overdue else "missing"),
                    "submission": c.submission.pk if c.submission else None,
                } for item, c in zip(items, row.cells, strict=True)],
            } for row in rows],
        })


class SubmissionCreateApi(APIView):
    """A branch answers an item (multipart for files)."""

    permission_classes = [IsAuthenticated]
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    @extend_schema_serializer(component_name="NoticeSubmissionInput")
    class InputSerializer(StrictFieldsMixin, serializers.Serializer):
        organization = serializers.IntegerField(required=False, help_text=_("提交的党支部 ID（只有一个支部时可省略）"))
        text = serializers.CharField(required=False, allow_blank=True, default="")
        meeting = serializers.IntegerField(required=False, allow_null=True)
        file = serializers.FileField(required=False, allow_null=True)

    @extend_schema(tags=TAG, summary="Submit an item's answer for a branch", request=InputSerializer,
                   responses={201: SubmissionOutput})
    def post(self, request: Request, pk: int) -> Response:
        try:
            item = NoticeItem.objects.select_related("notice", "notice__organization").get(pk=pk)
        except NoticeItem.DoesNotExist:
            raise Http404
        view = selectors.notice_get(user=request.user, pk=item.notice_id)
        branches = [o for o in view.branches if permissions.has_capability(request.user, o, C.LOG_MEETINGS)]
        if not branches:
            raise PermissionDenied(_("您没有此项权限。"))
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        d = serializer.validated_data
        org = branches[0]
        if d.get("organization") is not None:
            org = next((o for o in branches if o.pk == d["organization"]), None)
            if org is None:
                raise Http404
        sub = services.submission_create(actor=request.user, item=item, organization=org,
                                         data={"text": d.get("text", ""), "meeting": d.get("meeting")},
                                         file=d.get("file"))
        return Response(SubmissionOutput(sub).data, status=status.HTTP_201_CREATED)

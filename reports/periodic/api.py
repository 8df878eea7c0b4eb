"""The periodic reports' API: the list in scope (filters kind, organization, year), one report with its summary,
figures, status, error and download URLs, POST to generate on demand, and the downloads."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from branches import permissions
from branches.api_utils import StrictFieldsMixin
from branches.permissions import Capability

from . import selectors, services
from .kinds import REPORT_KINDS
from .views import report_download


class ReportOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    kind_label = serializers.CharField(source="get_kind_display")
    organization = serializers.IntegerField(source="organization_id")
    organization_name = serializers.CharField(source="organization.name")
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    period_label = serializers.CharField()
    status = serializers.CharField()
    status_label = serializers.CharField(source="get_status_display")
    error = serializers.CharField()
    summary = serializers.CharField()
    generated_at = serializers.DateTimeField(allow_null=True)
    pdf_url = serializers.SerializerMethodField()
    xlsx_url = serializers.SerializerMethodField()

    def _url(self, obj, fmt: str) -> str | None:
        if not obj.is_downloadable:
            return None
        return reverse("api-periodic-report-download", kwargs={"pk": obj.pk, "fmt": fmt})

    def get_pdf_url(self, obj) -> str | None:
        return self._url(obj, "pdf")

    def get_xlsx_url(self, obj) -> str | None:
        return self._url(obj, "xlsx")


class ReportDetailSerializer(ReportOutputSerializer):
    figures = serializers.JSONField()


class ReportListApi(GenericAPIView):
    """Periodic reports in the user's scope, newest period first."""

    serializer_class = ReportOutputSerializer

    class InputSerializer(StrictFieldsMixin, serializers.Serializer):
        kind = serializers.ChoiceField(choices=list(REPORT_KINDS))
        organization = serializers.IntegerField()
        period_start = serializers.DateField()

    def get_queryset(self):
        return selectors.reports(user=self.request.user, params=self.request.query_params)

    @extend_schema(operation_id="periodic_reports_list", tags=["reports"], parameters=[
        OpenApiParameter("kind", str), OpenApiParameter("organization", int), OpenApiParameter("year", int)])
    def get(self, request: Request) -> Response:
        if not selectors.visible_kinds(request.user):
            raise selectors.no_capability()
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(ReportOutputSerializer(page, many=True).data)

    @extend_schema(operation_id="periodic_reports_generate", tags=["reports"], request=InputSerializer,
                   responses={201: ReportOutputSerializer, 400: OpenApiResponse(description=_("参数有误（中文说明）")),
                              403: OpenApiResponse(description=_("没有生成报表的权限"))})
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        org = permissions.get_org_or_404(request.user, data["organization"], Capability.EXPORT)
        report = services.report_request(actor=request.user, kind=data["kind"], organization=org,
                                         period_start=data["period_start"])
        return Response(ReportOutputSerializer(report).data, status=status.HTTP_201_CREATED)


class ReportDetailApi(APIView):
    """One report (outside the user's scope: 404; in scope without the kind's capability: 403)."""

    @extend_schema(operation_id="periodic_reports_retrieve", tags=["reports"], responses=ReportDetailSerializer)
    def get(self, request: Request, pk: int) -> Response:
        return Response(ReportDetailSerializer(selectors.report_get(user=request.user, pk=pk)).data)


class ReportDownloadApi(APIView):
    """The report's PDF or XLSX."""

    @extend_schema(operation_id="periodic_reports_download", tags=["reports"],
                   responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    def get(self, request: Request, pk: int, fmt: str):
        return report_download(request._request, pk=pk, fmt=fmt)

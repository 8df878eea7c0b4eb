"""REST API of exports and jobs: the same services and validation as the export page."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_serializer, inline_serializer
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from branches.api_utils import StrictFieldsMixin

from . import services
from .exporters import exporters_for
from .models import Job
from .selectors import job_get, job_list
from .views import download_response


class ExporterListApi(APIView):
    """The exporters the user may use (those whose capability they hold somewhere)."""

    @extend_schema_serializer(component_name="Exporter")
    class OutputSerializer(serializers.Serializer):
        identifier = serializers.CharField()
        name = serializers.CharField()
        description = serializers.CharField()
        capability = serializers.CharField()
        formats = serializers.ListField(child=serializers.CharField())
        params = serializers.ListField(child=inline_serializer("ExporterParam", fields={
            "name": serializers.CharField(),
            "label": serializers.CharField(),
            "required": serializers.BooleanField(),
            "multiple": serializers.BooleanField(),
        }))

    @extend_schema(operation_id="exporters_list", tags=["jobs"], responses=OutputSerializer(many=True))
    def get(self, request: Request) -> Response:
        rows = []
        for exporter in exporters_for(request.user):
            form = exporter.get_form(request.user)
            rows.append({
                "identifier": exporter.identifier,
                "name": str(exporter.verbose_name),
                "description": str(exporter.description),
                "capability": exporter.capability,
                "formats": list(exporter.formats),
                "params": [
                    {"name": name, "label": str(field.label or name), "required": field.required,
                     "multiple": bool(getattr(field.widget, "allow_multiple_selected", False))}
                    for name, field in form.fields.items()
                ],
            })
        return Response(self.OutputSerializer(rows, many=True).data)


@extend_schema_serializer(component_name="Job")
class JobOutputSerializer(serializers.ModelSerializer):
    status_display = serializers.CharField(source="get_status_display")
    url = serializers.SerializerMethodField()
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Job
        fields = ["uuid", "kind", "title", "format", "params", "status", "status_display", "progress", "error",
                  "result_name", "created_at", "started_at", "finished_at", "expires_at", "url", "download_url"]
        read_only_fields = fields

    def get_url(self, job: Job) -> str:
        return reverse("api-job-detail", kwargs={"job_uuid": job.uuid})

    def get_download_url(self, job: Job) -> str | None:
        if not job.is_downloadable:
            return None
        return reverse("api-job-download", kwargs={"job_uuid": job.uuid})


class JobListCreateApi(GenericAPIView):
    """GET: my jobs, newest first. POST: start an export job."""

    filter_backends: list = []
    serializer_class = JobOutputSerializer

    @extend_schema_serializer(component_name="JobStart")
    class InputSerializer(StrictFieldsMixin, serializers.Serializer):
        exporter = serializers.CharField(max_length=60, help_text="Identifier from /api/v1/exporters/")
        format = serializers.CharField(max_length=10)
        params = serializers.DictField(required=False, default=dict,
                                       help_text="The exporter's parameters, as on its export page")

    def get_queryset(self):
        return job_list(user=self.request.user)

    @extend_schema(operation_id="jobs_list", tags=["jobs"], responses=JobOutputSerializer(many=True))
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(JobOutputSerializer(page, many=True).data)

    @extend_schema(
        operation_id="jobs_create", tags=["jobs"], request=InputSerializer,
        responses={201: JobOutputSerializer, 400: OpenApiResponse(description=_("参数有误（中文说明）")),
                   403: OpenApiResponse(description=_("没有导出权限"))},
    )
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        job = services.job_start(actor=request.user, kind=data["exporter"], params=data["params"],
                                 fmt=data["format"])
        return Response(JobOutputSerializer(job).data, status=status.HTTP_201_CREATED)


class JobDetailApi(APIView):
    """One of my jobs (anyone else's: 404)."""

    @extend_schema(operation_id="jobs_retrieve", tags=["jobs"], responses=JobOutputSerializer)
    def get(self, request: Request, job_uuid: str) -> Response:
        return Response(JobOutputSerializer(job_get(user=request.user, job_uuid=job_uuid)).data)


class JobDownloadApi(APIView):
    """The result file of one of my finished jobs (anyone else's: 404)."""

    @extend_schema(operation_id="jobs_download", tags=["jobs"],
                   responses={(200, "application/octet-stream"): OpenApiTypes.BINARY,
                              404: OpenApiResponse(description=_("不存在、未完成或已过期"))})
    def get(self, request: Request, job_uuid: str):
        return download_response(job_get(user=request.user, job_uuid=job_uuid))

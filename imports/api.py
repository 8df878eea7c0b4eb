"""REST API of the bulk imports: the same services, selectors and checks as the pages."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from branches.api_utils import StrictFieldsMixin

from . import selectors, services
from .models import ImportBatch, ImportKind, RowStatus
from .views import failed_filename, spec_for, template_filename, xlsx_response

MAX_ROWS_LIMIT = 500


@extend_schema_serializer(component_name="ImportBatch")
class BatchOutputSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display")
    status_display = serializers.CharField(source="get_status_display")
    can_commit = serializers.BooleanField()
    url = serializers.SerializerMethodField()
    rows_url = serializers.SerializerMethodField()

    class Meta:
        model = ImportBatch
        fields = ["uuid", "kind", "kind_display", "upload_name", "status", "status_display", "progress",
                  "total_rows", "new_count", "changed_count", "unchanged_count", "error_count", "error",
                  "can_commit", "created_at", "checked_at", "imported_at", "url", "rows_url"]
        read_only_fields = fields

    def get_url(self, batch: ImportBatch) -> str:
        return reverse("api-import-detail", kwargs={"batch_uuid": batch.uuid})

    def get_rows_url(self, batch: ImportBatch) -> str:
        return reverse("api-import-rows", kwargs={"batch_uuid": batch.uuid})


class ImportListCreateApi(GenericAPIView):
    """GET: my imports, newest first. POST (multipart: kind, file): upload an .xlsx; the dry run starts at once."""

    filter_backends: list = []
    serializer_class = BatchOutputSerializer
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema_serializer(component_name="ImportStart")
    class InputSerializer(StrictFieldsMixin, serializers.Serializer):
        kind = serializers.ChoiceField(choices=ImportKind.choices)
        file = serializers.FileField(help_text=_("按模板填写的 .xlsx 文件"))

    def get_queryset(self):
        return selectors.batches_for(self.request.user)

    @extend_schema(operation_id="imports_list", tags=["imports"], responses=BatchOutputSerializer(many=True))
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(BatchOutputSerializer(page, many=True).data)

    @extend_schema(
        operation_id="imports_create", tags=["imports"], request={"multipart/form-data": InputSerializer},
        responses={201: BatchOutputSerializer, 400: OpenApiResponse(description=_("文件有误（中文说明）")),
                   403: OpenApiResponse(description=_("没有此类导入的权限"))},
    )
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        spec = spec_for(request.user, data["kind"])
        batch = services.import_start(actor=request.user, kind=spec.kind, file=data["file"])
        batch.refresh_from_db()
        return Response(BatchOutputSerializer(batch).data, status=status.HTTP_201_CREATED)


class ImportDetailApi(APIView):
    """One of my imports: status, progress, counts, the reason when it was rejected or failed (others': 404)."""

    @extend_schema(operation_id="imports_retrieve", tags=["imports"], responses=BatchOutputSerializer)
    def get(self, request: Request, batch_uuid: str) -> Response:
        return Response(BatchOutputSerializer(selectors.get_batch_or_404(request.user, batch_uuid)).data)


@extend_schema_serializer(component_name="ImportRow")
class RowOutputSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text=_("工作表中的行号"))
    status = serializers.ChoiceField(choices=RowStatus.choices)
    key = serializers.CharField()
    values = serializers.DictField()
    changes = serializers.DictField(child=serializers.ListField(), help_text=_("字段 → [原值, 新值]"))
    errors = serializers.ListField(child=serializers.CharField())


class ImportRowsApi(APIView):
    """The dry run's verdict per row of one of my imports, paged, optionally of one status."""

    class FilterSerializer(StrictFieldsMixin, serializers.Serializer):
        status = serializers.ChoiceField(choices=RowStatus.choices, required=False)
        offset = serializers.IntegerField(min_value=0, required=False, default=0)
        limit = serializers.IntegerField(min_value=1, max_value=MAX_ROWS_LIMIT, required=False, default=100)

    @extend_schema_serializer(component_name="ImportRowPage")
    class OutputSerializer(serializers.Serializer):
        count = serializers.IntegerField()
        offset = serializers.IntegerField()
        limit = serializers.IntegerField()
        results = RowOutputSerializer(many=True)

    @extend_schema(operation_id="imports_rows", tags=["imports"], parameters=[FilterSerializer],
                   responses=OutputSerializer)
    def get(self, request: Request, batch_uuid: str) -> Response:
        batch = selectors.get_batch_or_404(request.user, batch_uuid)
        params = self.FilterSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        filters = params.validated_data
        rows, total = selectors.batch_rows(batch, status=filters.get("status"), offset=filters["offset"],
                                           limit=filters["limit"])
        return Response(self.OutputSerializer({"count": total, "offset": filters["offset"],
                                                "limit": filters["limit"], "results": rows}).data)


class ImportCommitApi(APIView):
    """Confirm one of my checked, error-free imports: the commit runs in the background (202)."""

    @extend_schema(operation_id="imports_commit", tags=["imports"], request=None,
                   responses={202: BatchOutputSerializer,
                              400: OpenApiResponse(description=_("还有错误行，或当前状态不能导入"))})
    def post(self, request: Request, batch_uuid: str) -> Response:
        batch = selectors.get_batch_or_404(request.user, batch_uuid)
        batch = services.import_commit(actor=request.user, batch=batch)
        batch.refresh_from_db()
        return Response(BatchOutputSerializer(batch).data, status=status.HTTP_202_ACCEPTED)


class ImportTemplateApi(APIView):
    """The template workbook of an import kind (its data sheet and a 说明 sheet)."""

    @extend_schema(operation_id="imports_template", tags=["imports"],
                   parameters=[OpenApiParameter("kind", str, OpenApiParameter.PATH, enum=ImportKind.values)],
                   responses={(200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"):
                              OpenApiTypes.BINARY, 403: OpenApiResponse(description=_("没有此类导入的权限"))})
    def get(self, request: Request, kind: str):
        spec = spec_for(request.user, kind)
        return xlsx_response(services.template_workbook(spec.kind), template_filename(spec),
                             f"{spec.kind}_template.xlsx")


class ImportFailedRowsApi(APIView):
    """The error rows of one of my imports as .xlsx, with a first column 错误说明."""

    @extend_schema(operation_id="imports_failed_rows", tags=["imports"],
                   responses={(200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"):
                              OpenApiTypes.BINARY, 404: OpenApiResponse(description=_("不存在或没有错误行"))})
    def get(self, request: Request, batch_uuid: str):
        from django.http import Http404

        batch = selectors.get_batch_or_404(request.user, batch_uuid)
        if not batch.rows_file or batch.error_count == 0:
            raise Http404
        return xlsx_response(services.failed_rows_workbook(batch), failed_filename(batch),
                             f"{batch.kind}_errors.xlsx")

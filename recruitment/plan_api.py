"""REST API of the annual recruitment plan (年度发展党员计划): the same selectors and services as the pages, the
same scope.

A plan, its targets list and its plan-against-reality rows are read by whoever may view people or manage
recruitment over the plan's committee (plan_selectors.plan_get): outside it 404. Writes need manage_recruitment:
opening and approving a plan and setting a target's numbers at the plan's committee, proposing numbers at the
target's own branch — so a branch secretary reads and proposes for their branch's target (404 for another
branch's) and gets 403 on the department's numbers. A refusal of a service is a 400 with {"detail": ["…", …]}, the
explanations in Chinese, and nothing saved; a malformed or unknown field is a 400 keyed by the field."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q, Sum
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_serializer,
    inline_serializer,
)
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from branches import permissions
from branches.api_utils import StrictFieldsMixin, query_flag
from branches.permissions import Capability

from . import plan_selectors, plan_services
from .models import PLAN_NUMBERS, PlanCategory, PlanTarget, RecruitmentPlan
from .plan_import import plan_import
from .plan_services import NUMBER_LABELS

TAGS = ["recruitment-plans"]
CAP = Capability.MANAGE_RECRUITMENT
ACTUAL_KEYS = ["activists", "candidates", "admitted", "converted", *PlanCategory.values]


def _refused(exc: ValidationError) -> Response:
    return Response({"detail": [str(m) for m in exc.messages]}, status=status.HTTP_400_BAD_REQUEST)


def _require_view_anywhere(user: Any) -> None:
    if not any(permissions.has_capability_anywhere(user, cap) for cap in plan_selectors.VIEW):
        raise PermissionDenied(gettext("您没有查看发展党员计划的权限。"))


def _require_manage(user: Any, plan: RecruitmentPlan) -> None:
    """The caller reached the plan (or one of its targets); changing it needs manage_recruitment at its committee."""
    if not permissions.has_capability(user, plan.organization, CAP):
        raise PermissionDenied(gettext("只有%(org)s的组织部门可以制定和批准本计划。")
                               % {"org": _org_name(plan.organization)})


def _org_name(org: Any) -> str:
    return org.short_name or org.name


def _target_get(user: Any, pk: Any, tid: Any) -> PlanTarget:
    """A target of the plan: 404 when it is not one, or when its branch lies outside the caller's scope."""
    try:
        target = PlanTarget.objects.select_related("plan__organization", "organization").get(plan_id=pk, pk=tid)
    except (PlanTarget.DoesNotExist, ValueError, TypeError):
        raise Http404
    if not permissions.in_scope(user, target.organization):
        raise Http404
    return target


REFUSAL = inline_serializer("PlanRefusal", fields={"detail": serializers.ListField(child=serializers.CharField())})


# ---- input ----------------------------------------------------------------------------------------------------


@extend_schema_serializer(component_name="PlanOpenInput")
class PlanOpenInput(StrictFieldsMixin, serializers.Serializer):
    organization = serializers.IntegerField(help_text=_("制定计划的党委或党总支（党组织 ID）"))
    year = serializers.IntegerField(help_text=_("年度：今年或明年"))
    proposals_due_on = serializers.DateField(required=False, allow_null=True, default=None,
                                             help_text=_("基层报送建议数的截止日期"))
    note = serializers.CharField(required=False, allow_blank=True, default="")


# One optional whole number per PLAN_NUMBERS; negative numbers and groups above the total are left to the service,
# so its messages are the ones shown.
_NumbersFields = type("_NumbersFields", (StrictFieldsMixin, serializers.Serializer), {
    name: serializers.IntegerField(required=False, help_text=NUMBER_LABELS[name]) for name in PLAN_NUMBERS})


@extend_schema_serializer(component_name="PlanNumbersInput")
class NumbersInput(_NumbersFields):
    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not any(name in attrs for name in PLAN_NUMBERS):
            raise serializers.ValidationError(gettext("请至少填写一项人数。"))
        return attrs


@extend_schema_serializer(component_name="PlanTargetSetInput")
class TargetSetInput(NumbersInput):
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True, default="",
                                   help_text=_("调整原因（计划批准后必填）"))


# ---- output ---------------------------------------------------------------------------------------------------


class PlanOutput(serializers.ModelSerializer):
    organization_name = serializers.CharField(source="organization.short_name")
    status = serializers.CharField(help_text=_("draft（编制中）或 approved（已批准）"))
    status_display = serializers.CharField(source="get_status_display")

    class Meta:
        model = RecruitmentPlan
        fields = ["id", "organization", "organization_name", "year", "status", "status_display", "proposals_due_on",
                  "approved_on", "approved_by", "note"]


NumbersOutput = inline_serializer("PlanNumbers", fields={name: serializers.IntegerField() for name in PLAN_NUMBERS})


class PlanDetailOutput(PlanOutput):
    """The plan with the sums of its targets (one aggregate) and how many targets it has and have a proposal."""

    totals = NumbersOutput
    targets = serializers.IntegerField(source="target_count")
    proposals = serializers.IntegerField(source="proposal_count")

    class Meta(PlanOutput.Meta):
        fields = [*PlanOutput.Meta.fields, "targets", "proposals", "totals"]


class TargetOutput(serializers.ModelSerializer):
    organization_name = serializers.CharField(source="organization.short_name")
    proposed = serializers.JSONField(help_text=_("基层建议数：项目 → 人数"))

    class Meta:
        model = PlanTarget
        fields = ["id", "plan", "organization", "organization_name", *PLAN_NUMBERS, "proposed", "proposed_on"]


class ChangeOutput(serializers.Serializer):
    field = serializers.CharField()
    label = serializers.SerializerMethodField()
    before = serializers.IntegerField()
    after = serializers.IntegerField()
    reason = serializers.CharField()
    changed_by = serializers.IntegerField(source="changed_by_id", allow_null=True)
    changed_at = serializers.DateTimeField()

    def get_label(self, change: Any) -> str:
        return str(NUMBER_LABELS.get(change.field, change.field))


class TargetDetailOutput(TargetOutput):
    changes = ChangeOutput(source="change_list", many=True)

    class Meta(TargetOutput.Meta):
        fields = [*TargetOutput.Meta.fields, "proposed_by", "changes"]


def _target_detail(target: PlanTarget) -> dict[str, Any]:
    target.change_list = list(target.changes.order_by("-changed_at", "-pk"))
    return TargetDetailOutput(target).data


class ActualRowOutput(serializers.Serializer):
    target = serializers.IntegerField(source="target.pk")
    organization = serializers.IntegerField(source="target.organization_id")
    organization_name = serializers.CharField(source="target.organization.short_name")
    targets = serializers.SerializerMethodField()
    actual = inline_serializer("PlanActualNumbers", fields={k: serializers.IntegerField() for k in ACTUAL_KEYS})
    forecast = serializers.IntegerField(help_text=_("本年内按发展程序还可发展的人数"))
    warnings = serializers.ListField(child=serializers.CharField())

    @extend_schema_field(NumbersOutput)
    def get_targets(self, row: plan_selectors.TargetRow) -> dict[str, int]:
        return row.target.numbers()


ActualTotalsOutput = inline_serializer("PlanActualTotals", fields={
    "targets": NumbersOutput,
    "actual": inline_serializer("PlanActualTotalNumbers", fields={k: serializers.IntegerField() for k in ACTUAL_KEYS}),
    "forecast": serializers.IntegerField(),
    "warnings": serializers.IntegerField(help_text=_("有提醒的党组织数")),
})
ActualPageOutput = inline_serializer("PlanActualPage", fields={
    "count": serializers.IntegerField(),
    "next": serializers.URLField(allow_null=True),
    "previous": serializers.URLField(allow_null=True),
    "totals": ActualTotalsOutput,
    "results": ActualRowOutput(many=True),
})


def _plan_detail(plan: RecruitmentPlan) -> dict[str, Any]:
    """One aggregate over the targets: the sums of every number, how many targets, how many with a proposal."""
    sums = plan.targets.aggregate(**{name: Sum(name) for name in PLAN_NUMBERS},
                                  target_count=Count("pk"), proposal_count=Count("pk", filter=~Q(proposed={})))
    plan.target_count = sums.pop("target_count") or 0
    plan.proposal_count = sums.pop("proposal_count") or 0
    plan.totals = {name: value or 0 for name, value in sums.items()}
    return PlanDetailOutput(plan).data


# ---- views ----------------------------------------------------------------------------------------------------


class PlanListCreateApi(GenericAPIView):
    """Plans of the committees in the caller's scope, newest year first; POST opens one (manage_recruitment at the
    committee), with a target of zeros for every open branch under it."""

    permission_classes = [IsAuthenticated]
    serializer_class = PlanOutput
    filter_backends: list = []
    queryset = RecruitmentPlan.objects.none()

    @extend_schema(tags=TAGS, summary="List recruitment plans in scope",
                   parameters=[OpenApiParameter("year", OpenApiTypes.INT, description="年度")],
                   responses=PlanOutput(many=True))
    def get(self, request: Request) -> Response:
        _require_view_anywhere(request.user)
        qs = plan_selectors.plans(user=request.user).order_by("-year", "organization__path", "pk")
        year = str(request.query_params.get("year", "")).strip()
        if year:
            if not year.isdigit():
                raise serializers.ValidationError({"year": [gettext("年度须为四位数字，而不是“%(v)s”。") % {"v": year}]})
            qs = qs.filter(year=int(year))
        page = self.paginate_queryset(qs)
        data = PlanOutput(page if page is not None else qs, many=True).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    @extend_schema(tags=TAGS, summary="Open a committee's plan for a year", request=PlanOpenInput,
                   responses={201: PlanDetailOutput, 400: REFUSAL})
    def post(self, request: Request) -> Response:
        serializer = PlanOpenInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        organization = permissions.get_org_or_404(request.user, data["organization"], CAP)
        try:
            plan = plan_services.plan_open(actor=request.user, organization=organization, year=data["year"],
                                           proposals_due_on=data["proposals_due_on"], note=data["note"])
        except ValidationError as exc:
            return _refused(exc)
        return Response(_plan_detail(plan_selectors.plan_get(user=request.user, pk=plan.pk)),
                        status=status.HTTP_201_CREATED)


class PlanDetailApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(tags=TAGS, summary="A recruitment plan with the sums of its targets",
                   responses={200: PlanDetailOutput})
    def get(self, request: Request, pk: int) -> Response:
        return Response(_plan_detail(plan_selectors.plan_get(user=request.user, pk=pk)))


class PlanApproveApi(APIView):
    """Approve the plan: its numbers become the year's targets; later changes need a reason."""

    permission_classes = [IsAuthenticated]

    @extend_schema(tags=TAGS, summary="Approve a recruitment plan", request=None,
                   responses={200: PlanDetailOutput, 400: REFUSAL})
    def post(self, request: Request, pk: int) -> Response:
        plan = plan_selectors.plan_get(user=request.user, pk=pk)
        _require_manage(request.user, plan)
        try:
            plan_services.plan_approve(actor=request.user, plan=plan)
        except ValidationError as exc:
            return _refused(exc)
        return Response(_plan_detail(plan_selectors.plan_get(user=request.user, pk=pk)))


class PlanImportApi(APIView):
    """Set the plan's numbers from the XLSX the plan exports (sheet 计划), all rows or none (multipart: `file`,
    and `reason` once the plan is approved)."""

    permission_classes = [IsAuthenticated]
    parser_classes = [MultiPartParser]

    @extend_schema(tags=TAGS, summary="Import a recruitment plan's numbers from its XLSX",
                   request={"multipart/form-data": inline_serializer("PlanImportInput", fields={
                       "file": serializers.FileField(), "reason": serializers.CharField(required=False)})},
                   responses={200: inline_serializer("PlanImportResult", fields={
                       "rows": serializers.IntegerField(), "changed": serializers.IntegerField(),
                       "unchanged": serializers.IntegerField()}), 400: REFUSAL})
    def post(self, request: Request, pk: int) -> Response:
        plan = plan_selectors.plan_get(user=request.user, pk=pk)
        _require_manage(request.user, plan)
        unknown = sorted(set(request.data) - {"file", "reason"})
        upload = request.FILES.get("file")
        try:
            if unknown:
                raise ValidationError(gettext("不认识的字段：%(names)s。") % {"names": "、".join(unknown)})
            if upload is None:
                raise ValidationError(gettext("请选择要导入的 Excel 文件。"))
            done = plan_import(actor=request.user, plan=plan, file=upload, reason=str(request.data.get("reason", "")))
        except ValidationError as exc:
            return _refused(exc)
        return Response(done)


class TargetListApi(GenericAPIView):
    """The plan's targets, one per branch in tree order, paged; `q` narrows to branches whose name contains it."""

    permission_classes = [IsAuthenticated]
    serializer_class = TargetOutput
    filter_backends: list = []
    queryset = PlanTarget.objects.none()

    @extend_schema(tags=TAGS, summary="The targets of a recruitment plan",
                   parameters=[OpenApiParameter("q", OpenApiTypes.STR, description="党组织名称包含")],
                   responses=TargetOutput(many=True))
    def get(self, request: Request, pk: int) -> Response:
        plan = plan_selectors.plan_get(user=request.user, pk=pk)
        qs = plan.targets.select_related("organization").order_by("organization__path", "pk")
        q = str(request.query_params.get("q", "")).strip()[:50]
        if q:
            qs = qs.filter(Q(organization__name__icontains=q) | Q(organization__short_name__icontains=q))
        page = self.paginate_queryset(qs)
        data = TargetOutput(page if page is not None else qs, many=True).data
        return self.get_paginated_response(data) if page is not None else Response(data)


class TargetDetailApi(APIView):
    """One target: read by whoever may view its branch; PATCH sets the department's numbers (manage_recruitment
    at the plan's committee; once the plan is approved with a reason, kept as a change)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(tags=TAGS, summary="A target of a recruitment plan with its changes",
                   responses={200: TargetDetailOutput})
    def get(self, request: Request, pk: int, tid: int) -> Response:
        target = _target_get(request.user, pk, tid)
        if not any(permissions.has_capability(request.user, target.organization, cap)
                   for cap in plan_selectors.VIEW):
            raise PermissionDenied(gettext("您没有查看发展党员计划的权限。"))
        return Response(_target_detail(target))

    @extend_schema(tags=TAGS, summary="Set a target's numbers", request=TargetSetInput,
                   responses={200: TargetDetailOutput, 400: REFUSAL})
    def patch(self, request: Request, pk: int, tid: int) -> Response:
        target = _target_get(request.user, pk, tid)
        _require_manage(request.user, target.plan)
        serializer = TargetSetInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        reason = data.pop("reason")
        try:
            plan_services.target_set(actor=request.user, target=target, numbers=data, reason=reason)
        except ValidationError as exc:
            return _refused(exc)
        return Response(_target_detail(_target_get(request.user, pk, tid)))


class TargetProposeApi(APIView):
    """The branch proposes its numbers while the plan is being drawn up (manage_recruitment at the branch)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(tags=TAGS, summary="Propose a target's numbers", request=NumbersInput,
                   responses={200: TargetDetailOutput, 400: REFUSAL})
    def post(self, request: Request, pk: int, tid: int) -> Response:
        target = _target_get(request.user, pk, tid)
        if not permissions.has_capability(request.user, target.organization, CAP):
            raise PermissionDenied(gettext("只有%(org)s的书记或组织部门可以报送建议数。")
                                   % {"org": _org_name(target.organization)})
        serializer = NumbersInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            plan_services.target_propose(actor=request.user, target=target, numbers=dict(serializer.validated_data))
        except ValidationError as exc:
            return _refused(exc)
        return Response(_target_detail(_target_get(request.user, pk, tid)))


class PlanActualApi(GenericAPIView):
    """The plan against reality: per branch the targets, the year's pipeline (activists, development objects,
    admitted and each group among them, converted), the forecast and the warnings; `totals` over every branch.
    `warnings=1` keeps the branches with a warning. A constant number of queries at any number of branches."""

    permission_classes = [IsAuthenticated]
    serializer_class = ActualRowOutput
    filter_backends: list = []
    queryset = PlanTarget.objects.none()

    @extend_schema(tags=TAGS, summary="A recruitment plan against the pipeline",
                   parameters=[OpenApiParameter("warnings", OpenApiTypes.BOOL, description="只看有提醒的党组织")],
                   responses={200: ActualPageOutput})
    def get(self, request: Request, pk: int) -> Response:
        plan = plan_selectors.plan_get(user=request.user, pk=pk)
        rows = plan_selectors.plan_vs_actual(plan=plan, on=timezone.localdate())
        totals = plan_selectors.plan_totals(rows)
        if query_flag(request.query_params, "warnings"):
            rows = [row for row in rows if row.warnings]
        page = self.paginate_queryset(rows)
        results = ActualRowOutput(page if page is not None else rows, many=True).data
        paginator = self.paginator
        return Response({
            "count": len(rows),
            "next": paginator.get_next_link() if page is not None else None,
            "previous": paginator.get_previous_link() if page is not None else None,
            "totals": totals,
            "results": results,
        })

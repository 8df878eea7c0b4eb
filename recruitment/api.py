"""REST API of the development pipeline: the same selectors and services as the pages, the same scope.

Outside the caller's scope 404, inside it without the capability 403. A step is recorded through the action
endpoint POST pipelines/<pk>/steps/, which builds a checks.StepInput and calls services.step_record — the
service the form calls — so the API refuses exactly what the form refuses: 400 with
{"detail": ["…", …]}, the explanations in Chinese, and nothing saved."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_serializer, inline_serializer
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from branches import permissions
from branches.api_utils import StrictFieldsMixin
from branches.models import Meeting, Organization, Vote
from branches.permissions import Capability
from members.models import Person

from . import checks, selectors, services
from . import rules as rules_mod
from .checks import History, StepInput
from .models import Outcome, Pipeline, PipelineStatus, Stage

TAGS = ["recruitment"]


def _require_view_anywhere(user: Any) -> None:
    if not any(permissions.has_capability_anywhere(user, c) for c in selectors.VIEW_CAPABILITIES):
        raise PermissionDenied(gettext("您没有查看发展党员工作的权限。"))


def _refused(exc: ValidationError) -> Response:
    return Response({"detail": [str(m) for m in exc.messages]}, status=status.HTTP_400_BAD_REQUEST)


# ---- input ----------------------------------------------------------------------------------------------------


@extend_schema_serializer(component_name="PipelineOpenInput")
class PipelineOpenInput(StrictFieldsMixin, serializers.Serializer):
    person = serializers.IntegerField(help_text=_("申请人（人员 ID）"))
    applied_on = serializers.DateField(help_text=_("递交入党申请书的日期"))
    conclusion = serializers.CharField(required=False, allow_blank=True, default="")


@extend_schema_serializer(component_name="PipelineStepInput")
class StepRecordInput(StrictFieldsMixin, serializers.Serializer):
    step = serializers.CharField(max_length=40, help_text=_("步骤代码，如 talk、activist、admission_vote"))
    done_on = serializers.DateField()
    outcome = serializers.ChoiceField(choices=Outcome.choices, default=Outcome.PASSED)
    actor = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    conclusion = serializers.CharField(required=False, allow_blank=True, default="")
    details = serializers.DictField(required=False, default=dict,
                                    help_text=_("其他事项，如公示起止日期、培训天数和学时、延长预备期月数"))
    meeting = serializers.IntegerField(required=False, allow_null=True, default=None,
                                       help_text=_("会议记录 ID（支委会等）"))
    vote = serializers.IntegerField(required=False, allow_null=True, default=None,
                                    help_text=_("支部党员大会表决 ID"))
    supporters = serializers.ListField(child=serializers.IntegerField(), required=False, default=list,
                                       help_text=_("培养联系人或入党介绍人（人员 ID）"))


@extend_schema_serializer(component_name="PipelineStopInput")
class StopInput(StrictFieldsMixin, serializers.Serializer):
    on = serializers.DateField()
    reason = serializers.CharField()


# ---- output ---------------------------------------------------------------------------------------------------


class PipelineListOutput(serializers.ModelSerializer):
    person_name = serializers.CharField(source="person.name")
    organization_name = serializers.CharField(source="organization.short_name")
    stage_display = serializers.CharField(source="get_stage_display")
    status_display = serializers.CharField(source="get_status_display")
    next_step_label = serializers.SerializerMethodField()

    class Meta:
        model = Pipeline
        fields = ["id", "person", "person_name", "organization", "organization_name", "stage", "stage_display",
                  "status", "status_display", "applied_on", "activist_on", "candidate_on", "admitted_on",
                  "approved_on", "probation_ends_on", "converted_on", "ended_on", "next_step", "next_step_label",
                  "next_due_on", "assessment_due_on"]

    def get_next_step_label(self, pipeline: Pipeline) -> str:
        return selectors.step_label(pipeline.next_step, pipeline=pipeline, loaded=self.context.get("loaded"))


class StepOutput(serializers.Serializer):
    id = serializers.IntegerField()
    step = serializers.CharField()
    label = serializers.SerializerMethodField()
    done_on = serializers.DateField()
    actor = serializers.CharField()
    outcome = serializers.CharField()
    outcome_display = serializers.CharField(source="get_outcome_display")
    conclusion = serializers.CharField()
    details = serializers.JSONField()
    meeting = serializers.IntegerField(source="meeting_id", allow_null=True)
    vote = serializers.IntegerField(source="vote_id", allow_null=True)
    violations = serializers.ListField(child=serializers.CharField())
    attachments = serializers.SerializerMethodField()

    def get_label(self, record) -> str:
        return selectors.step_label(record.step, rule_set=record.rule_set)

    def get_attachments(self, record) -> list[dict[str, Any]]:
        return [{"id": a.pk, "name": a.original_name, "size": a.size} for a in record.attachments.all()]


class SupporterOutput(serializers.Serializer):
    person = serializers.IntegerField(source="person_id")
    person_name = serializers.CharField(source="person.name")
    role = serializers.CharField()
    role_display = serializers.CharField(source="get_role_display")
    assigned_on = serializers.DateField()
    ended_on = serializers.DateField(allow_null=True)


class NextStepOutput(serializers.Serializer):
    step = serializers.CharField(source="step.code")
    label = serializers.CharField(source="step.label")
    actor = serializers.CharField(source="step.actor")
    earliest_on = serializers.DateField(allow_null=True)
    due_on = serializers.DateField(allow_null=True)
    overdue = serializers.SerializerMethodField()
    blockers = serializers.ListField(child=serializers.CharField())

    def get_overdue(self, item: checks.Next) -> bool:
        return item.overdue(self.context["today"])


class MissingOutput(serializers.Serializer):
    step = serializers.CharField(source="code")
    label = serializers.CharField()


class PipelineDetailOutput(PipelineListOutput):
    """The pipeline with its records, its people, the open steps (due dates, what blocks them) and the
    completeness of the file. `steps`, `next_steps` and `missing_records` are set by `_detail`."""

    rule_set = serializers.CharField(source="rule_set_name", allow_null=True)
    steps = StepOutput(source="history.records", many=True)
    supporters = SupporterOutput(source="supporter_list", many=True)
    next_steps = NextStepOutput(source="open_steps", many=True)
    missing_records = MissingOutput(source="missing", many=True)

    class Meta(PipelineListOutput.Meta):
        fields = [*PipelineListOutput.Meta.fields, "end_reason", "extended_months", "rule_set", "steps",
                  "supporters", "next_steps", "missing_records"]


def _detail(user: Any, pk: Any) -> dict[str, Any]:
    """A fixed number of queries: the pipeline, its steps (with rule sets and files), its supporters, the rule
    sets and the calendar overrides."""
    pipeline = selectors.pipeline_get(user=user, pk=pk)
    today = timezone.localdate()
    loaded = rules_mod.rule_sets()
    pipeline.history = History(pipeline.steps.select_related("rule_set").prefetch_related("attachments"))
    pipeline.supporter_list = list(pipeline.supporters.select_related("person"))
    try:
        rules = rules_mod.rules_for(organization=pipeline.organization, on=today, loaded=loaded)
    except ValidationError:
        rules = None
    pipeline.rule_set_name = rules.name if rules else None
    pipeline.open_steps = checks.next_steps(pipeline=pipeline, history=pipeline.history, rules=rules, today=today,
                                            overrides=services.workday_overrides()) if rules else []
    pipeline.missing = (checks.missing_records(pipeline=pipeline, history=pipeline.history, rules=rules)
                        if rules else [])
    return PipelineDetailOutput(pipeline, context={"loaded": loaded, "today": today}).data


# ---- views ----------------------------------------------------------------------------------------------------

LIST_PARAMETERS = [
    OpenApiParameter("organization", OpenApiTypes.INT, description="党组织 ID（含下级）"),
    OpenApiParameter("stage", OpenApiTypes.STR, enum=Stage.values),
    OpenApiParameter("status", OpenApiTypes.STR, enum=PipelineStatus.values),
]


def _organization_filter(user: Any, value: Any) -> Organization | None:
    """The organization of a list filter: 404 outside the caller's scope."""
    if value in (None, ""):
        return None
    try:
        org = Organization.objects.get(pk=value)
    except (Organization.DoesNotExist, ValueError, TypeError):
        raise serializers.ValidationError({"organization": [gettext("请指定有效的党组织。")]})
    if not selectors.can_view(user, org):
        if permissions.in_scope(user, org):
            raise PermissionDenied(gettext("您没有查看发展党员工作的权限。"))
        raise Http404
    return org


class PipelineListCreateApi(GenericAPIView):
    """Pipelines in the caller's scope (filter by stage, status, organization subtree); POST opens one for an
    applicant (MANAGE_RECRUITMENT at the branch)."""

    permission_classes = [IsAuthenticated]
    serializer_class = PipelineListOutput
    filter_backends: list = []
    queryset = Pipeline.objects.none()

    @extend_schema(tags=TAGS, summary="List pipelines in scope", parameters=LIST_PARAMETERS,
                   responses=PipelineListOutput(many=True))
    def get(self, request: Request) -> Response:
        _require_view_anywhere(request.user)
        params = request.query_params
        qs = selectors.pipeline_scope(user=request.user).order_by("organization__path", "applied_on", "pk")
        org = _organization_filter(request.user, params.get("organization"))
        if org is not None:
            qs = qs.filter(organization__path__startswith=org.path)
        errors = {}
        if params.get("stage"):
            if params["stage"] not in Stage.values:
                errors["stage"] = [gettext("阶段无效。")]
            qs = qs.filter(stage=params["stage"])
        if params.get("status"):
            if params["status"] not in PipelineStatus.values:
                errors["status"] = [gettext("状态无效。")]
            qs = qs.filter(status=params["status"])
        if errors:
            raise serializers.ValidationError(errors)
        page = self.paginate_queryset(qs)
        context = {"loaded": rules_mod.rule_sets()}
        data = PipelineListOutput(page if page is not None else qs, many=True, context=context).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    @extend_schema(tags=TAGS, summary="Open a pipeline (an application was received)", request=PipelineOpenInput,
                   responses={201: PipelineDetailOutput})
    def post(self, request: Request) -> Response:
        serializer = PipelineOpenInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        person = get_object_or_404(Person.objects.select_related("organization"), pk=data["person"])
        if not permissions.in_scope(request.user, person.organization):
            raise Http404
        try:
            pipeline = services.pipeline_open(actor=request.user, person=person, applied_on=data["applied_on"],
                                              conclusion=data["conclusion"])
        except ValidationError as exc:
            return _refused(exc)
        return Response(_detail(request.user, pipeline.pk), status=status.HTTP_201_CREATED)


class PipelineDetailApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(tags=TAGS, summary="A pipeline with its steps, supporters, next steps and missing records",
                   responses={200: PipelineDetailOutput})
    def get(self, request: Request, pk: int) -> Response:
        return Response(_detail(request.user, pk))


REFUSAL = inline_serializer("PipelineRefusal", fields={"detail": serializers.ListField(child=serializers.CharField())})


class PipelineStepApi(APIView):
    """Record a step: the same checks as the form. Refused: 400 {"detail": [explanations]}; a committee step
    (预审, 谈话, 审批, 备案) without MANAGE_RECRUITMENT at the committee above the branch: 403."""

    permission_classes = [IsAuthenticated]

    @extend_schema(tags=TAGS, summary="Record a step of a pipeline", request=StepRecordInput,
                   responses={201: PipelineDetailOutput, 400: REFUSAL})
    def post(self, request: Request, pk: int) -> Response:
        pipeline = selectors.pipeline_get(user=request.user, pk=pk)
        if not (services.can_record(request.user, pipeline, "branch")
                or services.can_record(request.user, pipeline, "committee")):
            raise PermissionDenied(gettext("您没有发展党员管理的权限。"))
        serializer = StepRecordInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            step_input = StepInput(
                step=data["step"], done_on=data["done_on"], outcome=data["outcome"], actor=data["actor"],
                conclusion=data["conclusion"], details=dict(data["details"]),
                meeting=_meeting(request.user, data["meeting"]), vote=_vote(request.user, data["vote"]),
                supporters=_people(request.user, data["supporters"]),
            )
            services.step_record(actor=request.user, pipeline=pipeline, data=step_input)
        except ValidationError as exc:
            return _refused(exc)
        return Response(_detail(request.user, pipeline.pk), status=status.HTTP_201_CREATED)


def _meeting(user: Any, pk: int | None) -> Meeting | None:
    if pk is None:
        return None
    meeting = Meeting.objects.select_related("organization").filter(pk=pk).first()
    if meeting is None or not permissions.in_scope(user, meeting.organization):
        raise ValidationError(gettext("会议记录 %(pk)s 不存在或不在您的管辖范围内。") % {"pk": pk})
    return meeting


def _vote(user: Any, pk: int | None) -> Vote | None:
    if pk is None:
        return None
    vote = Vote.objects.select_related("meeting__organization").filter(pk=pk).first()
    if vote is None or not permissions.in_scope(user, vote.meeting.organization):
        raise ValidationError(gettext("表决记录 %(pk)s 不存在或不在您的管辖范围内。") % {"pk": pk})
    return vote


def _people(user: Any, pks: list[int]) -> list[Person]:
    found = {p.pk: p for p in Person.objects.select_related("organization", "membership").filter(pk__in=pks)}
    missing = [pk for pk in pks if pk not in found or not permissions.in_scope(user, found[pk].organization)]
    if missing:
        raise ValidationError(gettext("人员 %(ids)s 不存在或不在您的管辖范围内。")
                              % {"ids": "、".join(str(pk) for pk in missing)})
    return [found[pk] for pk in pks]


class PipelineStopApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(tags=TAGS, summary="Stop a pipeline before admission (reason required)", request=StopInput,
                   responses={200: PipelineDetailOutput, 400: REFUSAL})
    def post(self, request: Request, pk: int) -> Response:
        pipeline = selectors.pipeline_get(user=request.user, pk=pk)
        permissions.check(request.user, pipeline.organization, Capability.MANAGE_RECRUITMENT)
        serializer = StopInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            services.pipeline_stop(actor=request.user, pipeline=pipeline, on=serializer.validated_data["on"],
                                   reason=serializer.validated_data["reason"])
        except ValidationError as exc:
            return _refused(exc)
        return Response(_detail(request.user, pipeline.pk))


class StageCountOutput(serializers.Serializer):
    organization = serializers.IntegerField(source="organization_id")
    organization_name = serializers.CharField(source="organization__short_name")
    applicant = serializers.IntegerField()
    activist = serializers.IntegerField()
    candidate = serializers.IntegerField()
    probationary = serializers.IntegerField()
    full = serializers.IntegerField()
    ended = serializers.IntegerField()
    active = serializers.IntegerField()
    stuck = serializers.IntegerField(help_text="进行中且已超过时限")
    violations = serializers.IntegerField(help_text="违反时限的记录数")
    pending = serializers.IntegerField(help_text="等待上级党委办理")


class OverviewApi(GenericAPIView):
    """Counts per stage per branch for the committee (committee-level users only, as the overview page)."""

    permission_classes = [IsAuthenticated]
    serializer_class = StageCountOutput
    filter_backends: list = []
    queryset = Pipeline.objects.none()

    @extend_schema(tags=TAGS, summary="Pipeline counts per stage per branch",
                   parameters=[OpenApiParameter("q", OpenApiTypes.STR, description="党支部名称包含"),
                               OpenApiParameter("sort", OpenApiTypes.STR,
                                                enum=[*selectors.OVERVIEW_SORTS,
                                                      *(f"-{s}" for s in selectors.OVERVIEW_SORTS)])],
                   responses=StageCountOutput(many=True))
    def get(self, request: Request) -> Response:
        selectors.require_committee_viewer(request.user)
        q = str(request.query_params.get("q", "")).strip()[:50]
        rows = selectors.stage_counts(user=request.user, q=q, sort=str(request.query_params.get("sort", "name")))
        page = self.paginate_queryset(rows)
        data = StageCountOutput(page if page is not None else rows, many=True).data
        return self.get_paginated_response(data) if page is not None else Response(data)


class DueItemOutput(serializers.Serializer):
    kind = serializers.CharField()
    kind_label = serializers.CharField()
    pipeline = serializers.IntegerField(source="pipeline.pk")
    person = serializers.IntegerField(source="pipeline.person_id")
    person_name = serializers.CharField(source="pipeline.person.name")
    organization = serializers.IntegerField(source="pipeline.organization_id")
    organization_name = serializers.CharField(source="pipeline.organization.short_name")
    due_on = serializers.DateField()
    overdue = serializers.BooleanField()
    for_committee = serializers.BooleanField()
    title = serializers.CharField()


class DueApi(APIView):
    """What is due in the caller's scope (a branch secretary: the branch; a committee: every branch under it):
    talks and assessments due, probation ending, approvals pending beyond their limit."""

    permission_classes = [IsAuthenticated]

    @extend_schema(tags=TAGS, summary="Due list of the development pipeline",
                   parameters=[OpenApiParameter("organization", OpenApiTypes.INT, description="党组织 ID（含下级）"),
                               OpenApiParameter("kind", OpenApiTypes.STR, enum=list(selectors.DUE_KINDS))],
                   responses=DueItemOutput(many=True))
    def get(self, request: Request) -> Response:
        _require_view_anywhere(request.user)
        org = _organization_filter(request.user, request.query_params.get("organization"))
        kind = request.query_params.get("kind", "")
        if kind and kind not in selectors.DUE_KINDS:
            raise serializers.ValidationError({"kind": [gettext("事项类型无效。")]})
        items = selectors.due_items(user=request.user, organization=org, kinds=[kind] if kind else None)
        return Response(DueItemOutput(items, many=True).data)

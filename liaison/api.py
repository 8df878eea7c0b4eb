"""REST API of the liaison work: the same selectors and services as the pages, the same scope.

Outside the caller's scope 404, inside it without review_liaisons 403; the liaison person always reaches their own
pairs. A refusal of a service is a 400 with {"detail": ["…", …]}, the explanations in Chinese, and nothing saved;
a malformed or unknown field is a 400 keyed by the field. The private notes of a talk are in a response only for
their audience (liaison.selectors.can_read_private): for anyone else the key `private_notes` is absent."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
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
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from branches import permissions
from branches.api_utils import StrictFieldsMixin, query_flag
from branches.models import Organization
from members.models import Person
from recruitment.checks import add_months

from . import rules as rulesmod
from . import selectors, services
from .models import LiaisonPair, PairKind, Review, TalentProfile, Talk

TAGS = ["liaison"]
CAP = selectors.CAP


def _require_reviewer(user: Any) -> None:
    if not selectors.can_review_anywhere(user):
        raise PermissionDenied(gettext("您没有联系清单审阅的权限。"))


def _refused(exc: ValidationError) -> Response:
    return Response({"detail": [str(m) for m in exc.messages]}, status=status.HTTP_400_BAD_REQUEST)


def _unit(user: Any, value: Any, field: str = "unit") -> Organization | None:
    """The organization a list is narrowed to: 400 when malformed, 404 outside the caller's scope, 403 in it
    without review_liaisons."""
    if value in (None, ""):
        return None
    if not str(value).isdigit():
        raise serializers.ValidationError({field: [gettext("请指定有效的党组织。")]})
    return permissions.get_org_or_404(user, value, CAP)


def _org_name(org: Organization) -> str:
    return org.short_name or org.name


REFUSAL = inline_serializer("LiaisonRefusal", fields={"detail": serializers.ListField(child=serializers.CharField())})


# ---- input ----------------------------------------------------------------------------------------------------


class ProfileFieldsInput(StrictFieldsMixin, serializers.Serializer):
    research_field = serializers.CharField(max_length=200, required=False, allow_blank=True)
    programmes = serializers.CharField(max_length=200, required=False, allow_blank=True,
                                       help_text=_("入选的人才计划，多个用顿号分隔"))
    leadership = serializers.CharField(max_length=200, required=False, allow_blank=True,
                                       help_text=_("学术职务，如重点实验室主任、学科带头人"))
    backbone = serializers.BooleanField(required=False, help_text=_("科技骨干"))
    note = serializers.CharField(required=False, allow_blank=True)


@extend_schema_serializer(component_name="LiaisonProfileCreateInput")
class ProfileCreateInput(ProfileFieldsInput):
    person = serializers.IntegerField(help_text=_("党外人士（人员 ID）"))
    organization = serializers.IntegerField(help_text=_("维护信息库的单位党组织 ID"))


@extend_schema_serializer(component_name="LiaisonProfileUpdateInput")
class ProfileUpdateInput(ProfileFieldsInput):
    organization = serializers.IntegerField(required=False, help_text=_("改由另一单位党组织维护时填写"))


@extend_schema_serializer(component_name="LiaisonEndInput")
class EndInput(StrictFieldsMixin, serializers.Serializer):
    on = serializers.DateField(required=False, allow_null=True, help_text=_("日期，不填为今天"))
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


@extend_schema_serializer(component_name="LiaisonPairStartInput")
class PairStartInput(StrictFieldsMixin, serializers.Serializer):
    talent = serializers.IntegerField(help_text=_("联系对象（信息库条目 ID）"))
    kind = serializers.CharField(max_length=20, required=False, default=PairKind.LIAISON,
                                 help_text=_("liaison（党内联系人）或 pairing（一对一结对）"))
    liaison = serializers.IntegerField(help_text=_("联系人（人员 ID）"))
    liaison_role = serializers.CharField(max_length=20, required=False, allow_blank=True, default="",
                                         help_text=_("committee、general_branch、organizer、branch_secretary 或 "
                                                     "backbone；不填时按其在本单位的任职确定"))
    started_on = serializers.DateField(required=False, allow_null=True, help_text=_("开始日期，不填为今天"))
    measures = serializers.CharField(required=False, allow_blank=True, default="", help_text=_("培养措施"))
    organization = serializers.IntegerField(required=False, allow_null=True,
                                            help_text=_("结对所属单位党组织 ID，不填为联系对象所在信息库的单位"))


@extend_schema_serializer(component_name="LiaisonPairUpdateInput")
class PairUpdateInput(StrictFieldsMixin, serializers.Serializer):
    measures = serializers.CharField(allow_blank=True, help_text=_("培养措施"))


@extend_schema_serializer(component_name="LiaisonFollowUpInput")
class FollowUpInput(StrictFieldsMixin, serializers.Serializer):
    text = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    owner = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")
    due_on = serializers.DateField(required=False, allow_null=True, default=None)
    is_request = serializers.BooleanField(required=False, default=False, help_text=_("联系对象提出的实际困难或诉求"))


@extend_schema_serializer(component_name="LiaisonTalkInput")
class TalkInput(StrictFieldsMixin, serializers.Serializer):
    held_on = serializers.DateField(required=False, allow_null=True, default=None)
    form = serializers.CharField(max_length=20, required=False, default="talk",
                                 help_text=_("visit（走访）、talk（面谈）、call（电话或视频）或 activity（共同参加活动）"))
    place = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    topics = serializers.CharField(required=False, allow_blank=True, default="")
    thoughts = serializers.CharField(required=False, allow_blank=True, default="")
    help_given = serializers.CharField(required=False, allow_blank=True, default="")
    private_notes = serializers.CharField(required=False, allow_blank=True, default="",
                                          help_text=_("仅联系人本人和本单位党组织班子可见"))
    follow_ups = FollowUpInput(many=True, required=False, default=list)


@extend_schema_serializer(component_name="LiaisonFollowUpCloseInput")
class FollowUpCloseInput(StrictFieldsMixin, serializers.Serializer):
    status = serializers.CharField(max_length=10, required=False, allow_blank=True, default="",
                                   help_text=_("done（已办结）或 dropped（不再办理）"))
    on = serializers.DateField(required=False, allow_null=True, help_text=_("办结日期，不填为今天"))
    result = serializers.CharField(required=False, allow_blank=True, default="")


@extend_schema_serializer(component_name="LiaisonReviewInput")
class ReviewInput(StrictFieldsMixin, serializers.Serializer):
    organization = serializers.IntegerField(required=False, allow_null=True,
                                            help_text=_("党组织 ID，不填为查询参数 unit"))
    reviewed_on = serializers.DateField(required=False, allow_null=True, help_text=_("梳理日期，不填为今天"))
    conclusions = serializers.CharField(required=False, allow_blank=True, default="")
    adjustments = serializers.CharField(required=False, allow_blank=True, default="")


# ---- output ---------------------------------------------------------------------------------------------------


@extend_schema_serializer(component_name="LiaisonProfileOutput")
class ProfileOutput(serializers.Serializer):
    id = serializers.IntegerField()
    person = serializers.IntegerField(source="person_id")
    person_name = serializers.CharField(source="person.name")
    organization = serializers.IntegerField(source="organization_id")
    organization_name = serializers.CharField(source="organization.short_name")
    political_status_display = serializers.CharField(source="person.get_political_status_display")
    education_display = serializers.CharField(source="person.get_education_display")
    title = serializers.CharField(source="person.title")
    title_level_display = serializers.CharField(source="person.get_title_level_display")
    discipline = serializers.CharField(source="person.discipline")
    returned_from_abroad = serializers.BooleanField(source="person.returned_from_abroad")
    high_knowledge = serializers.SerializerMethodField()
    research_field = serializers.CharField()
    programmes = serializers.CharField()
    leadership = serializers.CharField()
    backbone = serializers.BooleanField()
    note = serializers.CharField()
    added_on = serializers.DateField()

    def get_high_knowledge(self, profile: TalentProfile) -> bool:
        return selectors.is_high_knowledge(profile, self.context["rules"])


@extend_schema_serializer(component_name="LiaisonPoolOutput")
class PoolOutput(ProfileOutput):
    """A row of the pool list: open liaison pairs and the pipeline, if the person applied."""

    pair_count = serializers.IntegerField(help_text=_("在联的党内联系人数"))
    applied_on = serializers.DateField(allow_null=True)
    stage = serializers.CharField(allow_null=True)


@extend_schema_serializer(component_name="LiaisonProfilePairOutput")
class ProfilePairOutput(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    kind_display = serializers.CharField(source="get_kind_display")
    liaison = serializers.IntegerField(source="liaison_id")
    liaison_name = serializers.CharField(source="liaison.name")
    liaison_role_display = serializers.CharField(source="get_liaison_role_display")
    started_on = serializers.DateField()
    ended_on = serializers.DateField(allow_null=True)
    end_reason = serializers.CharField()
    last_talk_on = serializers.DateField(allow_null=True)


@extend_schema_serializer(component_name="LiaisonPipelineBriefOutput")
class PipelineBriefOutput(serializers.Serializer):
    id = serializers.IntegerField()
    stage = serializers.CharField()
    stage_display = serializers.CharField(source="get_stage_display")
    applied_on = serializers.DateField()


@extend_schema_serializer(component_name="LiaisonProfileDetailOutput")
class ProfileDetailOutput(ProfileOutput):
    """A pool entry with its pairs (ended ones included) and the person's pipeline. `pair_list` and `pipeline`
    are set by `_profile_detail`."""

    removed_on = serializers.DateField(allow_null=True)
    removed_reason = serializers.CharField()
    pairs = ProfilePairOutput(source="pair_list", many=True)
    pipeline = PipelineBriefOutput(allow_null=True)


def _profile_detail(user: Any, pk: Any) -> dict[str, Any]:
    profile = selectors.profile_get(user=user, pk=pk)
    profile.pair_list = list(selectors.profile_pairs(profile=profile))
    profile.pipeline = selectors.profile_pipeline(profile=profile)
    return ProfileDetailOutput(profile, context={"rules": rulesmod.current()}).data


@extend_schema_serializer(component_name="LiaisonPairOutput")
class PairOutput(serializers.Serializer):
    id = serializers.IntegerField()
    organization = serializers.IntegerField(source="organization_id")
    organization_name = serializers.CharField(source="organization.short_name")
    kind = serializers.CharField()
    kind_display = serializers.CharField(source="get_kind_display")
    liaison = serializers.IntegerField(source="liaison_id")
    liaison_name = serializers.CharField(source="liaison.name")
    liaison_role = serializers.CharField()
    liaison_role_display = serializers.CharField(source="get_liaison_role_display")
    talent = serializers.IntegerField(source="talent_id", help_text=_("信息库条目 ID"))
    talent_person = serializers.IntegerField(source="talent.person_id")
    talent_name = serializers.CharField(source="talent.person.name")
    started_on = serializers.DateField()
    ended_on = serializers.DateField(allow_null=True)
    end_reason = serializers.CharField()
    measures = serializers.CharField()
    last_talk_on = serializers.DateField(allow_null=True)
    open_follow_ups = serializers.IntegerField()
    talk_overdue = serializers.SerializerMethodField(help_text=_("谈心谈话已超过规定的间隔"))

    def get_talk_overdue(self, pair: LiaisonPair) -> bool:
        return pair.ended_on is None and (pair.last_talk_on or pair.started_on) < self.context["cutoff"]


def _list_context(today: datetime.date) -> dict[str, Any]:
    return {"cutoff": selectors.talk_cutoff(rulesmod.current(today), today)}


@extend_schema_serializer(component_name="LiaisonMyPairOutput")
class MyPairOutput(serializers.Serializer):
    pair = PairOutput()
    next_talk_due = serializers.DateField(source="next_due")
    overdue = serializers.BooleanField()
    due_soon = serializers.BooleanField()


@extend_schema_serializer(component_name="LiaisonPairDetailOutput")
class PairDetailOutput(PairOutput):
    next_talk_due = serializers.SerializerMethodField()
    private_notes_visible = serializers.SerializerMethodField(help_text=_("调用者能否查看谈话的内部备注"))

    @extend_schema_field(OpenApiTypes.DATE)
    def get_next_talk_due(self, pair: LiaisonPair) -> str | None:
        if pair.ended_on is not None:
            return None
        rules = rulesmod.rules_for(organization=pair.organization, on=self.context["today"])
        return add_months(pair.last_talk_on or pair.started_on, rules.n("talk_interval_months")).isoformat()

    def get_private_notes_visible(self, pair: LiaisonPair) -> bool:
        return selectors.can_read_private(user=self.context["user"], pair=pair)


def _pair_detail(user: Any, pk: Any) -> dict[str, Any]:
    today = timezone.localdate()
    pair = selectors.pair_get(user=user, pk=pk)
    return PairDetailOutput(pair, context={**_list_context(today), "today": today, "user": user}).data


@extend_schema_serializer(component_name="LiaisonFollowUpOutput")
class FollowUpOutput(serializers.Serializer):
    id = serializers.IntegerField()
    text = serializers.CharField()
    owner = serializers.CharField()
    due_on = serializers.DateField()
    is_request = serializers.BooleanField()
    status = serializers.CharField()
    status_display = serializers.CharField(source="get_status_display")
    done_on = serializers.DateField(allow_null=True)
    result = serializers.CharField()


@extend_schema_serializer(component_name="LiaisonTalkOutput")
class TalkOutput(serializers.Serializer):
    """A talk. `private_notes` is read from `audience_notes`, which `_talks_for` sets only for the audience of the
    notes; for anyone else the attribute is missing and the key is left out."""

    id = serializers.IntegerField()
    pair = serializers.IntegerField(source="pair_id")
    held_on = serializers.DateField()
    form = serializers.CharField()
    form_display = serializers.CharField(source="get_form_display")
    place = serializers.CharField()
    topics = serializers.CharField()
    thoughts = serializers.CharField()
    help_given = serializers.CharField()
    private_notes = serializers.CharField(source="audience_notes", required=False,
                                          help_text=_("仅联系人本人和本单位党组织班子可见；其他人的响应中没有此项"))
    follow_ups = FollowUpOutput(many=True)


def _talks_for(user: Any, pair: LiaisonPair, talks: list[Talk]) -> list[Talk]:
    """Attach the private notes to the talks for their audience only."""
    if selectors.can_read_private(user=user, pair=pair):
        notes = selectors.talk_private_notes(user=user, pair=pair)
        for talk in talks:
            talk.audience_notes = notes.get(talk.pk, "")
    return talks


@extend_schema_serializer(component_name="LiaisonReviewOutput")
class ReviewOutput(serializers.Serializer):
    id = serializers.IntegerField()
    organization = serializers.IntegerField(source="organization_id")
    organization_name = serializers.CharField(source="organization.short_name")
    reviewed_on = serializers.DateField()
    conclusions = serializers.CharField()
    adjustments = serializers.CharField()
    snapshot = serializers.JSONField(help_text=_("梳理当天的覆盖情况"))
    recorded_by = serializers.CharField(source="recorded_by.username", default=None)
    created_at = serializers.DateTimeField()


@extend_schema_serializer(component_name="LiaisonCoverageOutput")
class CoverageOutput(serializers.Serializer):
    organization = serializers.IntegerField()
    organization_name = serializers.CharField()
    on = serializers.DateField()
    pool = serializers.IntegerField(help_text=_("信息库人数"))
    high_knowledge = serializers.IntegerField(help_text=_("其中高知"))
    uncovered = serializers.IntegerField(help_text=_("没有党内联系人的高知"))
    pairs = serializers.IntegerField(help_text=_("在联的党内联系人结对"))
    pairings = serializers.IntegerField(help_text=_("一对一结对"))
    liaisons = serializers.IntegerField(help_text=_("党内联系人人数"))
    overloaded = serializers.IntegerField(help_text=_("联系人数超过规定的联系人"))
    talks_overdue = serializers.IntegerField(help_text=_("谈心谈话超期的结对"))
    open_follow_ups = serializers.IntegerField()
    follow_ups_overdue = serializers.IntegerField()
    open_requests = serializers.IntegerField(help_text=_("未办结的诉求"))
    applied = serializers.IntegerField(help_text=_("今年递交入党申请书的人数"))
    activists = serializers.IntegerField(help_text=_("今年列为入党积极分子的人数"))


# ---- the liaison person's own list ------------------------------------------------------------------------------


class MineApi(APIView):
    """The caller's own open pairs as liaison person (我的联系清单), with the next talk due."""

    permission_classes = [IsAuthenticated]

    @extend_schema(tags=TAGS, summary="The caller's own open liaison pairs", responses=MyPairOutput(many=True))
    def get(self, request: Request) -> Response:
        today = timezone.localdate()
        rows = selectors.my_pairs(user=request.user, on=today)
        return Response(MyPairOutput(rows, many=True, context=_list_context(today)).data)


# ---- the pool ---------------------------------------------------------------------------------------------------

POOL_PARAMETERS = [
    OpenApiParameter("q", OpenApiTypes.STR, description="姓名、拼音、学科或研究方向包含"),
    OpenApiParameter("unit", OpenApiTypes.INT, description="党组织 ID（含下级）"),
    *(OpenApiParameter(name, OpenApiTypes.BOOL, description=description) for name, description in (
        ("high_knowledge", "只列高知"), ("uncovered", "没有党内联系人的高知"), ("applied", "已递交入党申请书"),
        ("democratic", "民主党派成员"), ("abroad", "留学归国"))),
]
POOL_FLAGS = ("high_knowledge", "uncovered", "applied", "democratic", "abroad")


class PoolListCreateApi(GenericAPIView):
    """The pool in the caller's scope (people still in it); POST adds a non-party person to a unit's pool."""

    permission_classes = [IsAuthenticated]
    serializer_class = PoolOutput
    filter_backends: list = []
    queryset = TalentProfile.objects.none()

    @extend_schema(tags=TAGS, summary="List the pool of non-party talents in scope", parameters=POOL_PARAMETERS,
                   responses=PoolOutput(many=True))
    def get(self, request: Request) -> Response:
        _require_reviewer(request.user)
        params = request.query_params
        unit = _unit(request.user, params.get("unit"))
        cleaned: dict[str, Any] = {"q": params.get("q", ""), "unit": unit.pk if unit else None}
        cleaned.update({name: True for name in POOL_FLAGS if query_flag(params, name)})
        today = timezone.localdate()
        qs = selectors.pool(user=request.user, params=cleaned, on=today)
        page = self.paginate_queryset(qs)
        context = {"rules": rulesmod.current(today)}
        data = PoolOutput(page if page is not None else qs, many=True, context=context).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    @extend_schema(tags=TAGS, summary="Add a non-party person to a unit's pool", request=ProfileCreateInput,
                   responses={201: ProfileDetailOutput, 400: REFUSAL})
    def post(self, request: Request) -> Response:
        serializer = ProfileCreateInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        org = permissions.get_org_or_404(request.user, data.pop("organization"), CAP)
        person_pk = data.pop("person")
        person = selectors.pool_person_scope(user=request.user).filter(pk=person_pk).first()
        if person is None:
            raise serializers.ValidationError(
                {"person": [gettext("人员 %(pk)s 不存在或不在您的管辖范围内。") % {"pk": person_pk}]})
        try:
            profile = services.profile_save(actor=request.user, person=person, organization=org, data=data)
        except ValidationError as exc:
            return _refused(exc)
        return Response(_profile_detail(request.user, profile.pk), status=status.HTTP_201_CREATED)


class ProfileDetailApi(APIView):
    """A pool entry with its pairs and pipeline; PATCH changes it (or moves it to another unit's pool)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(tags=TAGS, summary="A pool entry with its pairs", responses={200: ProfileDetailOutput})
    def get(self, request: Request, pk: int) -> Response:
        return Response(_profile_detail(request.user, pk))

    @extend_schema(tags=TAGS, summary="Change a pool entry", request=ProfileUpdateInput,
                   responses={200: ProfileDetailOutput, 400: REFUSAL})
    def patch(self, request: Request, pk: int) -> Response:
        profile = selectors.profile_get(user=request.user, pk=pk)
        serializer = ProfileUpdateInput(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        org = profile.organization
        if data.get("organization") is not None:
            org = permissions.get_org_or_404(request.user, data["organization"], CAP)
        data.pop("organization", None)
        try:
            services.profile_save(actor=request.user, person=profile.person, organization=org, data=data,
                                  profile=profile)
        except ValidationError as exc:
            return _refused(exc)
        return Response(_profile_detail(request.user, pk))


class ProfileRemoveApi(APIView):
    """Take a person out of the pool (reason required); their open pairs end with the same reason."""

    permission_classes = [IsAuthenticated]

    @extend_schema(tags=TAGS, summary="Take a person out of the pool", request=EndInput,
                   responses={200: ProfileDetailOutput, 400: REFUSAL})
    def post(self, request: Request, pk: int) -> Response:
        profile = selectors.profile_get(user=request.user, pk=pk)
        serializer = EndInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            services.profile_remove(actor=request.user, profile=profile, on=data.get("on") or timezone.localdate(),
                                    reason=data["reason"])
        except ValidationError as exc:
            return _refused(exc)
        return Response(_profile_detail(request.user, pk))


# ---- pairs ------------------------------------------------------------------------------------------------------

PAIR_PARAMETERS = [
    OpenApiParameter("status", OpenApiTypes.STR, enum=["open", "ended", "all"], description="默认 open"),
    OpenApiParameter("kind", OpenApiTypes.STR, enum=PairKind.values),
    OpenApiParameter("q", OpenApiTypes.STR, description="联系人或联系对象的姓名、拼音包含"),
    OpenApiParameter("unit", OpenApiTypes.INT, description="党组织 ID（含下级）"),
    OpenApiParameter("overdue", OpenApiTypes.BOOL, description="只列谈心谈话超期的结对"),
]


class PairListCreateApi(GenericAPIView):
    """Liaison pairs in the caller's scope (open ones by default); POST starts a pair, checked against the rule
    set of the unit."""

    permission_classes = [IsAuthenticated]
    serializer_class = PairOutput
    filter_backends: list = []
    queryset = LiaisonPair.objects.none()

    @extend_schema(tags=TAGS, summary="List liaison pairs in scope", parameters=PAIR_PARAMETERS,
                   responses=PairOutput(many=True))
    def get(self, request: Request) -> Response:
        _require_reviewer(request.user)
        params = request.query_params
        errors = {}
        if params.get("status", "") not in ("", "open", "ended", "all"):
            errors["status"] = [gettext("状态无效，可用 open、ended 或 all。")]
        if params.get("kind", "") not in ("", *PairKind.values):
            errors["kind"] = [gettext("结对类型无效。")]
        if errors:
            raise serializers.ValidationError(errors)
        unit = _unit(request.user, params.get("unit"))
        cleaned = {"status": params.get("status") or "open", "kind": params.get("kind", ""),
                   "q": params.get("q", ""), "unit": unit.pk if unit else None, "overdue": query_flag(params, "overdue")}
        today = timezone.localdate()
        qs = selectors.pairs(user=request.user, params=cleaned, on=today)
        page = self.paginate_queryset(qs)
        data = PairOutput(page if page is not None else qs, many=True, context=_list_context(today)).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    @extend_schema(tags=TAGS, summary="Start a liaison pair or a one-to-one pairing", request=PairStartInput,
                   responses={201: PairDetailOutput, 400: REFUSAL})
    def post(self, request: Request) -> Response:
        serializer = PairStartInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        talent = selectors.profile_get(user=request.user, pk=data["talent"])
        if data.get("organization") is not None:
            org = permissions.get_org_or_404(request.user, data["organization"], CAP)
        else:
            org = talent.organization
            permissions.check(request.user, org, CAP)
        liaison = Person.objects.select_related("organization").filter(pk=data["liaison"]).first()
        if liaison is None:
            raise serializers.ValidationError(
                {"liaison": [gettext("人员 %(pk)s 不存在。") % {"pk": data["liaison"]}]})
        started_on = data.get("started_on") or timezone.localdate()
        role = data["liaison_role"] or selectors.role_for(liaison, org, started_on)
        try:
            pair = services.pair_start(actor=request.user, organization=org, kind=data["kind"], liaison=liaison,
                                       liaison_role=role, talent=talent, started_on=started_on,
                                       measures=data["measures"])
        except ValidationError as exc:
            return _refused(exc)
        return Response(_pair_detail(request.user, pair.pk), status=status.HTTP_201_CREATED)


class PairDetailApi(APIView):
    """A pair (the liaison person's own, or one under the caller's review); PATCH changes its measures."""

    permission_classes = [IsAuthenticated]

    @extend_schema(tags=TAGS, summary="A liaison pair", responses={200: PairDetailOutput})
    def get(self, request: Request, pk: int) -> Response:
        return Response(_pair_detail(request.user, pk))

    @extend_schema(tags=TAGS, summary="Change the cultivation measures of an open pair", request=PairUpdateInput,
                   responses={200: PairDetailOutput, 400: REFUSAL})
    def patch(self, request: Request, pk: int) -> Response:
        pair = selectors.pair_get(user=request.user, pk=pk)
        serializer = PairUpdateInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            services.pair_update(actor=request.user, pair=pair, measures=serializer.validated_data["measures"])
        except ValidationError as exc:
            return _refused(exc)
        return Response(_pair_detail(request.user, pk))


class PairEndApi(APIView):
    """End a pair; the reason is required and kept with the history."""

    permission_classes = [IsAuthenticated]

    @extend_schema(tags=TAGS, summary="End a liaison pair", request=EndInput,
                   responses={200: PairDetailOutput, 400: REFUSAL})
    def post(self, request: Request, pk: int) -> Response:
        pair = selectors.pair_get(user=request.user, pk=pk)
        permissions.check(request.user, pair.organization, CAP)
        serializer = EndInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            services.pair_end(actor=request.user, pair=pair, on=data.get("on") or timezone.localdate(),
                              reason=data["reason"])
        except ValidationError as exc:
            return _refused(exc)
        return Response(_pair_detail(request.user, pk))


class TalkListCreateApi(GenericAPIView):
    """The talks of a pair, newest first, with their follow-ups; POST records one with its follow-ups."""

    permission_classes = [IsAuthenticated]
    serializer_class = TalkOutput
    filter_backends: list = []
    queryset = Talk.objects.none()

    @extend_schema(tags=TAGS, summary="The talks of a pair", responses=TalkOutput(many=True))
    def get(self, request: Request, pk: int) -> Response:
        pair = selectors.pair_get(user=request.user, pk=pk)
        qs = selectors.talks(pair=pair)
        page = self.paginate_queryset(qs)
        rows = _talks_for(request.user, pair, list(page if page is not None else qs))
        data = TalkOutput(rows, many=True).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    @extend_schema(tags=TAGS, summary="Record a talk of a pair (with follow-ups)", request=TalkInput,
                   responses={201: TalkOutput, 400: REFUSAL})
    def post(self, request: Request, pk: int) -> Response:
        pair = selectors.pair_get(user=request.user, pk=pk)
        serializer = TalkInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        follow_ups = [dict(row) for row in data.pop("follow_ups")]
        try:
            talk = services.talk_record(actor=request.user, pair=pair, data=data, follow_ups=follow_ups)
        except ValidationError as exc:
            return _refused(exc)
        saved = selectors.talks(pair=pair).get(pk=talk.pk)
        return Response(TalkOutput(_talks_for(request.user, pair, [saved])[0]).data, status=status.HTTP_201_CREATED)


class FollowUpCloseApi(APIView):
    """Close a follow-up of a talk: done or dropped, with the date and what came of it."""

    permission_classes = [IsAuthenticated]

    @extend_schema(tags=TAGS, summary="Close a follow-up", request=FollowUpCloseInput,
                   responses={200: FollowUpOutput, 400: REFUSAL})
    def post(self, request: Request, pk: int) -> Response:
        item = selectors.follow_up_get(user=request.user, pk=pk)
        serializer = FollowUpCloseInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            services.follow_up_close(actor=request.user, follow_up=item, status=data["status"],
                                     on=data.get("on") or timezone.localdate(), result=data["result"])
        except ValidationError as exc:
            return _refused(exc)
        return Response(FollowUpOutput(item).data)


# ---- coverage and reviews -------------------------------------------------------------------------------------

UNIT_PARAMETER = OpenApiParameter("unit", OpenApiTypes.INT, description="党组织 ID，默认为调用者审阅范围的最上级")


def _review_unit(user: Any, value: Any) -> Organization:
    """The unit named by ?unit=, or the top of the caller's review scope."""
    _require_reviewer(user)
    org = _unit(user, value)
    if org is None:
        org = selectors.review_root(user=user)
    if org is None:
        raise Http404
    return org


class CoverageApi(APIView):
    """The coverage of a unit today: who is kept, who is left out, what is overdue."""

    permission_classes = [IsAuthenticated]

    @extend_schema(tags=TAGS, summary="Coverage of a unit's liaison work", parameters=[UNIT_PARAMETER],
                   responses={200: CoverageOutput})
    def get(self, request: Request) -> Response:
        org = _review_unit(request.user, request.query_params.get("unit"))
        today = timezone.localdate()
        totals = selectors.coverage_totals(organization=org, on=today)
        return Response(CoverageOutput({"organization": org.pk, "organization_name": _org_name(org), "on": today,
                                        **totals}).data)


class ReviewListCreateApi(GenericAPIView):
    """The periodic reviews (定期梳理) of a unit, newest first; POST records one, keeping the coverage of the
    day."""

    permission_classes = [IsAuthenticated]
    serializer_class = ReviewOutput
    filter_backends: list = []
    queryset = Review.objects.none()

    @extend_schema(tags=TAGS, summary="List periodic reviews of the liaison list", parameters=[UNIT_PARAMETER],
                   responses=ReviewOutput(many=True))
    def get(self, request: Request) -> Response:
        org = _review_unit(request.user, request.query_params.get("unit"))
        qs = selectors.reviews_of(unit=org)
        page = self.paginate_queryset(qs)
        data = ReviewOutput(page if page is not None else qs, many=True).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    @extend_schema(tags=TAGS, summary="Record a periodic review", parameters=[UNIT_PARAMETER], request=ReviewInput,
                   responses={201: ReviewOutput, 400: REFUSAL})
    def post(self, request: Request) -> Response:
        serializer = ReviewInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        org_pk = data.get("organization") or request.query_params.get("unit")
        if org_pk in (None, ""):
            raise serializers.ValidationError({"organization": [gettext("请指定党组织。")]})
        org = _unit(request.user, org_pk, field="organization")
        try:
            review = services.review_record(actor=request.user, organization=org,
                                            reviewed_on=data.get("reviewed_on") or timezone.localdate(),
                                            conclusions=data["conclusions"], adjustments=data["adjustments"])
        except ValidationError as exc:
            return _refused(exc)
        return Response(ReviewOutput(review).data, status=status.HTTP_201_CREATED)


@extend_schema_serializer(component_name="LiaisonFunnelRowOutput")
class FunnelRowOutput(serializers.Serializer):
    organization = serializers.IntegerField(allow_null=True)
    organization_name = serializers.CharField()
    pool = serializers.IntegerField(help_text=_("当年在库人数"))
    high_knowledge = serializers.IntegerField(help_text=_("其中高知"))
    applied = serializers.IntegerField(help_text=_("当年递交入党申请书"))
    activists = serializers.IntegerField(help_text=_("当年列为入党积极分子"))
    candidates = serializers.IntegerField(help_text=_("当年列为发展对象"))
    admitted = serializers.IntegerField(help_text=_("当年接收为预备党员"))
    now_applicant = serializers.IntegerField(help_text=_("现为入党申请人"))
    now_activist = serializers.IntegerField(help_text=_("现为入党积极分子"))
    now_candidate = serializers.IntegerField(help_text=_("现为发展对象"))
    now_probationary = serializers.IntegerField(help_text=_("现为预备党员"))


@extend_schema_serializer(component_name="LiaisonFunnelOutput")
class FunnelOutput(serializers.Serializer):
    unit = serializers.IntegerField()
    unit_name = serializers.CharField()
    year = serializers.IntegerField()
    rows = FunnelRowOutput(many=True)
    totals = FunnelRowOutput()


class FunnelApi(APIView):
    """From the pool to the party for one year, per organization of the unit that keeps a pool, with totals."""

    permission_classes = [IsAuthenticated]

    @extend_schema(tags=TAGS, summary="Funnel from the pool to the party for a year",
                   parameters=[UNIT_PARAMETER, OpenApiParameter("year", OpenApiTypes.INT, description="年份，默认今年")],
                   responses={200: FunnelOutput})
    def get(self, request: Request) -> Response:
        org = _review_unit(request.user, request.query_params.get("unit"))
        today = timezone.localdate()
        year = str(request.query_params.get("year", "") or today.year)
        if not year.isdigit() or not 1949 <= int(year) <= today.year:
            raise serializers.ValidationError({"year": [gettext("年份须在1949年至今年之间。")]})
        rows, totals = selectors.funnel(user=request.user, unit=org, year=int(year), on=today)
        data = {
            "unit": org.pk, "unit_name": _org_name(org), "year": int(year),
            "rows": [{**row, "organization_name": row["organization__short_name"] or row["organization__name"]}
                     for row in rows],
            "totals": {**totals, "organization": None, "organization_name": _org_name(org)},
        }
        return Response(FunnelOutput(data).data)

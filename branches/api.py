"""REST API for the organization tree, roles and the current user. The same services and selectors as the
HTML pages: outside the user's scope 404, inside without the capability 403, bad input 400 in Chinese."""

from __future__ import annotations

import django_filters
from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_serializer, inline_serializer
from rest_framework import filters, serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from . import permissions, selectors, services
from .api_utils import StrictFieldsMixin
from .models import CommitteePosition, CommitteeSeat, Organization, OrgType, Role, RoleKind, UnitRelation
from .permissions import Capability, HasCapability

ORG_TAG = ["organizations"]
ROLE_TAG = ["roles"]
COMMITTEE_TAG = ["committee"]


class WarningSerializer(serializers.Serializer):
    code = serializers.CharField()
    level = serializers.CharField()
    message = serializers.CharField()


class OrganizationOutput(serializers.ModelSerializer):
    parent = serializers.SerializerMethodField()
    org_type_display = serializers.CharField(source="get_org_type_display")
    full_count = serializers.IntegerField(read_only=True)
    probationary_count = serializers.IntegerField(read_only=True)
    people_count = serializers.IntegerField(read_only=True)
    warnings = WarningSerializer(many=True, read_only=True)

    class Meta:
        model = Organization
        fields = [
            "id", "parent", "depth", "name", "short_name", "code", "org_type", "org_type_display", "founded_on",
            "unit_name", "unit_relation", "has_committee", "term_started_on", "term_ends_on", "secretary_name",
            "contact_name", "contact_phone", "closed_on", "closed_reason", "full_count", "probationary_count",
            "people_count", "warnings",
        ]

    def get_parent(self, org: Organization) -> int | None:
        return self.context.get("parents", {}).get(org.path[: -Organization.steplen])


def _with_parents(orgs: list[Organization]) -> dict[str, int]:
    """Parent ids of the listed organizations by path, in one query."""
    paths = {o.path[: -Organization.steplen] for o in orgs if o.depth > 1}
    return dict(Organization.objects.filter(path__in=paths).values_list("path", "pk")) if paths else {}


def _output(orgs: list[Organization]) -> dict:
    selectors.attach_warnings(orgs)
    return {"parents": _with_parents(orgs)}


def _annotated(org: Organization) -> Organization:
    return selectors.with_member_counts(Organization.objects.filter(pk=org.pk)).get()


class OrganizationFilter(django_filters.FilterSet):
    org_type = django_filters.MultipleChoiceFilter(choices=OrgType.choices)
    parent = django_filters.NumberFilter(method="filter_parent", label=_("上级党组织 ID（直接下级）"))
    q = django_filters.CharFilter(method="filter_q", label=_("名称、简称或代码包含"))
    include_closed = django_filters.BooleanFilter(method="filter_closed", label=_("包含已撤销"))

    class Meta:
        model = Organization
        fields = ["org_type"]

    def filter_parent(self, qs: QuerySet, name: str, value: int) -> QuerySet:
        parent = Organization.objects.filter(pk=value).values_list("path", "depth").first()
        if parent is None:
            return qs.none()
        return qs.filter(path__startswith=parent[0], depth=parent[1] + 1)

    def filter_q(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return qs
        return qs.filter(Q(name__icontains=value) | Q(short_name__icontains=value) | Q(code__icontains=value))

    def filter_closed(self, qs: QuerySet, name: str, value: bool | None) -> QuerySet:
        return qs  # the flag is read in filter_queryset: closed ones are left out unless it is true

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        qs = super().filter_queryset(queryset)
        if not self.form.cleaned_data.get("include_closed"):
            qs = qs.filter(closed_on__isnull=True)
        return qs


class OrganizationInput(StrictFieldsMixin, serializers.Serializer):
    """Descriptive fields of an organization; PATCH sends any subset (partial)."""

    name = serializers.CharField(max_length=200)
    short_name = serializers.CharField(max_length=60)
    code = serializers.CharField(max_length=40, required=False, allow_blank=True)
    org_type = serializers.ChoiceField(choices=OrgType.choices)
    founded_on = serializers.DateField(required=False, allow_null=True)
    unit_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    unit_relation = serializers.ChoiceField(choices=UnitRelation.choices, required=False)
    has_committee = serializers.BooleanField(required=False)
    term_started_on = serializers.DateField(required=False, allow_null=True)
    term_ends_on = serializers.DateField(required=False, allow_null=True)
    secretary_name = serializers.CharField(max_length=50, required=False, allow_blank=True)
    contact_name = serializers.CharField(max_length=50, required=False, allow_blank=True)
    contact_phone = serializers.CharField(max_length=30, required=False, allow_blank=True)


class OrganizationCreateInput(OrganizationInput):
    parent = serializers.IntegerField(allow_null=True, help_text=_("上级党组织 ID；仅系统管理员可为空（顶层组织）"))


class OrganizationListCreateApi(GenericAPIView):
    """Organizations in the caller's scope; create one under a parent the caller administers."""

    permission_classes = [IsAuthenticated, HasCapability]
    capability = None
    write_capability = Capability.ADMINISTER
    filterset_class = OrganizationFilter
    filter_backends = [django_filters.rest_framework.DjangoFilterBackend, filters.OrderingFilter]
    ordering_fields = ["path", "name", "short_name", "code", "founded_on", "term_ends_on", "org_type"]
    ordering = ["path"]
    serializer_class = OrganizationOutput
    InputSerializer = OrganizationCreateInput

    def get_queryset(self):
        qs = permissions.orgs_with(self.request.user, None)
        return selectors.with_member_counts(qs)

    @extend_schema(tags=ORG_TAG, summary="List organizations in scope", responses=OrganizationOutput(many=True))
    def get(self, request: Request) -> Response:
        qs = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(qs)
        orgs = list(page if page is not None else qs)
        data = OrganizationOutput(orgs, many=True, context=_output(orgs)).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    @extend_schema(tags=ORG_TAG, summary="Create an organization", request=InputSerializer,
                   responses={201: OrganizationOutput})
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        parent_id = data.pop("parent")
        parent = None
        if parent_id is not None:
            parent = permissions.get_org_or_404(request.user, parent_id, Capability.ADMINISTER)
        org = services.organization_create(actor=request.user, parent=parent, data=data)
        org = _annotated(org)
        return Response(OrganizationOutput(org, context=_output([org])).data, status=status.HTTP_201_CREATED)


class OrganizationDetailApi(APIView):
    """One organization (with its health warnings); PATCH changes its descriptive fields."""

    permission_classes = [IsAuthenticated]
    InputSerializer = OrganizationInput

    @extend_schema(tags=ORG_TAG, summary="Retrieve an organization", responses={200: OrganizationOutput})
    def get(self, request: Request, pk: int) -> Response:
        org = permissions.get_org_or_404(request.user, pk, None, selectors.with_member_counts(Organization.objects))
        return Response(OrganizationOutput(org, context=_output([org])).data)

    @extend_schema(tags=ORG_TAG, summary="Update an organization", request=InputSerializer,
                   responses={200: OrganizationOutput})
    def patch(self, request: Request, pk: int) -> Response:
        org = permissions.get_org_or_404(request.user, pk, Capability.ADMINISTER)
        serializer = self.InputSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        services.organization_update(actor=request.user, organization=org, data=dict(serializer.validated_data))
        org = _annotated(org)
        return Response(OrganizationOutput(org, context=_output([org])).data)


class OrganizationMoveApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema_serializer(component_name="OrganizationMoveInput")
    class InputSerializer(StrictFieldsMixin, serializers.Serializer):
        parent = serializers.IntegerField(help_text=_("新的上级党组织 ID"))

    @extend_schema(tags=ORG_TAG, summary="Move an organization with its subtree", request=InputSerializer,
                   responses={200: OrganizationOutput, 404: OpenApiResponse(description="Outside your scope")})
    def post(self, request: Request, pk: int) -> Response:
        org = permissions.get_org_or_404(request.user, pk, Capability.ADMINISTER)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        target = Organization.objects.filter(pk=serializer.validated_data["parent"]).first()
        if target is None:
            raise Http404
        services.organization_move(actor=request.user, organization=org, new_parent=target)
        org = _annotated(org)
        return Response(OrganizationOutput(org, context=_output([org])).data)


class OrganizationCloseApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema_serializer(component_name="OrganizationCloseInput")
    class InputSerializer(StrictFieldsMixin, serializers.Serializer):
        closed_on = serializers.DateField()
        reason = serializers.CharField(max_length=200)

    @extend_schema(tags=ORG_TAG, summary="Close an organization (history is kept)", request=InputSerializer,
                   responses={200: OrganizationOutput})
    def post(self, request: Request, pk: int) -> Response:
        org = permissions.get_org_or_404(request.user, pk, Capability.ADMINISTER)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.organization_close(actor=request.user, organization=org, **serializer.validated_data)
        org = _annotated(org)
        return Response(OrganizationOutput(org, context=_output([org])).data)


# ---- committee seats ----------------------------------------------------------------------------------------


class SeatOutput(serializers.ModelSerializer):
    person_name = serializers.CharField(source="person.name")
    position_display = serializers.CharField(source="get_position_display")
    is_active = serializers.SerializerMethodField()

    class Meta:
        model = CommitteeSeat
        fields = ["id", "organization", "person", "person_name", "position", "position_display", "starts_on",
                  "ends_on", "note", "is_active"]

    def get_is_active(self, seat: CommitteeSeat) -> bool:
        return seat.is_active(self.context.get("on"))


class CommitteeListCreateApi(APIView):
    """The committee of an organization in scope: every seat (sitting first, 书记 first), or with `on` the
    seats held that day. POST seats a full member of the organization (ADMINISTER there)."""

    permission_classes = [IsAuthenticated, HasCapability]
    capability = None
    write_capability = Capability.ADMINISTER

    @extend_schema_serializer(component_name="CommitteeSeatInput")
    class InputSerializer(StrictFieldsMixin, serializers.Serializer):
        person = serializers.IntegerField(help_text=_("人员 ID：本组织（含下级组织）的正式党员"))
        position = serializers.ChoiceField(choices=CommitteePosition.choices)
        starts_on = serializers.DateField()
        note = serializers.CharField(max_length=200, required=False, allow_blank=True)

    class QuerySerializer(serializers.Serializer):
        on = serializers.DateField(required=False, help_text=_("只列出这一天在任的委员"))

    @extend_schema(tags=COMMITTEE_TAG, summary="List an organization's committee seats",
                   parameters=[QuerySerializer], responses=SeatOutput(many=True))
    def get(self, request: Request, pk: int) -> Response:
        org = permissions.get_org_or_404(request.user, pk, None)
        query = self.QuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        on = query.validated_data.get("on")
        seats = selectors.committee_list(user=request.user, organization=org, on=on)
        return Response(SeatOutput(seats, many=True, context={"on": on or timezone.localdate()}).data)

    @extend_schema(tags=COMMITTEE_TAG, summary="Seat a member on the committee", request=InputSerializer,
                   responses={201: SeatOutput})
    def post(self, request: Request, pk: int) -> Response:
        org = permissions.get_org_or_404(request.user, pk, Capability.ADMINISTER)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        person = services.seat_person(organization=org, pk=data.pop("person"))
        seat = services.seat_add(actor=request.user, organization=org, person=person, **data)
        return Response(SeatOutput(seat).data, status=status.HTTP_201_CREATED)


class CommitteeSeatEndApi(APIView):
    permission_classes = [IsAuthenticated, HasCapability]
    capability = Capability.ADMINISTER

    @extend_schema_serializer(component_name="CommitteeSeatEndInput")
    class InputSerializer(StrictFieldsMixin, serializers.Serializer):
        ends_on = serializers.DateField(help_text=_("在任的最后一天"))
        note = serializers.CharField(max_length=100, required=False, allow_blank=True,
                                     help_text=_("离任原因，记入备注"))

    @extend_schema(tags=COMMITTEE_TAG, summary="End a committee seat", request=InputSerializer,
                   responses={200: SeatOutput})
    def post(self, request: Request, pk: int, seat_pk: int) -> Response:
        org = permissions.get_org_or_404(request.user, pk, Capability.ADMINISTER)
        seat = CommitteeSeat.objects.filter(pk=seat_pk, organization=org).first()
        if seat is None:
            raise Http404
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        seat = services.seat_end(actor=request.user, seat=seat, **serializer.validated_data)
        return Response(SeatOutput(seat).data)


# ---- roles ------------------------------------------------------------------------------------------------


class RoleOutput(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username")
    user_full_name = serializers.CharField(source="user.get_full_name")
    organization_name = serializers.CharField(source="organization.short_name")
    kind_display = serializers.CharField(source="get_kind_display")
    is_active = serializers.SerializerMethodField()

    class Meta:
        model = Role
        fields = ["id", "user", "username", "user_full_name", "organization", "organization_name", "kind",
                  "kind_display", "starts_on", "ends_on", "note", "is_active"]

    def get_is_active(self, role: Role) -> bool:
        return role.is_active(self.context.get("today"))


class RoleFilter(django_filters.FilterSet):
    organization = django_filters.NumberFilter(method="filter_org", label=_("党组织 ID（含下级）"))
    kind = django_filters.MultipleChoiceFilter(choices=RoleKind.choices)
    active = django_filters.BooleanFilter(method="filter_active", label=_("在任"))
    user = django_filters.NumberFilter(field_name="user_id")

    class Meta:
        model = Role
        fields = ["kind", "user"]

    def filter_org(self, qs: QuerySet, name: str, value: int) -> QuerySet:
        path = Organization.objects.filter(pk=value).values_list("path", flat=True).first()
        return qs.filter(organization__path__startswith=path) if path else qs.none()

    def filter_active(self, qs: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return qs
        today = timezone.localdate()
        active = Q(starts_on__lte=today) & (Q(ends_on__isnull=True) | Q(ends_on__gte=today))
        return qs.filter(active) if value else qs.exclude(active)


class RoleListGrantApi(GenericAPIView):
    """Roles at organizations the caller administers; POST grants one."""

    permission_classes = [IsAuthenticated, HasCapability]
    capability = Capability.ADMINISTER
    filterset_class = RoleFilter
    filter_backends = [django_filters.rest_framework.DjangoFilterBackend, filters.OrderingFilter]
    ordering_fields = ["starts_on", "ends_on", "kind", "organization__path"]
    ordering = ["organization__path", "kind"]
    serializer_class = RoleOutput

    @extend_schema_serializer(component_name="RoleGrantInput")
    class InputSerializer(StrictFieldsMixin, serializers.Serializer):
        user = serializers.PrimaryKeyRelatedField(queryset=get_user_model().objects.all())
        organization = serializers.IntegerField()
        kind = serializers.ChoiceField(choices=RoleKind.choices)
        starts_on = serializers.DateField()
        ends_on = serializers.DateField(required=False, allow_null=True)
        note = serializers.CharField(max_length=200, required=False, allow_blank=True)

    def get_queryset(self):
        return selectors.role_list(user=self.request.user)

    @extend_schema(tags=ROLE_TAG, summary="List roles you administer", responses=RoleOutput(many=True))
    def get(self, request: Request) -> Response:
        qs = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(qs)
        context = {"today": timezone.localdate()}
        data = RoleOutput(page if page is not None else qs, many=True, context=context).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    @extend_schema(tags=ROLE_TAG, summary="Grant a role", request=InputSerializer, responses={201: RoleOutput})
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        org = permissions.get_org_or_404(request.user, data.pop("organization"), Capability.ADMINISTER)
        role = services.role_grant(actor=request.user, organization=org, **data)
        return Response(RoleOutput(role, context={"today": timezone.localdate()}).data,
                        status=status.HTTP_201_CREATED)


class RoleEndApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema_serializer(component_name="RoleEndInput")
    class InputSerializer(StrictFieldsMixin, serializers.Serializer):
        ends_on = serializers.DateField()

    @extend_schema(tags=ROLE_TAG, summary="End a role", request=InputSerializer, responses={200: RoleOutput})
    def post(self, request: Request, pk: int) -> Response:
        role = permissions.get_scoped_or_404(Role.objects.select_related("user"), request.user,
                                             Capability.ADMINISTER, pk=pk)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        role = services.role_end(actor=request.user, role=role, ends_on=serializer.validated_data["ends_on"])
        return Response(RoleOutput(role, context={"today": timezone.localdate()}).data)


# ---- the current user -----------------------------------------------------------------------------------


class MeApi(APIView):
    """The current user, their active roles and what they may do. Two queries: cheap by design."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=["me"],
        summary="The current user",
        responses={200: inline_serializer("Me", {
            "id": serializers.IntegerField(),
            "username": serializers.CharField(),
            "full_name": serializers.CharField(),
            "is_superuser": serializers.BooleanField(),
            "dashboard": serializers.CharField(),
            "capabilities": serializers.ListField(child=serializers.CharField()),
            "roles": inline_serializer("MeRole", {
                "id": serializers.IntegerField(),
                "organization": serializers.IntegerField(),
                "organization_name": serializers.CharField(),
                "kind": serializers.CharField(),
                "kind_display": serializers.CharField(),
                "starts_on": serializers.DateField(),
                "ends_on": serializers.DateField(allow_null=True),
            }, many=True),
        })},
    )
    def get(self, request: Request) -> Response:
        user = request.user
        scope = permissions.scope_for(user)
        roles = (
            Role.objects.active().filter(user=user, organization__closed_on__isnull=True)
            .select_related("organization").order_by("organization__path", "kind")
        )
        if scope.is_superuser:
            capabilities = list(Capability.values)
        else:
            capabilities = [c for c in Capability.values if scope.paths(c)]
        if permissions.is_committee_user(user):
            dashboard = "committee"
        elif scope.any_roots:
            dashboard = "branch"
        else:
            dashboard = "member"
        return Response({
            "id": user.pk,
            "username": user.get_username(),
            "full_name": user.get_full_name(),
            "is_superuser": user.is_superuser,
            "dashboard": dashboard,
            "capabilities": capabilities,
            "roles": [
                {
                    "id": r.pk, "organization": r.organization_id, "organization_name": r.organization.short_name,
                    "kind": r.kind, "kind_display": r.get_kind_display(), "starts_on": r.starts_on,
                    "ends_on": r.ends_on,
                }
                for r in roles
            ],
        })

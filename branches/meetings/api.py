"""REST API for meeting records: the same services and selectors as the pages, the same scope and checks.

Outside the user's scope 404, inside it without the capability 403, bad input 400 with Chinese messages
keyed by field (nested lists under "attendance", "guests", "votes", "grades")."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from branches import permissions
from branches.api_utils import StrictFieldsMixin
from branches.models import (
    AttachmentKind,
    AttendanceStatus,
    Grade,
    Meeting,
    MeetingAttachment,
    MeetingStatus,
    MeetingType,
    Organization,
)
from branches.permissions import Capability

from . import selectors, services

TAGS = ["meetings"]


def _require_view_anywhere(user: Any) -> None:
    if not any(permissions.has_capability_anywhere(user, c) for c in selectors.VIEW_CAPABILITIES):
        raise PermissionDenied(gettext("您没有此项权限。"))


# ---- input ----------------------------------------------------------------------------------------------------


@extend_schema_serializer(component_name="MeetingAttendanceInput")
class AttendanceInput(StrictFieldsMixin, serializers.Serializer):
    person = serializers.IntegerField()
    status = serializers.ChoiceField(choices=AttendanceStatus.choices, default=AttendanceStatus.PRESENT)
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


@extend_schema_serializer(component_name="MeetingGuestInput")
class GuestInput(StrictFieldsMixin, serializers.Serializer):
    name = serializers.CharField(max_length=50)
    affiliation = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")


@extend_schema_serializer(component_name="MeetingVoteInput")
class VoteInput(StrictFieldsMixin, serializers.Serializer):
    subject = serializers.CharField(max_length=200)
    candidate = serializers.IntegerField(required=False, allow_null=True, default=None)
    expected = serializers.IntegerField(min_value=0, help_text=_("应到会有表决权的正式党员（E）"))
    present = serializers.IntegerField(min_value=0)
    yes = serializers.IntegerField(min_value=0)
    no = serializers.IntegerField(min_value=0)
    abstain = serializers.IntegerField(min_value=0)
    written_yes = serializers.IntegerField(min_value=0, required=False, default=0)
    passed = serializers.BooleanField()


@extend_schema_serializer(component_name="MeetingGradeInput")
class GradeInput(StrictFieldsMixin, serializers.Serializer):
    person = serializers.IntegerField()
    grade = serializers.ChoiceField(choices=Grade.choices)


class MeetingInput(StrictFieldsMixin, serializers.Serializer):
    """A meeting record; lists given replace the stored ones (PATCH: leave a list out to keep it)."""

    meeting_type = serializers.ChoiceField(choices=MeetingType.choices)
    title = serializers.CharField(max_length=200)
    held_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField(required=False, allow_null=True)
    place = serializers.CharField(max_length=200, required=False, allow_blank=True)
    host = serializers.IntegerField(required=False, allow_null=True)
    recorder = serializers.IntegerField(required=False, allow_null=True)
    topics = serializers.CharField(required=False, allow_blank=True)
    minutes = serializers.CharField(required=False, allow_blank=True)
    decisions = serializers.CharField(required=False, allow_blank=True)
    follow_ups = serializers.CharField(required=False, allow_blank=True)
    lecturer = serializers.CharField(max_length=100, required=False, allow_blank=True)
    lecture_title = serializers.CharField(max_length=200, required=False, allow_blank=True)
    problems = serializers.CharField(required=False, allow_blank=True)
    rectifications = serializers.CharField(required=False, allow_blank=True)
    attendance = AttendanceInput(many=True, required=False)
    guests = GuestInput(many=True, required=False)
    votes = VoteInput(many=True, required=False)
    grades = GradeInput(many=True, required=False)


@extend_schema_serializer(component_name="MeetingCreateInput")
class MeetingCreateInput(MeetingInput):
    organization = serializers.IntegerField(help_text=_("党支部（党小组会：党小组）ID"))


@extend_schema_serializer(component_name="MeetingUpdateInput")
class MeetingUpdateInput(MeetingInput):
    reason = serializers.CharField(required=False, allow_blank=True, help_text=_("已确认的记录修改时必填"))


def _split(validated: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Meeting fields and the nested lists (absent lists stay None)."""
    data = dict(validated)
    nested = {name: data.pop(name, None) for name in ("attendance", "guests", "votes", "grades")}
    nested = {name: [dict(row) for row in rows] if rows is not None else None for name, rows in nested.items()}
    return data, nested


# ---- output ---------------------------------------------------------------------------------------------------


class MeetingListOutput(serializers.ModelSerializer):
    organization_name = serializers.CharField(source="organization.short_name")
    meeting_type_display = serializers.CharField(source="get_meeting_type_display")
    status_display = serializers.CharField(source="get_status_display")
    host_name = serializers.CharField(source="host.name", default=None)
    recorder_name = serializers.CharField(source="recorder.name", default=None)
    attendance_count = serializers.IntegerField()
    present_count = serializers.IntegerField()
    absent_count = serializers.IntegerField()
    leave_count = serializers.IntegerField()

    class Meta:
        model = Meeting
        fields = ["id", "organization", "organization_name", "meeting_type", "meeting_type_display", "title",
                  "held_at", "ends_at", "place", "host", "host_name", "recorder", "recorder_name", "status",
                  "status_display", "attendance_count", "present_count", "absent_count", "leave_count"]


class AttendanceOutput(serializers.Serializer):
    person = serializers.IntegerField(source="person_id")
    person_name = serializers.CharField(source="person.name")
    status = serializers.CharField()
    status_display = serializers.CharField(source="get_status_display")
    reason = serializers.CharField()
    has_vote = serializers.SerializerMethodField()

    def get_has_vote(self, row) -> bool:
        membership = row.person.membership_or_none
        return bool(membership and membership.has_vote)


class GuestOutput(serializers.Serializer):
    name = serializers.CharField()
    affiliation = serializers.CharField()


class VoteOutput(serializers.Serializer):
    id = serializers.IntegerField()
    subject = serializers.CharField()
    candidate = serializers.IntegerField(source="candidate_id", allow_null=True)
    candidate_name = serializers.CharField(source="candidate.name", default=None)
    expected = serializers.IntegerField()
    present = serializers.IntegerField()
    yes = serializers.IntegerField()
    no = serializers.IntegerField()
    abstain = serializers.IntegerField()
    written_yes = serializers.IntegerField()
    passed = serializers.BooleanField()


class GradeOutput(serializers.Serializer):
    person = serializers.IntegerField(source="person_id")
    person_name = serializers.CharField(source="person.name")
    grade = serializers.CharField()
    grade_display = serializers.CharField(source="get_grade_display")


class AttachmentOutput(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display")

    class Meta:
        model = MeetingAttachment
        fields = ["id", "kind", "kind_display", "original_name", "size", "content_type", "uploaded_at"]


class RevisionOutput(serializers.Serializer):
    changed_at = serializers.DateTimeField()
    changed_by = serializers.CharField(source="changed_by.username", default=None)
    reason = serializers.CharField()
    changes = serializers.JSONField()


class MeetingDetailOutput(serializers.ModelSerializer):
    organization_name = serializers.CharField(source="organization.short_name")
    meeting_type_display = serializers.CharField(source="get_meeting_type_display")
    status_display = serializers.CharField(source="get_status_display")
    host_name = serializers.CharField(source="host.name", default=None)
    recorder_name = serializers.CharField(source="recorder.name", default=None)
    confirmed_by = serializers.CharField(source="confirmed_by.username", default=None)
    attendance = AttendanceOutput(many=True)
    guests = GuestOutput(many=True)
    votes = VoteOutput(many=True)
    grades = GradeOutput(many=True)
    attachments = AttachmentOutput(many=True)
    revisions = RevisionOutput(many=True)

    class Meta:
        model = Meeting
        fields = ["id", "organization", "organization_name", "meeting_type", "meeting_type_display", "title",
                  "held_at", "ends_at", "place", "host", "host_name", "recorder", "recorder_name", "topics",
                  "minutes", "decisions", "follow_ups", "lecturer", "lecture_title", "problems", "rectifications",
                  "status", "status_display", "confirmed_at", "confirmed_by", "attendance", "guests", "votes",
                  "grades", "attachments", "revisions"]


def _detail(user: Any, pk: int) -> dict:
    return MeetingDetailOutput(selectors.meeting_get(user=user, pk=pk)).data


# ---- views ----------------------------------------------------------------------------------------------------

LIST_PARAMETERS = [
    OpenApiParameter("organization", OpenApiTypes.INT, description="党组织 ID（含下级）"),
    OpenApiParameter("meeting_type", OpenApiTypes.STR, many=True, enum=MeetingType.values),
    OpenApiParameter("date_from", OpenApiTypes.DATE, description="会议日期起（含）"),
    OpenApiParameter("date_to", OpenApiTypes.DATE, description="会议日期止（含）"),
    OpenApiParameter("status", OpenApiTypes.STR, enum=MeetingStatus.values),
    OpenApiParameter("q", OpenApiTypes.STR, description="主题包含"),
]


class MeetingListCreateApi(GenericAPIView):
    """Meetings in the caller's scope, newest first; POST records one (LOG_MEETINGS on its organization)."""

    permission_classes = [IsAuthenticated]
    serializer_class = MeetingListOutput
    filter_backends: list = []
    queryset = Meeting.objects.none()

    @extend_schema(tags=TAGS, summary="List meetings in scope", parameters=LIST_PARAMETERS,
                   responses=MeetingListOutput(many=True))
    def get(self, request: Request) -> Response:
        _require_view_anywhere(request.user)
        qs = selectors.meeting_list(user=request.user, params=request.query_params)
        page = self.paginate_queryset(qs)
        data = MeetingListOutput(page if page is not None else qs, many=True).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    @extend_schema(tags=TAGS, summary="Record a meeting", request=MeetingCreateInput,
                   responses={201: MeetingDetailOutput})
    def post(self, request: Request) -> Response:
        serializer = MeetingCreateInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data, nested = _split(serializer.validated_data)
        org = permissions.get_org_or_404(request.user, data.pop("organization"), Capability.LOG_MEETINGS)
        meeting = services.meeting_create(actor=request.user, organization=org, data=data, **nested)
        return Response(_detail(request.user, meeting.pk), status=status.HTTP_201_CREATED)


class MeetingDetailApi(APIView):
    """One meeting with attendance, guests, votes, grades, attachments and revisions; PATCH changes it."""

    permission_classes = [IsAuthenticated]

    @extend_schema(tags=TAGS, summary="Retrieve a meeting", responses={200: MeetingDetailOutput})
    def get(self, request: Request, pk: int) -> Response:
        return Response(_detail(request.user, pk))

    @extend_schema(tags=TAGS, summary="Update a meeting (a confirmed one needs a reason)",
                   request=MeetingUpdateInput, responses={200: MeetingDetailOutput})
    def patch(self, request: Request, pk: int) -> Response:
        meeting = selectors.meeting_get(user=request.user, pk=pk, capability=Capability.LOG_MEETINGS)
        serializer = MeetingUpdateInput(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data, nested = _split(serializer.validated_data)
        reason = data.pop("reason", "")
        services.meeting_update(actor=request.user, meeting=meeting, data=data, reason=reason, **nested)
        return Response(_detail(request.user, pk))


class MeetingConfirmApi(APIView):
    """The host, or someone with LOG_MEETINGS, confirms the record; it locks."""

    permission_classes = [IsAuthenticated]

    @extend_schema_serializer(component_name="MeetingConfirmOutput")
    class OutputSerializer(serializers.ModelSerializer):
        status_display = serializers.CharField(source="get_status_display")
        confirmed_by = serializers.CharField(source="confirmed_by.username", default=None)

        class Meta:
            model = Meeting
            fields = ["id", "status", "status_display", "confirmed_at", "confirmed_by"]

    @extend_schema(tags=TAGS, summary="Confirm (lock) a meeting record", request=None,
                   responses={200: OutputSerializer})
    def post(self, request: Request, pk: int) -> Response:
        # The service decides: the host (who may hold no role at all), else LOG_MEETINGS (404/403).
        meeting = get_object_or_404(Meeting, pk=pk)
        meeting = services.meeting_confirm(actor=request.user, meeting=meeting)
        return Response(self.OutputSerializer(meeting).data)


class MeetingAttachmentApi(APIView):
    """Upload a photo (JPG, PNG, WebP) or a PDF to a meeting (multipart: file, kind)."""

    permission_classes = [IsAuthenticated]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema_serializer(component_name="MeetingAttachmentInput")
    class InputSerializer(StrictFieldsMixin, serializers.Serializer):
        file = serializers.FileField()
        kind = serializers.ChoiceField(choices=AttachmentKind.choices, default=AttachmentKind.PHOTO)

    @extend_schema(tags=TAGS, summary="Attach a file to a meeting", request={"multipart/form-data": InputSerializer},
                   responses={201: AttachmentOutput})
    def post(self, request: Request, pk: int) -> Response:
        meeting = selectors.meeting_get(user=request.user, pk=pk, capability=Capability.LOG_MEETINGS)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        attachment = services.attachment_add(actor=request.user, meeting=meeting,
                                             uploaded_file=serializer.validated_data["file"],
                                             kind=serializer.validated_data["kind"])
        return Response(AttachmentOutput(attachment).data, status=status.HTTP_201_CREATED)


class MeetingAttachmentDeleteApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(tags=TAGS, summary="Remove an attachment (from a confirmed record: ?reason= required)",
                   parameters=[OpenApiParameter("reason", OpenApiTypes.STR, description="已确认的记录须填写原因")],
                   responses={204: None})
    def delete(self, request: Request, pk: int, attachment_pk: int) -> Response:
        meeting = selectors.meeting_get(user=request.user, pk=pk, capability=Capability.LOG_MEETINGS)
        attachment = meeting.attachments.filter(pk=attachment_pk).first()
        if attachment is None:
            raise Http404
        services.attachment_delete(actor=request.user, attachment=attachment,
                                   reason=request.query_params.get("reason", ""))
        return Response(status=status.HTTP_204_NO_CONTENT)


class DefaultAttendeeOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    organization_name = serializers.CharField(source="organization.short_name")
    has_vote = serializers.SerializerMethodField()
    category = serializers.SerializerMethodField()

    def get_has_vote(self, person) -> bool:
        membership = person.membership_or_none
        return bool(membership and membership.has_vote)

    def get_category(self, person) -> str | None:
        membership = person.membership_or_none
        return membership.category if membership else None


class DefaultAttendeesApi(APIView):
    """Who should attend a meeting of this type (committee members, the party group, the whole branch)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=TAGS, summary="Default attendees for a meeting type",
        parameters=[OpenApiParameter("organization", OpenApiTypes.INT, required=True),
                    OpenApiParameter("meeting_type", OpenApiTypes.STR, required=True, enum=MeetingType.values)],
        responses=DefaultAttendeeOutput(many=True),
    )
    def get(self, request: Request) -> Response:
        meeting_type = request.query_params.get("meeting_type", "")
        org_pk = request.query_params.get("organization", "")
        errors = {}
        if meeting_type not in MeetingType.values:
            errors["meeting_type"] = [gettext("请选择有效的会议类型。")]
        if not str(org_pk).isdigit():
            errors["organization"] = [gettext("请指定党组织。")]
        if errors:
            raise serializers.ValidationError(errors)
        org = permissions.get_org_or_404(request.user, org_pk, Capability.LOG_MEETINGS)
        people = services.default_attendees(organization=org, meeting_type=meeting_type)
        return Response(DefaultAttendeeOutput(people, many=True).data)


class AbsentMemberOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    organization = serializers.IntegerField(source="organization_id")
    organization_name = serializers.CharField(source="organization.short_name")
    political_status = serializers.CharField()
    political_status_display = serializers.CharField(source="get_political_status_display")
    last_attended_at = serializers.DateTimeField(allow_null=True)
    lost_contact = serializers.SerializerMethodField()

    def get_lost_contact(self, person) -> bool:
        membership = person.membership_or_none
        return bool(membership and membership.lost_contact)


class AbsentMembersApi(GenericAPIView):
    """Party members of an organization (and everything below it) who attended no organizational life for the
    review period (PORTAL_ABSENCE_REVIEW_MONTHS, six by default; domain.md §3.2), with their last attendance.
    Needs VIEW_PEOPLE or LOG_MEETINGS on the organization: outside the caller's scope 404, inside without 403."""

    permission_classes = [IsAuthenticated]
    serializer_class = AbsentMemberOutput
    filter_backends: list = []
    queryset = Meeting.objects.none()

    @extend_schema(
        tags=TAGS, summary="Members without organizational life for the review period",
        parameters=[OpenApiParameter("organization", OpenApiTypes.INT, required=True)],
        responses=AbsentMemberOutput(many=True),
    )
    def get(self, request: Request) -> Response:
        org_pk = request.query_params.get("organization", "")
        if not str(org_pk).isdigit():
            raise serializers.ValidationError({"organization": [gettext("请指定党组织。")]})
        org = get_object_or_404(Organization, pk=org_pk)
        qs = selectors.absent_members(user=request.user, organization=org)
        page = self.paginate_queryset(qs)
        data = AbsentMemberOutput(page if page is not None else qs, many=True).data
        return self.get_paginated_response(data) if page is not None else Response(data)

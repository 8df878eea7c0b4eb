"""People API (/api/v1/people/): the same selectors, filters and services as the pages."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from branches.api_utils import StrictFieldsMixin
from branches.permissions import Capability, HasCapability

from . import selectors, services
from .codes import (
    ETHNICITY_CHOICES,
    Degree,
    Education,
    LostContactReason,
    MemberCategory,
    MembershipStatus,
    PoliticalStatus,
    Sex,
    TitleLevel,
)
from .filters import PersonFilter
from .models import Person

# ---- output -------------------------------------------------------------------------------------------


@extend_schema_field(OpenApiTypes.STR)
class LabelField(serializers.Field):
    """The label of a choice value ("男" for sex "1"): a dict lookup, not get_FOO_display per row."""

    def __init__(self, choices: Any, **kwargs: Any) -> None:
        self.labels = dict(choices)
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, value: Any) -> str:
        return str(self.labels.get(value, ""))


class OrganizationRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    short_name = serializers.CharField()


class MembershipOutputSerializer(serializers.Serializer):
    category = serializers.CharField()
    category_display = LabelField(MemberCategory.choices, source="category")
    admitted_on = serializers.DateField()
    converted_on = serializers.DateField(allow_null=True)
    party_group = OrganizationRefSerializer(allow_null=True)
    status = serializers.CharField()
    status_display = LabelField(MembershipStatus.choices, source="status")
    rights_suspended = serializers.BooleanField()
    lost_contact = serializers.BooleanField()
    lost_contact_on = serializers.DateField(allow_null=True)
    lost_contact_reason = serializers.CharField()
    mobile = serializers.BooleanField()
    mobile_since = serializers.DateField(allow_null=True)
    mobile_destination = serializers.CharField()


class PersonOutputSerializer(serializers.Serializer):
    """A person as the API shows them: the ID number always masked."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    name_pinyin = serializers.CharField()
    sex = serializers.CharField()
    sex_display = LabelField(Sex.choices, source="sex")
    ethnicity = serializers.CharField()
    ethnicity_display = LabelField(ETHNICITY_CHOICES, source="ethnicity")
    birth_date = serializers.DateField()
    age = serializers.IntegerField()
    id_number_masked = serializers.CharField(source="masked_id_number")
    education = serializers.CharField()
    degree = serializers.CharField()
    title = serializers.CharField()
    title_level = serializers.CharField()
    returned_from_abroad = serializers.BooleanField()
    discipline = serializers.CharField()
    post = serializers.CharField()
    phone = serializers.CharField()
    email = serializers.CharField()
    political_status = serializers.CharField()
    political_status_display = LabelField(PoliticalStatus.choices, source="political_status")
    organization = OrganizationRefSerializer()
    membership = MembershipOutputSerializer(source="membership_or_none", allow_null=True)
    updated_at = serializers.DateTimeField()


def _out(person: Person) -> dict[str, Any]:
    return PersonOutputSerializer(person).data


# ---- input --------------------------------------------------------------------------------------------


def _blank_choices(choices: Any) -> list:
    return [("", "")] + [c for c in choices if c[0] != ""]


class MembershipInputSerializer(StrictFieldsMixin, serializers.Serializer):
    category = serializers.ChoiceField(choices=MemberCategory.choices)
    admitted_on = serializers.DateField()
    converted_on = serializers.DateField(required=False, allow_null=True)
    party_group = serializers.IntegerField(required=False, allow_null=True, help_text=_("党小组的 id"))
    status = serializers.ChoiceField(choices=MembershipStatus.choices, required=False)
    rights_suspended = serializers.BooleanField(required=False)
    lost_contact = serializers.BooleanField(required=False)
    lost_contact_on = serializers.DateField(required=False, allow_null=True)
    lost_contact_reason = serializers.ChoiceField(choices=_blank_choices(LostContactReason.choices),
                                                  required=False, allow_blank=True)
    mobile = serializers.BooleanField(required=False)
    mobile_since = serializers.DateField(required=False, allow_null=True)
    mobile_destination = serializers.CharField(required=False, allow_blank=True, max_length=100)


class PersonInputSerializer(StrictFieldsMixin, serializers.Serializer):
    name = serializers.CharField(max_length=50)
    sex = serializers.ChoiceField(choices=Sex.choices)
    ethnicity = serializers.ChoiceField(choices=ETHNICITY_CHOICES, required=False)
    birth_date = serializers.DateField()
    id_number = serializers.CharField(required=False, allow_blank=True, allow_null=True, max_length=20)
    education = serializers.ChoiceField(choices=_blank_choices(Education.choices), required=False, allow_blank=True)
    degree = serializers.ChoiceField(choices=_blank_choices(Degree.choices), required=False, allow_blank=True)
    title = serializers.CharField(required=False, allow_blank=True, max_length=60)
    title_level = serializers.ChoiceField(choices=_blank_choices(TitleLevel.choices), required=False,
                                          allow_blank=True)
    returned_from_abroad = serializers.BooleanField(required=False)
    discipline = serializers.CharField(required=False, allow_blank=True, max_length=100)
    post = serializers.CharField(required=False, allow_blank=True, max_length=100)
    phone = serializers.CharField(required=False, allow_blank=True, max_length=20)
    email = serializers.CharField(required=False, allow_blank=True, max_length=254)
    political_status = serializers.ChoiceField(choices=PoliticalStatus.choices, required=False)
    organization = serializers.IntegerField(help_text=_("所在党组织的 id"))
    membership = MembershipInputSerializer(required=False, allow_null=True)


class PersonUpdateSerializer(PersonInputSerializer):
    """PATCH: any subset of the person's fields; the organization changes only through move."""

    organization = None  # type: ignore[assignment]


class PersonMoveSerializer(StrictFieldsMixin, serializers.Serializer):
    organization = serializers.IntegerField(help_text=_("调入党组织的 id"))


class IdNumberSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    id_number = serializers.CharField()


class PersonPagination(PageNumberPagination):
    django_paginator_class = selectors.PersonPaginator


# ---- views --------------------------------------------------------------------------------------------


class PersonListCreateApi(GenericAPIView):
    """GET: people in the user's scope, filtered and ordered like the people page. POST: create a person."""

    permission_classes = [IsAuthenticated, HasCapability]
    capability = Capability.VIEW_PEOPLE
    write_capability = Capability.EDIT_PEOPLE
    filter_backends = [DjangoFilterBackend]
    filterset_class = PersonFilter
    pagination_class = PersonPagination
    serializer_class = PersonOutputSerializer

    def get_queryset(self):
        return selectors.person_scope(user=self.request.user)

    @extend_schema(responses=PersonOutputSerializer(many=True))
    def get(self, request: Request) -> Response:
        qs = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(PersonOutputSerializer(page, many=True).data)

    @extend_schema(request=PersonInputSerializer, responses={201: PersonOutputSerializer})
    def post(self, request: Request) -> Response:
        serializer = PersonInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        person = services.person_create(actor=request.user, data=serializer.validated_data)
        person = selectors.person_get(user=request.user, pk=person.pk)
        return Response(_out(person), status=status.HTTP_201_CREATED)


class PersonDetailApi(GenericAPIView):
    """GET: one person (everyone may read their own record). PATCH: change their facts and membership."""

    permission_classes = [IsAuthenticated]
    serializer_class = PersonOutputSerializer

    @extend_schema(responses=PersonOutputSerializer)
    def get(self, request: Request, pk: int) -> Response:
        return Response(_out(selectors.person_get(user=request.user, pk=pk)))

    @extend_schema(request=PersonUpdateSerializer, responses=PersonOutputSerializer)
    def patch(self, request: Request, pk: int) -> Response:
        person = selectors.person_get(user=request.user, pk=pk, capability=Capability.EDIT_PEOPLE)
        serializer = PersonUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        services.person_update(actor=request.user, person=person, data=serializer.validated_data)
        return Response(_out(selectors.person_get(user=request.user, pk=pk)))


class PersonMoveApi(GenericAPIView):
    """Move a person to another organization (EDIT_PEOPLE on both)."""

    permission_classes = [IsAuthenticated]
    serializer_class = PersonMoveSerializer

    @extend_schema(request=PersonMoveSerializer, responses=PersonOutputSerializer)
    def post(self, request: Request, pk: int) -> Response:
        person = selectors.person_get(user=request.user, pk=pk, capability=Capability.EDIT_PEOPLE)
        serializer = PersonMoveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.person_move(actor=request.user, person=person,
                             organization=serializer.validated_data["organization"])
        return Response(_out(selectors.person_get(user=request.user, pk=pk)))


class PersonIdNumberApi(GenericAPIView):
    """The full ID number (VIEW_ID_NUMBERS on the person's organization); every call is written to the audit log."""

    permission_classes = [IsAuthenticated]
    serializer_class = IdNumberSerializer

    @extend_schema(responses=IdNumberSerializer)
    def get(self, request: Request, pk: int) -> Response:
        person = selectors.person_get(user=request.user, pk=pk, capability=Capability.VIEW_ID_NUMBERS)
        number = services.id_number_reveal(actor=request.user, person=person)
        return Response({"id": person.pk, "id_number": number})


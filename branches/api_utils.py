"""Shared API pieces: Chinese error bodies, and serializers that refuse unknown fields."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from rest_framework import serializers
from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc, context):
    """Turn Django ValidationErrors raised by services into 400 responses with field messages."""
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            detail = {field: [str(m) for m in msgs] for field, msgs in exc.message_dict.items()}
            if "__all__" in detail:
                detail["non_field_errors"] = detail.pop("__all__")
        else:
            detail = {"non_field_errors": [str(m) for m in exc.messages]}
        exc = serializers.ValidationError(detail)
    return drf_exception_handler(exc, context)


class StrictFieldsMixin:
    """Refuse input fields the serializer does not know instead of silently ignoring them."""

    def to_internal_value(self, data):
        if hasattr(data, "keys"):
            known = {name for name, f in self.fields.items() if not f.read_only}
            unknown = sorted(set(data.keys()) - known)
            if unknown:
                raise serializers.ValidationError(
                    {name: [_("未知字段。")] for name in unknown}
                )
        return super().to_internal_value(data)


TRUE_VALUES = frozenset({"1", "true", "on", "yes"})


def query_flag(params, name: str) -> bool:
    """A yes/no query parameter (?overdue=1, ?warnings=true)."""
    return str(params.get(name, "")).strip().lower() in TRUE_VALUES

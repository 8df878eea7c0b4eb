import datetime

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType

from branches.models import RoleKind
from tests.factories import RoleFactory, UserFactory


@pytest.fixture
def admin_yi(world):
    """组织部 staff of the other institute only: ADMINISTER there, nothing over 甲所."""
    user = UserFactory(username="zuzhibu_yi")
    RoleFactory(user=user, organization=world.other_institute, kind=RoleKind.ORG_DEPARTMENT)
    world.users["zuzhibu_yi"] = user
    return user


def audit_entries(obj, action=None):
    qs = LogEntry.objects.filter(content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk)
    if action is not None:
        qs = qs.filter(action=action)
    return qs.order_by("timestamp", "pk")


def days(n: int) -> datetime.date:
    from django.utils import timezone

    return timezone.localdate() + datetime.timedelta(days=n)

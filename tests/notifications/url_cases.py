"""Rows of tests/test_url_matrix.py for the reminder URLs (see Case there), and the objects they need."""

from tests.test_url_matrix import Case

LOGIN = 302
API_ANON = 403

# shuji_a's own notification: only shuji_a reaches it; for everyone else it does not exist.
OWNER_ONLY = {"shuji_a": 200}

CASES: dict = {
    "notifications:list": Case("/notifications/", {"anonymous": LOGIN}, default=200),
    "notifications:read": Case(lambda w: f"/notifications/{w.notification_a.pk}/read/",
                               {"anonymous": LOGIN, "shuji_a": 302}, method="post", default=404),
    "notifications:read_all": Case("/notifications/read-all/", {"anonymous": LOGIN}, method="post", default=302),
    "api-notifications": Case("/api/v1/notifications/", {"anonymous": API_ANON}, default=200),
    "api-notification-read": Case(lambda w: f"/api/v1/notifications/{w.notification_a.pk}/read/",
                                  {"anonymous": API_ANON, **OWNER_ONLY}, method="post", default=404),
}


def prepare(world) -> None:
    """A reminder of branch A for shuji_a."""
    from django.utils import timezone

    from branches.models import Notification, NotificationKind

    world.__dict__["notification_a"] = Notification.objects.create(
        user=world.shuji_a, organization=world.branch_a, kind=NotificationKind.MEETING_DUE,
        key=f"meeting:committee:test:{world.branch_a.pk}", title="本月支部委员会尚未召开",
        url=f"/compliance/branch/{world.branch_a.pk}/", created_on=timezone.localdate(),
    )

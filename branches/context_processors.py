from django.conf import settings

from . import permissions


def portal(request):
    """Navigation facts every page needs: computed from the cached scope, no extra queries."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"LANGUAGES": settings.LANGUAGES}
    C = permissions.Capability
    scope = permissions.scope_for(user)
    # Reminders go to role holders only: one count query for them, none for everyone else.
    unread = 0
    if scope.role_kinds or scope.is_superuser:
        from .models import Notification

        unread = Notification.objects.filter(user=user, read_at__isnull=True).count()
    return {
        "notifications_unread": unread,
        "LANGUAGES": settings.LANGUAGES,
        "nav": {
            "people": permissions.has_capability_anywhere(user, C.VIEW_PEOPLE),
            "orgs": bool(permissions.scope_for(user).any_roots) or user.is_superuser,
            "administer": permissions.has_capability_anywhere(user, C.ADMINISTER),
            "audit": user.is_superuser,
            "committee": permissions.is_committee_user(user),
            "meetings": permissions.has_capability_anywhere(user, C.LOG_MEETINGS)
            or permissions.has_capability_anywhere(user, C.VIEW_PEOPLE),
            "liaison": permissions.has_capability_anywhere(user, C.REVIEW_LIAISONS),
            "notices": permissions.has_capability_anywhere(user, C.ISSUE_NOTICES)
            or permissions.has_capability_anywhere(user, C.LOG_MEETINGS),
        },
    }

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework.authtoken.views import obtain_auth_token

from branches import views as branch_views

api_v1 = [
    path("auth/token/", obtain_auth_token, name="api-token"),
    path("", include("branches.api_urls")),
    path("", include("members.api_urls")),
    path("", include("reports.api_urls")),
    path("", include("branches.meetings.api_urls")),
    path("", include("branches.notices.api_urls")),
    path("", include("branches.notifications_api")),
    path("", include("recruitment.api_urls")),
    path("", include("recruitment.plan_api_urls")),
    path("", include("liaison.api_urls")),
    path("", include("imports.api_urls")),
    path("", include("reports.periodic.api_urls")),
]

urlpatterns = [
    path("", branch_views.dashboard, name="dashboard"),
    path("accounts/login/", branch_views.PortalLoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password/",
        auth_views.PasswordChangeView.as_view(template_name="registration/password_change.html"),
        name="password_change",
    ),
    path(
        "accounts/password/done/",
        auth_views.PasswordChangeDoneView.as_view(template_name="registration/password_change_done.html"),
        name="password_change_done",
    ),
    path("i18n/", include("django.conf.urls.i18n")),
    path("orgs/", include("branches.urls")),
    path("meetings/", include("branches.meetings.urls")),
    path("compliance/", include("branches.meetings.compliance_urls")),
    path("notices/", include("branches.notices.urls")),
    path("notifications/", include("branches.notifications_urls")),
    path("people/", include("members.urls")),
    path("recruitment/", include("recruitment.urls")),
    path("liaison/", include("liaison.urls")),
    path("jobs/", include("reports.urls")),
    path("reports/", include("reports.periodic.urls")),
    path("imports/", include("imports.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

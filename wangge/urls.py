from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from wangge.api import api
from wangge.core import views as core_views

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("", core_views.home, name="home"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("org/", include("wangge.org.urls")),
    path("cases/", include("wangge.cases.urls")),
    path("people/", include("wangge.people.urls")),
    path("campaigns/", include("wangge.campaigns.urls")),
    path("claims/", include("wangge.claims.urls")),
    path("meetings/", include("wangge.meetings.urls")),
    path("info-reports/", include("wangge.info_reports.urls")),
    path("public/campaigns/", include("wangge.campaigns.public_urls")),
    path("public/claims/", include("wangge.claims.public_urls")),
    path("public/meetings/", include("wangge.meetings.public_urls")),
    path("public/", include("wangge.cases.public_urls")),
    path("analytics/", include("wangge.analytics.urls")),
    path("evaluation/", include("wangge.evaluation.urls")),
    path("routing/", include("wangge.routing.urls")),
    path("api/v1/", api.urls),
    path("open311/v2/", include("wangge.open311.urls")),
    path("django-admin/", admin.site.urls),
]

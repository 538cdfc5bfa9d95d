from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from exporthub.dashboard.views.overview import overview

urlpatterns = [
    path("", overview, name="home"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),  # set_language: the language switch
    path("", include("exporthub.ops.urls")),
    path("", include("exporthub.sync.urls")),
    path("", include("exporthub.api.urls")),
    path("", include("exporthub.connectors.urls")),
    path("", include("exporthub.dashboard.urls")),
    path("notifications/", include("exporthub.notifications.urls")),
]

if settings.SANDBOX_ENABLED:
    urlpatterns.append(path("sandbox/", include("exporthub.sandbox.urls")))

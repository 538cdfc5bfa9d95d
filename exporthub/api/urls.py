from __future__ import annotations

from django.urls import path, re_path

from exporthub.api import views
from exporthub.api.main import api, not_found

urlpatterns = [
    path("api/", api.urls),
    re_path(r"^api/(?P<rest>.*)$", not_found),
    path("settings/api-tokens/", views.token_list, name="api-tokens"),
    path("settings/api-tokens/<int:pk>/revoke/", views.token_revoke, name="api-token-revoke"),
]

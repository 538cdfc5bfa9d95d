from __future__ import annotations

from django.urls import path

from exporthub.sandbox import views

app_name = "sandbox"
urlpatterns = [
    path("", views.home, name="home"),
]

from __future__ import annotations

from django.urls import path

from exporthub.sync import webhooks

app_name = "sync"
urlpatterns = [
    path("webhooks/pleo/", webhooks.pleo_webhook, name="pleo-webhook"),
]

from __future__ import annotations

from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    """Telling the right people about failed, stuck or unmapped exports, by email or webhook."""

    name = "exporthub.notifications"
    label = "notifications"
    verbose_name = "Notifications"

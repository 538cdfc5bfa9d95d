from __future__ import annotations

from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "exporthub.demo"
    label = "demo"
    verbose_name = "Local demo"

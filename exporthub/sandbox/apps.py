from __future__ import annotations

from django.apps import AppConfig


class SandboxConfig(AppConfig):
    name = "exporthub.sandbox"
    label = "sandbox"
    verbose_name = "Pleo sandbox"

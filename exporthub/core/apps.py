from __future__ import annotations

from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "exporthub.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from exporthub.core import checks  # noqa: F401  (registers the start-up checks)

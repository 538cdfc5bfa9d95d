from __future__ import annotations

from django.apps import AppConfig


class OpsConfig(AppConfig):
    """Day-2 operations: health check, metrics, structured logs, error reporting."""

    name = "exporthub.ops"
    label = "ops"
    verbose_name = "Operations"

    def ready(self) -> None:
        from exporthub.ops import checks  # noqa: F401  (registers the start-up checks)

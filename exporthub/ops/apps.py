from __future__ import annotations

from django.apps import AppConfig


class OpsConfig(AppConfig):
    """Day-2 operations: health check, metrics, structured logs, error reporting."""

    name = "exporthub.ops"
    label = "ops"
    verbose_name = "Operations"

    def ready(self) -> None:
        from exporthub.core.signals import external_calls
        from exporthub.ops import checks  # noqa: F401  (registers the start-up checks)
        from exporthub.ops.instrument import record_external_calls

        external_calls.connect(record_external_calls, dispatch_uid="ops-external-calls")

"""Optional Sentry (SENTRY_DSN): web errors, django-q2 task failures, the engine's catch-all.

Web errors come through Sentry's Django integration. Task failures reach Sentry through
django-q2's error reporter hook (`Q_CLUSTER["error_reporter"]`, the entry point `exporthub`
below). The engine reports the errors it catches and records with `core.errors.report_exception`.
Log records are not sent as events (that would report each of those twice).
"""

from __future__ import annotations

from typing import Any


def init_sentry(dsn: str, *, environment: str = "", release: str = "", **options: Any) -> bool:
    """Start Sentry when a DSN is given (personal data is not sent); True when started."""
    if not dsn:
        return False
    import sentry_sdk
    from sentry_sdk.integrations.django import DjangoIntegration
    from sentry_sdk.integrations.logging import LoggingIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=environment or None,
        release=release or None,
        integrations=[DjangoIntegration(), LoggingIntegration(event_level=None)],
        **options,
    )
    return True


class QueueErrorReporter:
    """django-q2's error reporter: called inside the worker's `except` for a failed task."""

    def __init__(self, **conf: Any):
        self.conf = conf

    def report(self) -> None:
        from exporthub.core.errors import report_exception

        report_exception()

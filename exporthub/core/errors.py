"""Reporting unexpected errors to the error tracker (Sentry), when one is configured."""

from __future__ import annotations


def report_exception() -> None:
    """Send the exception being handled to Sentry if SENTRY_DSN configured it; else do nothing."""
    try:
        import sentry_sdk
    except ImportError:  # the `sentry` extra is not installed
        return
    if sentry_sdk.is_initialized():
        sentry_sdk.capture_exception()

"""django-q2 entry points of the notifications (thin wrappers)."""

from __future__ import annotations

from exporthub.notifications.delivery import deliver_due
from exporthub.notifications.events import send_digests, sweep


def sweep_and_deliver() -> int:
    """Scheduled every minute: record new events, then send what is due; returns sent."""
    sweep()
    return deliver_due()


def daily_digest() -> int:
    """Scheduled daily: each subscribed company's digest, sent at once."""
    send_digests()
    return deliver_due()

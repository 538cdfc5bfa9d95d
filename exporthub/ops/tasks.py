"""django-q2 entry points of the operations app."""

from __future__ import annotations

import socket

from django.utils import timezone

from exporthub.ops.models import WorkerHeartbeat


def heartbeat() -> None:
    """Scheduled every minute: the worker's machine records that its cluster is alive."""
    WorkerHeartbeat.objects.update_or_create(
        worker=socket.gethostname()[:200], defaults={"beat_at": timezone.now()}
    )

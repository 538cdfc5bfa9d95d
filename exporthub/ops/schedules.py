"""The operations app's recurring task, declared beside the sync engine's (sync/schedules.py)."""

from __future__ import annotations

from django_q.models import Schedule

HEARTBEAT = "exporthub: worker heartbeat"


def ensure_heartbeat_schedule() -> None:
    Schedule.objects.update_or_create(
        name=HEARTBEAT,
        defaults={
            "func": "exporthub.ops.tasks.heartbeat",
            "schedule_type": Schedule.MINUTES,
            "minutes": 1,
            "repeats": -1,
        },
    )

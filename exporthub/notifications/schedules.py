"""The notifications' recurring tasks, declared beside the sync engine's (sync/schedules.py)."""

from __future__ import annotations

from django_q.models import Schedule

SCHEDULES = {
    "exporthub: notify about failed, stuck and unmapped exports": {
        "func": "exporthub.notifications.tasks.sweep_and_deliver",
        "schedule_type": Schedule.MINUTES,
        "minutes": 1,
    },
    "exporthub: daily digest": {
        "func": "exporthub.notifications.tasks.daily_digest",
        "schedule_type": Schedule.DAILY,
    },
}


def ensure_notification_schedules() -> list[str]:
    for name, fields in SCHEDULES.items():
        Schedule.objects.update_or_create(name=name, defaults={"repeats": -1, **fields})
    return list(SCHEDULES)

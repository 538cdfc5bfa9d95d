"""The recurring tasks, declared in code and upserted by name (`manage.py sync_schedules`)."""

from __future__ import annotations

from django.utils.module_loading import import_string
from django_q.models import Schedule

SCHEDULES = {
    "exporthub: poll Pleo for export jobs": {
        "func": "exporthub.sync.tasks.poll_all",
        "schedule_type": Schedule.MINUTES,
        "minutes": 1,
    },
    "exporthub: refresh the export queue from Pleo": {
        "func": "exporthub.sync.tasks.refresh_export_queues",
        "schedule_type": Schedule.MINUTES,
        "minutes": 15,
    },
    "exporthub: reconcile the hub, Pleo and the ERP": {
        "func": "exporthub.sync.tasks.reconcile_all",
        "schedule_type": Schedule.DAILY,
    },
    "exporthub: push the ERP's tags and tax codes into Pleo": {
        "func": "exporthub.sync.tasks.push_master_data_nightly",
        "schedule_type": Schedule.DAILY,
    },
    "exporthub: delete receipts whose links have expired": {
        "func": "exporthub.sync.tasks.prune_receipt_links",
        "schedule_type": Schedule.DAILY,
    },
}


def ensure_schedules() -> list[str]:
    """Create or update every declared schedule; returns their names."""
    for name, fields in SCHEDULES.items():
        import_string(fields["func"])  # fail loudly on a path that does not import
        Schedule.objects.update_or_create(name=name, defaults={"repeats": -1, **fields})
    return list(SCHEDULES)

"""Which export items a newer export of the same entry follows (`ExportItem.superseded`).

A failed item stops being an open failure once its entry went into a newer export job (a retry,
or an export started in Pleo), whatever became of it there. The flag is set when the newer
items arrive, so the failure pages read one indexed column instead of looking for newer items
of every failure. Correction jobs post nothing: their items never supersede anything.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Exists, OuterRef

from exporthub.sync.correction_models import in_correction_job
from exporthub.sync.models import ExportItem

CHUNK = 500


def supersede_older(integration_id: int, entry_ids: Iterable) -> int:
    """Mark the integration's items of `entry_ids` that a newer item (not of a correction job)
    of the same entry follows; how many were marked. Indexed lookups by entry id, in chunks."""
    wanted = list(dict.fromkeys(entry_ids))
    marked = 0
    for start in range(0, len(wanted), CHUNK):
        newer = ExportItem.objects.filter(
            accounting_entry_id=OuterRef("accounting_entry_id"),
            job__integration_id=integration_id,
            id__gt=OuterRef("id"),
        ).exclude(in_correction_job("job"))
        marked += (
            ExportItem.objects.filter(
                job__integration_id=integration_id,
                accounting_entry_id__in=wanted[start : start + CHUNK],
                superseded=False,
            )
            .filter(Exists(newer))
            .update(superseded=True)
        )
    return marked

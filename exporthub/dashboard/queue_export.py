"""Exporting queued entries in a new Pleo job: the limits, the pre-flight summary, the export.

The queue page and the API both export through here.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from django.db.models import Count
from django.utils.translation import gettext_lazy

from exporthub.sync.actions import create_export_job
from exporthub.sync.models import ExportJob, Integration
from exporthub.sync.queue_mirror import apply_job_results, record_export_request

MAX_EXPORT = 10_000
# What each stored pre-flight problem (QueuedEntry.problems) means, for the confirmation step.
PROBLEM_LABELS = {
    "account": gettext_lazy("no account mapping"),
    "tax_code": gettext_lazy("no tax code mapping"),
    "period": gettext_lazy("in a closed period"),
    "unbalanced": gettext_lazy("does not balance"),
}


def problem_keys(rows) -> list[tuple[str, int]]:
    """How many of `rows` have each known pre-flight problem (its key), most frequent first."""
    counts: Counter[str] = Counter()
    combinations = (
        rows.exclude(problems="").order_by().values_list("problems").annotate(n=Count("id"))
    )
    for problems, n in combinations:
        for problem in problems.split():
            counts[problem] += n
    return counts.most_common()


def problem_counts(rows) -> list[tuple[str, int]]:
    """As `problem_keys`, each problem named in words."""
    return [(str(PROBLEM_LABELS.get(p, p)), n) for p, n in problem_keys(rows)]


def export_entries(integration: Integration, ids: Sequence[str], *, user) -> ExportJob:
    """One new Pleo export job over `ids`; the queue mirror learns they left the queue.

    Raises the Pleo client's errors unchanged.
    """
    job = create_export_job(integration, ids, user=user)
    record_export_request(integration, ids)
    job.refresh_from_db()
    apply_job_results(job)
    return job

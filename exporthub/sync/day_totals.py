"""Per-day totals the overview sums instead of scanning tens of thousands of rows per request:
a finished job's exported entries per day (kept with the job's counts) and Pleo's export queue
as mirrored (kept with the mirror)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from django.db import models, transaction
from django.db.models import Count, Max, Q, QuerySet, Sum
from django.db.models.functions import TruncDate


class JobDayTotals(models.Model):
    """One job's exported items of one local day, two ways: exported on that day (the overview's
    chart) and dated that day (month-end readiness, by entry date). Written by
    `ExportJob.recount()`, which the engine calls when a job's items are loaded and when it
    ends, and the dashboard after a manual mark; never by hand."""

    job = models.ForeignKey("sync.ExportJob", on_delete=models.CASCADE, related_name="day_totals")
    integration = models.ForeignKey(
        "sync.Integration", on_delete=models.CASCADE, related_name="job_day_totals"
    )
    day = models.DateField(help_text="A day in the hub's time zone.")
    exported = models.PositiveIntegerField(
        default=0, help_text="Items of the job exported on that day."
    )
    entries = models.PositiveIntegerField(
        default=0, help_text="Exported items of the job whose entry date is that day."
    )
    last_exported_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["job", "day"], name="unique_job_day_totals")]
        indexes = [
            models.Index(
                fields=["integration", "day", "job", "exported", "entries", "last_exported_at"],
                name="job_day_totals_overview",
            )
        ]

    def __str__(self) -> str:
        return f"Job {self.job_id} on {self.day}"


def recount_days(job) -> None:
    """Rewrite the job's day totals from its exported items.

    A correction job posts nothing: its items re-send entries another job exported (and a
    manual mark turns the corrected item itself into an exported one), so it adds no day
    totals and each entry is counted once."""
    from exporthub.sync.models import ItemStatus

    per_day: dict = defaultdict(lambda: {"exported": 0, "entries": 0, "last_exported_at": None})
    if not job.corrections.exists():
        exported = job.items.filter(status=ItemStatus.SUCCESSFUL).order_by()
        by_export_day = (
            exported.exclude(exported_at=None)
            .annotate(day=TruncDate("exported_at"))
            .values("day")
            .annotate(n=Count("id"), last=Max("exported_at"))
        )
        for row in by_export_day:
            per_day[row["day"]].update(exported=row["n"], last_exported_at=row["last"])
        by_entry_day = (
            exported.exclude(entry_date=None)
            .values("entry_date")
            .annotate(n=Count("accounting_entry_id", distinct=True))
        )
        for row in by_entry_day:
            per_day[row["entry_date"]]["entries"] = row["n"]
    with transaction.atomic():
        JobDayTotals.objects.filter(job=job).delete()
        JobDayTotals.objects.bulk_create(
            JobDayTotals(job=job, integration_id=job.integration_id, day=day, **values)
            for day, values in per_day.items()
        )


class QueueDayTotals(models.Model):
    """Pleo's export queue as mirrored, counted per entry date, status, currency and cause, so
    that the overview reads a few hundred rows instead of the whole mirror. Rewritten by
    `recount_queue` after every change of the mirror (see `sync/queue_mirror.py`)."""

    integration = models.ForeignKey(
        "sync.Integration", on_delete=models.CASCADE, related_name="queue_day_totals"
    )
    entry_date = models.DateField(null=True, blank=True)
    family = models.CharField(max_length=40, blank=True)
    export_status = models.CharField(max_length=20)
    currency = models.CharField(max_length=3)
    last_failure_reason_type = models.CharField(max_length=80, blank=True)
    problems = models.CharField(max_length=100, blank=True)
    entries = models.PositiveIntegerField(default=0)
    amount_minor = models.BigIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["integration", "entry_date"], name="queue_day_totals_day")]

    def __str__(self) -> str:
        return f"{self.entries} {self.export_status} on {self.entry_date}"


QUEUE_DIMENSIONS = (
    "entry_date",
    "family",
    "export_status",
    "currency",
    "last_failure_reason_type",
    "problems",
)


def recount_queue(integration, entry_dates: Iterable[dt.date | None] | None = None) -> None:
    """Rewrite the integration's queue totals from its mirror: all of them, or only those of
    the given entry dates (after a change to a few entries: a few days' rows instead of the
    whole mirror). One grouped query that the mirror's `queued_overview` index answers alone;
    recounts of one integration take turns (its row is locked), so none double counts."""
    from exporthub.sync.models import Integration

    mirror = integration.queued_entries.all()
    kept = QueueDayTotals.objects.filter(integration=integration)
    if entry_dates is not None:
        dates = set(entry_dates)
        if not dates:
            return
        days = Q(entry_date__in=[day for day in dates if day is not None])
        if None in dates:
            days |= Q(entry_date__isnull=True)
        mirror, kept = mirror.filter(days), kept.filter(days)
    with transaction.atomic():
        Integration.objects.select_for_update().filter(pk=integration.pk).exists()
        rows = (
            mirror.values(*QUEUE_DIMENSIONS)
            .annotate(entries=Count("amount_minor"), amount=Sum("amount_minor"))
            .order_by()
        )
        totals = [
            QueueDayTotals(
                integration=integration,
                entries=row.pop("entries"),
                amount_minor=row.pop("amount") or 0,
                **row,
            )
            for row in rows
        ]
        kept.delete()
        QueueDayTotals.objects.bulk_create(totals, batch_size=1000)


def entry_dates_of(entries: QuerySet) -> set[dt.date | None]:
    """The entry dates of some mirror rows: the days whose totals a change to them touches."""
    return set(entries.order_by().values_list("entry_date", flat=True).distinct())

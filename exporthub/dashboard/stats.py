"""The overview's numbers: per-company totals, the exported-vs-queued chart, month-end readiness."""

from __future__ import annotations

import datetime as dt
import itertools
from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Count, Max, Q, QuerySet, Sum
from django.utils import timezone

from exporthub.core.models import ActivityEntry
from exporthub.dashboard.failures import open_failures
from exporthub.sync.models import ExportItem, ExportJob, Integration, ItemStatus, QueuedEntry

CHART_DAYS = 30


@dataclass
class Bucket:
    count: int = 0
    minor: int = 0


@dataclass
class CompanyStats:
    integration: Integration
    currency: str = ""  # the wallet currency the sums are in
    queued: Bucket = field(default_factory=Bucket)  # waiting in Pleo's queue, never failed
    exporting: Bucket = field(default_factory=Bucket)
    exported: Bucket = field(default_factory=Bucket)
    failed: Bucket = field(default_factory=Bucket)  # open failures (back in Pleo's queue too)
    running: list[ExportJob] = field(default_factory=list)
    erp_check: ActivityEntry | None = None
    last_post: dt.datetime | None = None  # when the ERP last took an entry from this company
    readiness: list[Readiness] = field(default_factory=list)  # closed month, then this one
    chart: Chart | None = None


@dataclass
class Readiness:
    month: dt.date
    total: int = 0
    exported: int = 0
    blockers: list[tuple[str, int]] = field(default_factory=list)

    @property
    def percent(self) -> int | None:
        """Share of the month's entries exported; None for a month without entries (there is
        nothing to be ready for, and "100 %" of nothing would mislead)."""
        return round(100 * self.exported / self.total) if self.total else None


@dataclass
class Chart:
    days: list[dt.date]
    exported: list[int]
    queued: list[int]
    width: int = 600
    height: int = 160

    @property
    def peak(self) -> int:
        return max([*self.exported, *self.queued, 1])

    def bars(self) -> list[dict]:
        """Two bars per day, scaled to the chart's height (SVG user units)."""
        step = self.width / len(self.days)
        bar = step / 2 - 1
        scale = (self.height - 20) / self.peak
        out = []
        for index, day in enumerate(self.days):
            for offset, (name, value) in enumerate(
                (("exported", self.exported[index]), ("queued", self.queued[index]))
            ):
                height = round(value * scale, 1)
                out.append(
                    {
                        "x": round(index * step + offset * (bar + 1), 1),
                        "y": round(self.height - 16 - height, 1),
                        "w": round(bar, 1),
                        "h": height,
                        "series": name,
                        "title": f"{day:%d %b}: {value} {name}",
                    }
                )
        return out

    def labels(self) -> list[dict]:
        step = self.width / len(self.days)
        return [
            {"x": round(i * step, 1), "text": f"{day:%d %b}"}
            for i, day in enumerate(self.days)
            if i % 7 == 0
        ]


def _day_start(day: dt.date) -> dt.datetime:
    """Midnight of `day` in the current time zone: comparing a column with it uses the index,
    where `column__date` makes the database convert every row."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def months_that_matter(today: dt.date) -> list[dt.date]:
    """The first days of the month just closed and of the current month: the ones a
    bookkeeper closes or works on."""
    current = today.replace(day=1)
    return [(current - dt.timedelta(days=1)).replace(day=1), current]


def _next_month(month: dt.date) -> dt.date:
    return (month + dt.timedelta(days=32)).replace(day=1)


def company_stats(
    integrations: QuerySet[Integration], items: QuerySet[ExportItem], today: dt.date | None = None
) -> list[CompanyStats]:
    """Totals for each integration, in a fixed number of queries whatever the row and company
    counts: every figure is one query grouped by integration, over stored columns (never the
    JSON payload) that the indexes on the items and the queue mirror cover."""
    today = today or timezone.localdate()
    stats = {i.pk: CompanyStats(i) for i in integrations}
    ids = list(stats)
    queue = (
        QueuedEntry.objects.filter(integration_id__in=ids, last_failure_reason_type="")
        .values("integration_id", "export_status", "currency")
        .annotate(n=Count("id"), minor=Sum("amount_minor"))
        .order_by()
    )
    for row in queue:
        company = stats[row["integration_id"]]
        bucket = company.exporting if row["export_status"] == "EXPORTING" else company.queued
        bucket.count += row["n"]
        bucket.minor += row["minor"] or 0
        company.currency = row["currency"]
    scoped = items.filter(job__integration_id__in=ids).order_by()
    exported = (
        scoped.filter(status=ItemStatus.SUCCESSFUL)
        .values("job__integration_id", "currency")
        .annotate(n=Count("id"), minor=Sum("amount_minor"), last=Max("exported_at"))
    )
    for row in exported:
        company = stats[row["job__integration_id"]]
        company.exported.count += row["n"]
        company.exported.minor += row["minor"] or 0
        company.currency = company.currency or row["currency"]
        if row["last"] and (company.last_post is None or row["last"] > company.last_post):
            company.last_post = row["last"]
    failed = (
        open_failures(scoped)
        .values("job__integration_id")
        .annotate(n=Count("id"), minor=Sum("amount_minor"))
    )
    for row in failed:
        stats[row["job__integration_id"]].failed = Bucket(row["n"], row["minor"] or 0)
    for job in ExportJob.objects.filter(integration_id__in=ids).unfinished():
        stats[job.integration_id].running.append(job)
    _add_erp_checks(stats)
    for integration_id, value in readiness(ids, scoped, today).items():
        stats[integration_id].readiness = value
    for integration_id, value in chart(ids, scoped, today).items():
        stats[integration_id].chart = value
    return list(stats.values())


def _add_erp_checks(stats: dict[int, CompanyStats]) -> None:
    """The newest connection test of each company's ERP connection."""
    wanted = {str(c.integration.erp_connection_id) for c in stats.values()}
    newest: dict[str, ActivityEntry] = {}
    checks = ActivityEntry.objects.filter(
        object_type="connectors.connectorconfig",
        object_id__in=wanted,
        action__in=["dashboard.erp.tested", "dashboard.erp.test_failed"],
    ).order_by("-created_at", "-id")
    # Newest first, and at most one row per connection is needed: stop once all are found.
    for check in checks.iterator(chunk_size=100):
        newest.setdefault(check.object_id, check)
        if len(newest) == len(wanted):
            break
    for company in stats.values():
        company.erp_check = newest.get(str(company.integration.erp_connection_id))


def readiness(
    integration_ids: list[int], items: QuerySet[ExportItem], today: dt.date
) -> dict[int, list[Readiness]]:
    """Per integration and month that matters: share of the month's entries exported, and what
    blocks the rest, by cause (open failures by reason type, then pre-flight problems of queued
    entries). Each entry counts once: exported, failed, or waiting in the queue (a failed entry
    is back in Pleo's queue too, and is counted as failed only). One query per source, each
    month a filtered count in it."""
    months = months_that_matter(today)
    found = {pk: [Readiness(month=m) for m in months] for pk in integration_ids}
    blockers: dict[int, list[Counter[str]]] = {pk: [Counter() for _ in months] for pk in found}
    mine = items.filter(
        job__integration_id__in=integration_ids,
        entry_date__gte=months[0],
        entry_date__lt=_next_month(months[-1]),
    )

    def per_month(field: str, *, timestamps=False, count="id", distinct=False) -> dict:
        """A filtered count per month; a timestamp column is compared with local midnights."""
        bound = _day_start if timestamps else (lambda day: day)
        return {
            f"m{n}": Count(
                count,
                filter=Q(**{f"{field}__gte": bound(m), f"{field}__lt": bound(_next_month(m))}),
                distinct=distinct,
            )
            for n, m in enumerate(months)
        }

    exported = (
        mine.filter(status=ItemStatus.SUCCESSFUL)
        .values("job__integration_id")
        .annotate(**per_month("entry_date", count="accounting_entry_id", distinct=True))
        .order_by()
    )
    for row in exported:
        for n, value in enumerate(found[row["job__integration_id"]]):
            value.exported += row[f"m{n}"]
            value.total += row[f"m{n}"]
    causes = (
        open_failures(mine)
        .values("job__integration_id", "failure_reason_type")
        .annotate(**per_month("entry_date"))
        .order_by()
    )
    for row in causes:
        for n, value in enumerate(found[row["job__integration_id"]]):
            value.total += row[f"m{n}"]
            if row[f"m{n}"]:
                cause = row["failure_reason_type"] or "unknown"
                blockers[row["job__integration_id"]][n][cause] += row[f"m{n}"]
    queued = (
        QueuedEntry.objects.filter(
            integration_id__in=integration_ids,
            last_failure_reason_type="",
            performed_at__gte=_day_start(months[0]),
            performed_at__lt=_day_start(_next_month(months[-1])),
        )
        .values("integration_id", "problems")
        .annotate(**per_month("performed_at", timestamps=True))
        .order_by()
    )
    for row in queued:
        for n, value in enumerate(found[row["integration_id"]]):
            value.total += row[f"m{n}"]
            for problem in row["problems"].split():
                if row[f"m{n}"]:
                    cause = f"pre-flight: {problem.replace('_', ' ')}"
                    blockers[row["integration_id"]][n][cause] += row[f"m{n}"]
    for pk, values in found.items():
        for n, value in enumerate(values):
            value.blockers = blockers[pk][n].most_common()
    return found


def chart(
    integration_ids: list[int], items: QuerySet[ExportItem], today: dt.date
) -> dict[int, Chart]:
    """Per integration, per day over the last 30 days: entries exported that day, and entries
    of that day that still wait in the queue. One count per day in a single scan: truncating
    each row's timestamp to a date would convert every row (a Python call per row on SQLite)."""
    start = today - dt.timedelta(days=CHART_DAYS - 1)
    days = [start + dt.timedelta(days=n) for n in range(CHART_DAYS + 1)]
    bounds = [_day_start(day) for day in days]

    def per_day(field: str) -> dict:
        return {
            f"d{n}": Count("id", filter=Q(**{f"{field}__gte": low, f"{field}__lt": high}))
            for n, (low, high) in enumerate(itertools.pairwise(bounds))
        }

    exported = (
        items.filter(
            job__integration_id__in=integration_ids,
            status=ItemStatus.SUCCESSFUL,
            exported_at__gte=bounds[0],
            exported_at__lt=bounds[-1],
        )
        .values("job__integration_id")
        .annotate(**per_day("exported_at"))
        .order_by()
    )
    queued = (
        QueuedEntry.objects.filter(
            integration_id__in=integration_ids,
            performed_at__gte=bounds[0],
            performed_at__lt=bounds[-1],
        )
        .values("integration_id")
        .annotate(**per_day("performed_at"))
        .order_by()
    )
    counts = {
        "exported": {row.pop("job__integration_id"): row for row in exported},
        "queued": {row.pop("integration_id"): row for row in queued},
    }
    found = {}
    for pk in integration_ids:
        series = {
            name: [by_company.get(pk, {}).get(f"d{n}", 0) for n in range(CHART_DAYS)]
            for name, by_company in counts.items()
        }
        found[pk] = Chart(days[:-1], series["exported"], series["queued"])
    return found

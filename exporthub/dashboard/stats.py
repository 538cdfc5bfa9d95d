"""The overview's numbers: per-company totals, the exported-vs-queued chart, month-end readiness."""

from __future__ import annotations

import datetime as dt
import itertools
from collections import Counter
from dataclasses import dataclass, field

from django.db.models import BigIntegerField, Count, Q, QuerySet, Sum
from django.db.models.fields.json import KT
from django.db.models.functions import Cast
from django.utils import timezone

from exporthub.core.models import ActivityEntry
from exporthub.dashboard.failures import open_failures
from exporthub.sync.models import ExportItem, ExportJob, Integration, ItemStatus, QueuedEntry

CHART_DAYS = 30
_WALLET_MINOR = Cast(KT("payload__amount__inWalletCurrency__value"), BigIntegerField())
_WALLET_CURRENCY = KT("payload__amount__inWalletCurrency__currency")


@dataclass
class Bucket:
    count: int = 0
    minor: int = 0


@dataclass
class CompanyStats:
    integration: Integration
    currency: str = ""  # the wallet currency the sums are in
    queued: Bucket = field(default_factory=Bucket)
    exporting: Bucket = field(default_factory=Bucket)
    exported: Bucket = field(default_factory=Bucket)
    failed: Bucket = field(default_factory=Bucket)
    running: list[ExportJob] = field(default_factory=list)
    erp_check: ActivityEntry | None = None
    readiness: Readiness | None = None
    chart: Chart | None = None


@dataclass
class Readiness:
    month: dt.date
    total: int
    exported: int
    blockers: list[tuple[str, int]]

    @property
    def percent(self) -> int:
        return round(100 * self.exported / self.total) if self.total else 100


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


def company_stats(
    integrations: QuerySet[Integration], items: QuerySet[ExportItem], today: dt.date | None = None
) -> list[CompanyStats]:
    """Totals for each integration, in a fixed number of queries whatever the row and company
    counts: every figure is one query grouped by integration."""
    today = today or timezone.localdate()
    stats = {i.pk: CompanyStats(i) for i in integrations}
    ids = list(stats)
    queue = (
        QueuedEntry.objects.filter(integration_id__in=ids)
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
        .values("job__integration_id", currency=_WALLET_CURRENCY)
        .annotate(n=Count("id"), minor=Sum(_WALLET_MINOR))
    )
    for row in exported:
        company = stats[row["job__integration_id"]]
        company.exported = Bucket(row["n"], row["minor"] or 0)
        company.currency = company.currency or row["currency"] or ""
    failed = (
        open_failures(scoped)
        .values("job__integration_id")
        .annotate(n=Count("id"), minor=Sum(_WALLET_MINOR))
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
) -> dict[int, Readiness]:
    """Per integration: share of this month's entries exported, and what blocks the rest, by
    cause (open failures by reason type, then pre-flight problems of queued entries)."""
    month = today.replace(day=1)
    prefix = f"{month:%Y-%m}"
    found = {pk: Readiness(month=month, total=0, exported=0, blockers=[]) for pk in integration_ids}
    blockers: dict[int, Counter[str]] = {pk: Counter() for pk in integration_ids}
    mine = items.filter(job__integration_id__in=integration_ids, payload__date__startswith=prefix)
    exported = (
        mine.filter(status=ItemStatus.SUCCESSFUL)
        .values("job__integration_id")
        .annotate(n=Count("accounting_entry_id", distinct=True))
        .order_by()
    )
    for row in exported:
        found[row["job__integration_id"]].exported = row["n"]
        found[row["job__integration_id"]].total += row["n"]
    causes = (
        open_failures(mine)
        .values("job__integration_id", "failure_reason_type")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in causes:
        blockers[row["job__integration_id"]][row["failure_reason_type"] or "unknown"] += row["n"]
    queued = (
        QueuedEntry.objects.filter(
            integration_id__in=integration_ids,
            performed_at__gte=_day_start(month),
            performed_at__lt=_day_start(today + dt.timedelta(days=1)),
        )
        .values("integration_id", "problems")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in queued:
        found[row["integration_id"]].total += row["n"]
        for problem in row["problems"].split():
            blockers[row["integration_id"]][f"pre-flight: {problem.replace('_', ' ')}"] += row["n"]
    for pk, value in found.items():
        value.blockers = blockers[pk].most_common()
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

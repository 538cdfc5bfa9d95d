"""The overview's numbers: per-company totals, the exported-vs-queued chart, month-end readiness."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db.models import BigIntegerField, Count, QuerySet, Sum
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, TruncDate
from django.utils import timezone

from exporthub.core.models import ActivityEntry
from exporthub.dashboard.failures import open_failures
from exporthub.sync.models import ExportItem, ExportJob, Integration, ItemStatus, QueuedEntry

CHART_DAYS = 30
_WALLET_MINOR = Cast(KT("payload__amount__inWalletCurrency__value"), BigIntegerField())


@dataclass
class Bucket:
    count: int = 0
    minor: int = 0


@dataclass
class CompanyStats:
    integration: Integration
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


def company_stats(
    integrations: QuerySet[Integration], items: QuerySet[ExportItem], today: dt.date | None = None
) -> list[CompanyStats]:
    """Totals for each integration, in a fixed number of queries whatever the row counts."""
    today = today or timezone.localdate()
    stats = {i.pk: CompanyStats(i) for i in integrations}
    ids = list(stats)
    queue = (
        QueuedEntry.objects.filter(integration_id__in=ids)
        .values("integration_id", "export_status")
        .annotate(n=Count("id"), minor=Sum("amount_minor"))
        .order_by()
    )
    for row in queue:
        company = stats[row["integration_id"]]
        bucket = company.exporting if row["export_status"] == "EXPORTING" else company.queued
        bucket.count += row["n"]
        bucket.minor += row["minor"] or 0
    scoped = items.filter(job__integration_id__in=ids).order_by()
    exported = (
        scoped.filter(status=ItemStatus.SUCCESSFUL)
        .values("job__integration_id")
        .annotate(n=Count("id"), minor=Sum(_WALLET_MINOR))
    )
    for row in exported:
        stats[row["job__integration_id"]].exported = Bucket(row["n"], row["minor"] or 0)
    failed = (
        open_failures(scoped)
        .values("job__integration_id")
        .annotate(n=Count("id"), minor=Sum(_WALLET_MINOR))
    )
    for row in failed:
        stats[row["job__integration_id"]].failed = Bucket(row["n"], row["minor"] or 0)
    for job in ExportJob.objects.filter(integration_id__in=ids).unfinished():
        stats[job.integration_id].running.append(job)
    checks = ActivityEntry.objects.filter(action__startswith="dashboard.erp.test")
    for company in stats.values():
        company.erp_check = checks.filter(
            object_id=str(company.integration.erp_connection_id)
        ).first()
        company.readiness = readiness(company.integration, scoped, today)
        company.chart = chart(company.integration, scoped, today)
    return list(stats.values())


def readiness(integration: Integration, items: QuerySet[ExportItem], today: dt.date) -> Readiness:
    """Share of this month's entries exported, and what blocks the rest, by cause."""
    month = today.replace(day=1)
    prefix = f"{month:%Y-%m}"
    mine = items.filter(job__integration=integration, payload__date__startswith=prefix)
    exported = (
        mine.filter(status=ItemStatus.SUCCESSFUL).values("accounting_entry_id").distinct().count()
    )
    queued = integration.queued_entries.filter(
        performed_at__date__gte=month, performed_at__date__lte=today
    )
    blockers: Counter[str] = Counter()
    causes = open_failures(mine).values("failure_reason_type").annotate(n=Count("id")).order_by()
    for row in causes:
        blockers[row["failure_reason_type"] or "unknown"] += row["n"]
    flagged = queued.exclude(problems="").values_list("problems").annotate(n=Count("id"))
    for problems, n in flagged.order_by():
        for problem in problems.split():
            blockers[f"pre-flight: {problem.replace('_', ' ')}"] += n
    return Readiness(
        month=month,
        total=exported + queued.count(),
        exported=exported,
        blockers=blockers.most_common(),
    )


def chart(integration: Integration, items: QuerySet[ExportItem], today: dt.date) -> Chart:
    """Per day over the last 30 days: entries exported that day, and entries of that day that
    still wait in the queue."""
    start = today - dt.timedelta(days=CHART_DAYS - 1)
    days = [start + dt.timedelta(days=n) for n in range(CHART_DAYS)]
    exported: defaultdict[dt.date, int] = defaultdict(int)
    rows = (
        items.filter(
            job__integration=integration,
            status=ItemStatus.SUCCESSFUL,
            exported_at__date__gte=start,
        )
        .annotate(day=TruncDate("exported_at"))
        .values("day")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in rows:
        exported[row["day"]] += row["n"]
    queued: defaultdict[dt.date, int] = defaultdict(int)
    rows = (
        integration.queued_entries.filter(performed_at__date__gte=start)
        .annotate(day=TruncDate("performed_at"))
        .values("day")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in rows:
        queued[row["day"]] += row["n"]
    return Chart(days, [exported[d] for d in days], [queued[d] for d in days])

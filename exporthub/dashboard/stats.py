"""The overview's numbers: per-company totals, the exported-vs-queued chart, month-end readiness."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Case, Count, F, IntegerField, Max, Q, QuerySet, Sum, Value, When
from django.utils import timezone

from exporthub.core.models import ActivityEntry
from exporthub.sync.models import (
    ExportItem,
    ExportJob,
    Integration,
    ItemStatus,
    JobStatus,
    QueuedEntry,
)

CHART_DAYS = 30
UNFINISHED = [JobStatus.PENDING, JobStatus.IN_PROGRESS]


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
                        "x": _svg(index * step + offset * (bar + 1)),
                        "y": _svg(self.height - 16 - height),
                        "w": _svg(bar),
                        "h": _svg(height),
                        "series": name,
                        "title": f"{day:%d %b}: {value} {name}",
                    }
                )
        return out

    def labels(self) -> list[dict]:
        step = self.width / len(self.days)
        return [
            {"x": _svg(i * step), "text": f"{day:%d %b}"}
            for i, day in enumerate(self.days)
            if i % 7 == 0
        ]


def _svg(number: float) -> str:
    """An SVG coordinate as text: a float in a template would be localised ("12,5" in Danish,
    which SVG cannot read) and formatting hundreds of them per page is slow."""
    return f"{number:.1f}"


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
    # Pleo's export queue as mirrored: each entry once, as exporting, failed (its last export
    # failed; Pleo put it back in the queue) or queued.
    queue = (
        QueuedEntry.objects.filter(integration_id__in=ids)
        .values("integration_id", "export_status", "currency", "last_failure_reason_type")
        .annotate(n=Count("amount_minor"), minor=Sum("amount_minor"))
        .order_by()
    )
    for row in queue:
        company = stats[row["integration_id"]]
        if row["export_status"] == "EXPORTING":
            bucket = company.exporting
        elif row["last_failure_reason_type"]:
            bucket = company.failed
        else:
            bucket = company.queued
        bucket.count += row["n"]
        bucket.minor += row["minor"] or 0
        company.currency = row["currency"]
    scoped = items.filter(job__integration_id__in=ids).order_by()
    # Exported: finished jobs keep their totals (ExportJob.recount); running ones are summed live.
    finished = (
        ExportJob.objects.filter(integration_id__in=ids, items_successful__gt=0)
        .exclude(status__in=UNFINISHED)
        .values("integration_id")
        .annotate(
            n=Sum("items_successful"),
            minor=Sum("amount_successful_minor"),
            last=Max("completed_at"),
        )
        .order_by()
    )
    for row in finished:
        company = stats[row["integration_id"]]
        company.exported.count += row["n"] or 0
        company.exported.minor += row["minor"] or 0
        company.last_post = row["last"]  # replaced by the exact time when the chart has it
    running = (
        scoped.filter(status=ItemStatus.SUCCESSFUL, job__status__in=UNFINISHED)
        .values("job__integration_id", "currency")
        .annotate(n=Count("id"), minor=Sum("amount_minor"))
    )
    for row in running:
        company = stats[row["job__integration_id"]]
        company.exported.count += row["n"]
        company.exported.minor += row["minor"] or 0
        company.currency = company.currency or row["currency"]
    for job in ExportJob.objects.filter(integration_id__in=ids).unfinished():
        stats[job.integration_id].running.append(job)
    _add_erp_checks(stats)
    for integration_id, value in readiness(ids, scoped, today).items():
        stats[integration_id].readiness = value
    for integration_id, (value, last_post) in chart(ids, today).items():
        stats[integration_id].chart = value
        stats[integration_id].last_post = last_post or stats[integration_id].last_post
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
    blocks the rest, by cause (failed entries by reason type, then pre-flight problems of queued
    entries). Each entry counts once: exported (the hub's items, by entry date), or waiting in
    Pleo's queue (the mirror: failed ones by their failure, others by pre-flight problem). One
    query per source, each month a filtered count in it."""
    months = months_that_matter(today)
    found = {pk: [Readiness(month=m) for m in months] for pk in integration_ids}
    blockers: dict[int, list[Counter[str]]] = {pk: [Counter() for _ in months] for pk in found}
    mine = items.filter(
        job__integration_id__in=integration_ids,
        entry_date__gte=months[0],
        entry_date__lt=_next_month(months[-1]),
    )

    def per_month(field: str, count: str, *, timestamps=False, distinct=False) -> dict:
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
        .annotate(**per_month("entry_date", "accounting_entry_id", distinct=True))
        .order_by()
    )
    for row in exported:
        for n, value in enumerate(found[row["job__integration_id"]]):
            value.exported += row[f"m{n}"]
            value.total += row[f"m{n}"]
    queued = (
        QueuedEntry.objects.filter(
            integration_id__in=integration_ids,
            performed_at__gte=_day_start(months[0]),
            performed_at__lt=_day_start(_next_month(months[-1])),
        )
        .values("integration_id", "problems", "last_failure_reason_type")
        .annotate(**per_month("performed_at", "performed_at", timestamps=True))
        .order_by()
    )
    for row in queued:
        for n, value in enumerate(found[row["integration_id"]]):
            count = row[f"m{n}"]
            value.total += count
            if not count:
                continue
            if row["last_failure_reason_type"]:  # failed: its cause, not also its pre-flight
                causes = [row["last_failure_reason_type"]]
            else:
                causes = [f"pre-flight: {p.replace('_', ' ')}" for p in row["problems"].split()]
            for cause in causes:
                blockers[row["integration_id"]][n][cause] += count
    for pk, values in found.items():
        for n, value in enumerate(values):
            # Biggest first; on a tie, failures before pre-flight problems, then by name.
            value.blockers = sorted(
                blockers[pk][n].items(),
                key=lambda cause: (-cause[1], cause[0].startswith("pre-flight"), cause[0]),
            )
    return found


ChartWithLastPost = tuple[Chart, dt.datetime | None]


def chart(integration_ids: list[int], today: dt.date) -> dict[int, ChartWithLastPost]:
    """Per integration, per day over the last 30 days: entries exported that day, and entries
    of that day that still wait in the queue; and when the newest of them was exported.

    Each row's day is found by comparing its timestamp with the days' local midnights (a CASE
    the database evaluates): truncating timestamps to dates would convert every row (a Python
    call per row on SQLite), and one filtered count per day would compare each row 60 times."""
    start = today - dt.timedelta(days=CHART_DAYS - 1)
    days = [start + dt.timedelta(days=n) for n in range(CHART_DAYS + 1)]
    bounds = [_day_start(day) for day in days]

    def day_of(field: str) -> Case:
        return Case(
            *(When(**{f"{field}__lt": high}, then=Value(n)) for n, high in enumerate(bounds[1:])),
            default=Value(CHART_DAYS),
            output_field=IntegerField(),
        )

    # Per job, without joining the jobs: the index on (status, exported_at, job) answers alone
    # for the 30 days, whatever the history; the jobs then say whose they are.
    per_job = list(
        ExportItem.objects.filter(status=ItemStatus.SUCCESSFUL, exported_at__gte=bounds[0])
        # Grouped by an expression of the job: grouped by the column itself, SQLite walks the
        # (job, status) index for its order and reads every exported item of every job.
        .annotate(of_job=F("job_id") + 0, day=day_of("exported_at"))
        .values("of_job", "day")
        .annotate(n=Count("exported_at"), last=Max("exported_at"))
        .order_by()
    )
    owners = dict(
        ExportJob.objects.filter(
            integration_id__in=integration_ids, pk__in={row["of_job"] for row in per_job}
        ).values_list("pk", "integration_id")
    )
    series = {
        name: {pk: [0] * CHART_DAYS for pk in integration_ids} for name in ("exported", "queued")
    }
    last_posts: dict[int, dt.datetime] = {}
    for row in per_job:
        owner = owners.get(row["of_job"])
        if owner is None:
            continue
        if row["last"] and (owner not in last_posts or row["last"] > last_posts[owner]):
            last_posts[owner] = row["last"]
        if row["day"] < CHART_DAYS:
            series["exported"][owner][row["day"]] += row["n"]
    queued = (
        QueuedEntry.objects.filter(
            integration_id__in=integration_ids,
            performed_at__gte=bounds[0],
            performed_at__lt=bounds[-1],
        )
        .annotate(day=day_of("performed_at"))
        .values("integration_id", "day")
        .annotate(n=Count("performed_at"))
        .order_by()
    )
    for row in queued:
        if row["day"] < CHART_DAYS:
            series["queued"][row["integration_id"]][row["day"]] += row["n"]
    return {
        pk: (
            Chart(days[:-1], series["exported"][pk], series["queued"][pk]),
            last_posts.get(pk),
        )
        for pk in integration_ids
    }

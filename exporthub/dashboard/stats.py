"""The overview's numbers: per-company totals, the exported-vs-queued chart, month-end readiness."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Count, Max, OuterRef, QuerySet, Subquery, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from exporthub.core.models import ActivityEntry
from exporthub.sync.correction_models import in_correction_job
from exporthub.sync.models import (
    ExportItem,
    ExportJob,
    Integration,
    ItemStatus,
    JobDayTotals,
    JobStatus,
    QueueDayTotals,
)
from exporthub.sync.reconciliation_models import ReconciliationRun, RunState

CHART_DAYS = 30
ALL = ""  # the key under which a day's waiting entries are all counted once
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
    # Entries of the month the newest reconciliation found the same in Pleo and in the ERP
    # (None before any reconciliation ran).
    verified: int | None = None

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

    def bars_svg(self) -> SafeString:
        """The bars as SVG markup, built here rather than in a template loop: there, the six
        lookups and escapes of each of the 60 bars per company cost more than all the rest of
        the overview. Nothing in it needs escaping: numbers formatted here, a series name of
        ours and a title made of a date, a count and that name."""
        return mark_safe(
            "".join(
                f'<rect x="{bar["x"]}" y="{bar["y"]}" width="{bar["w"]}" height="{bar["h"]}" '
                f'class="bar-{bar["series"]}"><title>{bar["title"]}</title></rect>'
                for bar in self.bars()
            )
        )

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
    # failed; Pleo put it back in the queue) or queued. From the mirror's totals, kept with it.
    queue = (
        QueueDayTotals.objects.filter(integration_id__in=ids)
        .values("integration_id", "export_status", "currency", "last_failure_reason_type")
        .annotate(n=Sum("entries"), minor=Sum("amount_minor"))
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
        .filter(~in_correction_job("pk"))
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
        .filter(~in_correction_job("job"))
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
    _add_days(stats, scoped, today)
    _add_verification(stats)
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


def _add_verification(stats: dict[int, CompanyStats]) -> None:
    """Month-end readiness's "verified in the ERP", from each company's newest finished run."""
    done = ReconciliationRun.objects.filter(state=RunState.DONE)
    newest_pk = done.filter(integration=OuterRef("integration")).order_by("-finished_at", "-pk")
    newest = ReconciliationRun.objects.filter(
        integration_id__in=list(stats), pk=Subquery(newest_pk.values("pk")[:1])
    ).only("integration_id", "verified_by_month")  # one row per company, not its whole history
    for run in newest:
        pk = run.integration_id
        for readiness in stats[pk].readiness:
            readiness.verified = run.verified_by_month.get(readiness.month.strftime("%Y-%m"), 0)


def _add_days(stats: dict[int, CompanyStats], items: QuerySet[ExportItem], today: dt.date) -> None:
    """Month-end readiness and the chart, from per-day figures of the days they cover."""
    months = months_that_matter(today)
    chart_days = [today - dt.timedelta(days=n) for n in range(CHART_DAYS - 1, -1, -1)]
    first, end = min(months[0], chart_days[0]), _next_month(months[-1])
    ids = list(stats)
    exported = exported_per_day(ids, items, first, end)
    queued = queued_per_day(ids, first, end)
    for pk, company in stats.items():
        days, waiting = exported[pk], queued[pk]
        company.readiness = [
            _readiness(month, days.entries, waiting, _next_month(month)) for month in months
        ]
        company.chart = Chart(
            chart_days,
            [days.exported[day] for day in chart_days],
            [waiting[day][ALL] if day in waiting else 0 for day in chart_days],
        )
        company.last_post = days.last_post or company.last_post


def _readiness(
    month: dt.date, exported: Counter[dt.date], waiting: dict[dt.date, Counter[str]], end: dt.date
) -> Readiness:
    """A month's share of exported entries, and what blocks the rest, biggest cause first (on a
    tie, failures before pre-flight problems, then by name). Each entry counts once: exported,
    failed (by its failure, not also by its pre-flight problems) or waiting (by pre-flight
    problem); an entry waiting without a problem counts in the total only."""
    value = Readiness(month=month)
    blockers: Counter[str] = Counter()
    for day, count in exported.items():
        if month <= day < end:
            value.exported += count
    value.total = value.exported
    for day, causes in waiting.items():
        if month <= day < end:
            value.total += causes[ALL]
            blockers.update({cause: n for cause, n in causes.items() if cause != ALL})
    value.blockers = sorted(
        blockers.items(),
        key=lambda cause: (-cause[1], cause[0].startswith("pre-flight"), cause[0]),
    )
    return value


@dataclass
class ExportedDays:
    exported: Counter[dt.date] = field(default_factory=Counter)  # exported on that day
    entries: Counter[dt.date] = field(default_factory=Counter)  # exported, dated that day
    last_post: dt.datetime | None = None

    def add(self, exported_on, dated, count: int, last: dt.datetime | None) -> None:
        if exported_on is not None:
            self.exported[exported_on] += count
        if dated is not None:
            self.entries[dated] += count
        if last is not None and (self.last_post is None or last > self.last_post):
            self.last_post = last


def exported_per_day(
    integration_ids: list[int], items: QuerySet[ExportItem], first: dt.date, end: dt.date
) -> dict[int, ExportedDays]:
    """Per integration, from `first` to before `end`: entries exported each day and exported
    entries dated each day, and when the newest of them was exported. Finished jobs answer from
    their day totals (a few rows per job, kept by `ExportJob.recount`); running jobs, whose
    totals are not final, from their items."""
    found = {pk: ExportedDays() for pk in integration_ids}
    finished = (
        JobDayTotals.objects.filter(integration_id__in=integration_ids, day__gte=first, day__lt=end)
        .exclude(job__status__in=UNFINISHED)
        .values("integration_id", "day")
        .annotate(exported=Sum("exported"), entries=Sum("entries"), last=Max("last_exported_at"))
        .order_by()
    )
    for row in finished:
        days = found[row["integration_id"]]
        days.exported[row["day"]] += row["exported"]
        days.entries[row["day"]] += row["entries"]
        days.add(None, None, 0, row["last"])
    running = (
        items.filter(
            job__integration_id__in=integration_ids,
            job__status__in=UNFINISHED,
            status=ItemStatus.SUCCESSFUL,
        )
        .filter(~in_correction_job("job"))
        .annotate(exported_on=TruncDate("exported_at"))
        .values("job__integration_id", "exported_on", "entry_date")
        .annotate(n=Count("id"), last=Max("exported_at"))
        .order_by()
    )
    for row in running:
        exported_on = row["exported_on"]
        dated = row["entry_date"]
        found[row["job__integration_id"]].add(
            exported_on if exported_on and first <= exported_on < end else None,
            dated if dated and first <= dated < end else None,
            row["n"],
            row["last"] if exported_on and first <= exported_on < end else None,
        )
    return found


def queued_per_day(
    integration_ids: list[int], first: dt.date, end: dt.date
) -> dict[int, dict[dt.date, Counter[str]]]:
    """Per integration and entry date (the date the posting will carry, as for exported
    entries) from `first` to before `end`: the entries waiting in Pleo's queue, by cause: the
    reason type of the failed ones, "pre-flight: <problem>" for each problem of the others, and
    under ALL every entry once. From the mirror's totals (`QueueDayTotals`), kept with it."""
    rows = (
        QueueDayTotals.objects.filter(
            integration_id__in=integration_ids, entry_date__gte=first, entry_date__lt=end
        )
        .values("integration_id", "entry_date", "last_failure_reason_type", "problems")
        .annotate(n=Sum("entries"))
        .order_by()
    )
    found: dict[int, dict[dt.date, Counter[str]]] = {pk: {} for pk in integration_ids}
    for row in rows:
        causes = found[row["integration_id"]].setdefault(row["entry_date"], Counter())
        causes[ALL] += row["n"]
        if row["last_failure_reason_type"]:  # failed: its cause, not also its pre-flight
            causes[row["last_failure_reason_type"]] += row["n"]
        else:
            for problem in row["problems"].split():
                causes[f"pre-flight: {problem.replace('_', ' ')}"] += row["n"]
    return found

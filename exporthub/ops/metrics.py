"""Prometheus metrics, computed from the database when scraped.

gunicorn runs several web processes and django-q2 several workers, often on several machines, so
in-process counters would each see a slice. Everything here is read from the shared database
(and the broker) at scrape time instead, so any web process answers the same totals.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import Count, F, Q, Sum
from prometheus_client.core import (
    CollectorRegistry,
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
)
from prometheus_client.registry import Collector

from exporthub.core.models import ActivityEntry
from exporthub.ops.models import CallTally
from exporthub.sync.claims import CLAIM_TAKEN_OVER
from exporthub.sync.models import ExportItem, ExportJob, JobStatus

# Seconds from start to completion of an export job.
JOB_DURATION_BUCKETS = (1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 4 * 3600)


class DatabaseCollector(Collector):
    def collect(self) -> Iterator:
        yield from self.items()
        yield from self.jobs()
        yield self.job_durations()
        yield self.erp_attempts()
        yield self.queue_depth()
        yield self.claims_taken_over()
        yield from self.calls()

    def items(self) -> Iterator:
        posted = CounterMetricFamily(
            "exporthub_items_posted", "Export items posted to the ERP.", labels=[]
        )
        failed = CounterMetricFamily(
            "exporthub_items_failed", "Export items that failed, by Pleo reason type.",
            labels=["reason_type"],
        )  # fmt: skip
        by_status = GaugeMetricFamily(
            "exporthub_items", "Export items by status.", labels=["status"]
        )
        rows = (
            ExportItem.objects.order_by()
            .values("status", "failure_reason_type")
            .annotate(n=Count("pk"))
        )
        totals: dict[str, int] = {}
        for row in rows:
            totals[row["status"]] = totals.get(row["status"], 0) + row["n"]
            if row["status"] == "failed":
                failed.add_metric([row["failure_reason_type"] or "unknown"], row["n"])
        posted.add_metric([], totals.get("successful", 0))
        for status, n in sorted(totals.items()):
            by_status.add_metric([status], n)
        yield posted
        yield failed
        yield by_status

    def jobs(self) -> Iterator:
        gauge = GaugeMetricFamily("exporthub_jobs", "Export jobs by status.", labels=["status"])
        counts = dict(ExportJob.objects.order_by().values_list("status").annotate(n=Count("pk")))
        for status in JobStatus.values:
            gauge.add_metric([status], counts.get(status, 0))
        yield gauge

    def job_durations(self) -> HistogramMetricFamily:
        bounds = [*JOB_DURATION_BUCKETS, float("inf")]
        buckets = [0] * len(bounds)
        total = 0.0
        finished = ExportJob.objects.filter(
            started_at__isnull=False, completed_at__isnull=False
        ).values_list("started_at", "completed_at")
        for started_at, completed_at in finished.iterator(chunk_size=2000):
            seconds = max((completed_at - started_at).total_seconds(), 0.0)
            total += seconds
            for index, bound in enumerate(bounds):
                if seconds <= bound:
                    buckets[index] += 1
        histogram = HistogramMetricFamily(
            "exporthub_job_duration_seconds", "Time from a job's start to its completion."
        )
        cumulative = [(str(bound) if bound != float("inf") else "+Inf", n)
                      for bound, n in zip(bounds, buckets, strict=True)]  # fmt: skip
        histogram.add_metric([], cumulative, total)
        return histogram

    def erp_attempts(self) -> CounterMetricFamily:
        attempts = ExportItem.objects.aggregate(
            total=Sum("attempts"),
            retries=Sum(F("attempts") - 1, filter=Q(attempts__gt=1)),
        )
        family = CounterMetricFamily(
            "exporthub_erp_write_attempts",
            "ERP write attempts for export items; retries are the attempts after an item's first.",
            labels=["kind"],
        )
        family.add_metric(["attempt"], attempts["total"] or 0)
        family.add_metric(["retry"], attempts["retries"] or 0)
        return family

    def queue_depth(self) -> GaugeMetricFamily:
        from django_q.brokers import get_broker

        gauge = GaugeMetricFamily("exporthub_task_queue_depth", "Tasks waiting in the broker.")
        gauge.add_metric([], get_broker().queue_size() or 0)
        return gauge

    def claims_taken_over(self) -> CounterMetricFamily:
        family = CounterMetricFamily(
            "exporthub_claims_taken_over",
            "Jobs a worker took over because the worker holding them stopped beating.",
        )
        family.add_metric([], ActivityEntry.objects.filter(action=CLAIM_TAKEN_OVER).count())
        return family

    def calls(self) -> Iterator:
        calls = CounterMetricFamily(
            "exporthub_external_calls",
            "Calls to Pleo (HTTP, by operation and outcome: 429 and 5xx were retried) and to "
            "the ERP (find and post, by outcome: retryable errors are retried).",
            labels=["target", "operation", "outcome"],
        )
        seconds = CounterMetricFamily(
            "exporthub_external_call_seconds",
            "Time spent in calls to Pleo and the ERP (divide by the calls for the mean latency).",
            labels=["target", "operation", "outcome"],
        )
        for tally in CallTally.objects.order_by("target", "operation", "outcome"):
            labels = [tally.target, tally.operation, tally.outcome]
            calls.add_metric(labels, tally.calls)
            seconds.add_metric(labels, tally.seconds)
        yield calls
        yield seconds


def registry() -> CollectorRegistry:
    """A registry of the scrape-time collectors (built per scrape: it holds no state)."""
    collectors = CollectorRegistry(auto_describe=False)
    collectors.register(DatabaseCollector())
    return collectors

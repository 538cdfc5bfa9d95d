"""The worker process of one scenario: `python -m bench.worker INTEGRATION_ID RESULT.json`.

Runs detection and the engine for the integration, as a worker would, with the Pleo client on a
counting real-HTTP transport and the connector's methods timed; writes its figures as JSON.
Started by `bench.cli` with the environment `bench.environment.prepare()` set up.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import json
import pstats
import resource
import sys
import time
from pathlib import Path


def run(integration_id: int, profile_path: str = "") -> dict:
    import django

    django.setup()
    from django.conf import settings
    from django.db import connections
    from django.db.models import Count

    from bench.instrument import (
        CountingTransport,
        QueryCounter,
        Tally,
        peak_rss_mb,
        rss_mb,
        time_attributes,
        time_connector,
    )
    from exporthub.sync import engine, wiring
    from exporthub.sync.detection import poll_integration
    from exporthub.sync.models import ExportItem, Integration

    # `pleo`: the main thread's time on Pleo (its own exchanges, and its waits for the
    # background's, as "wait:…"); `background`: the exchanges of the engine's threads.
    pleo, background, erp, db = Tally(), Tally(), Tally(), Tally()
    counting = CountingTransport(pleo, background)
    settings.PLEO_TRANSPORT_FACTORY = lambda: counting
    queries = QueryCounter(db)
    connections["default"].execute_wrappers.append(queries)
    integration = Integration.objects.select_related("pleo_connection").get(pk=integration_id)
    expected = None  # set after detection: the job's item count
    posts = 0
    curve: list[float] = []

    def on_post(count: int) -> None:
        nonlocal posts
        step = max((expected or 0) // 10, 1)
        crossed = (posts + count) // step > posts // step
        posts += count
        if expected and crossed:
            curve.append(round(rss_mb(), 1))
            print(
                f"    … {posts} posted, {time.perf_counter() - started:.1f} s, RSS {curve[-1]} MB",
                file=sys.stderr,
                flush=True,
            )

    def open_erp(integration):
        return time_connector(wiring.open_erp(integration), erp, pleo, on_post=on_post)

    engine.open_erp = open_erp
    time_waits(pleo)
    breakdown = Tally()
    if integration.erp_connection.kind == "beancount":
        from exporthub.connectors.beancount import connector as beancount

        time_attributes(
            [
                (beancount, "_check_alone", "single_entry_check"),
                (beancount.os, "fsync", "fsync"),
                (beancount.BeancountConnector, "_full_check", "full_check"),
                (beancount.BeancountConnector, "_write_receipts", "write_receipts"),
            ],
            breakdown,
            pleo,
        )
    gc.collect()
    baseline = rss_mb()
    profiler = cProfile.Profile() if profile_path else None
    started = time.perf_counter()
    if profiler:
        profiler.enable()
    jobs = poll_integration(integration)
    polled = time.perf_counter()
    expected = sum(job.number_of_items for job in jobs)
    # A job longer than a time slice is handed back and re-enqueued; one worker alone picks it
    # up again at once, as this loop does.
    open_items = ExportItem.objects.filter(job__integration=integration, status="pending")
    left = None
    while engine.process_integration(integration.pk, "bench-worker"):
        if not integration.jobs.unfinished().exists() or open_items.count() == left:
            break  # done, or waiting for retries that are not due yet
        left = open_items.count()
    finished = time.perf_counter()
    if profiler:
        profiler.disable()
        profiler.dump_stats(profile_path)
    statuses = dict(
        ExportItem.objects.filter(job__integration=integration)
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    job = integration.jobs.order_by("-pk").first()
    failures: dict[str, dict] = {}
    for reason_type, reason in ExportItem.objects.filter(
        job__integration=integration, status="failed"
    ).values_list("failure_reason_type", "failure_reason"):
        seen = failures.setdefault(reason_type, {"count": 0, "example": reason[:300]})
        seen["count"] += 1
    return {
        "poll_seconds": polled - started,
        "process_seconds": finished - polled,
        "wall_seconds": finished - started,
        "job_status": job.status if job else None,
        "item_statuses": statuses,
        "failures": failures,
        "pleo": pleo.as_json(),
        "pleo_background": background.as_json(),
        "erp": erp.as_json(),
        "erp_breakdown": breakdown.as_json(),
        "db": db.as_json(),
        "db_slowest": queries.slowest(),
        "rss_baseline_mb": round(baseline, 1),
        "rss_curve_mb": curve,
        "rss_peak_mb": round(peak_rss_mb(), 1),
        # Child processes of the worker: the Beancount connector's full checks of large ledgers.
        "children_rss_peak_mb": round(
            resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1
        ),
    }


def time_waits(tally) -> None:
    """Time the engine's main thread waiting for its background work (pages, receipts,
    write-back) into `tally`, as "wait:page" and "wait:result"."""
    from exporthub.sync.pipeline import Background

    wait, ahead = Background.wait, Background.ahead

    def timed_wait(self, future):
        started = time.perf_counter()
        try:
            return wait(self, future)
        finally:
            tally.add("wait:result", time.perf_counter() - started)

    def timed_ahead(self, items, depth=1):
        stream = ahead(self, items, depth)
        try:
            while True:
                started = time.perf_counter()
                try:
                    value = next(stream)
                except StopIteration:
                    return
                finally:
                    tally.add("wait:page", time.perf_counter() - started)
                yield value
        finally:
            stream.close()

    Background.wait, Background.ahead = timed_wait, timed_ahead


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("integration_id", type=int)
    parser.add_argument("result")
    parser.add_argument("--profile", default="")
    args = parser.parse_args()
    result = run(args.integration_id, args.profile)
    Path(args.result).write_text(json.dumps(result))
    if args.profile:
        stats = pstats.Stats(args.profile, stream=sys.stderr)
        stats.sort_stats("cumulative").print_stats(40)


if __name__ == "__main__":
    main()

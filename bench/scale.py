"""`python -m bench scale`: throughput with 1, 2 and 4 worker processes, and fairness.

Each round seeds `--integrations` sandbox companies with `--items` postable entries and one export
job each, wires each to its own Beancount ledger, detects the jobs, enqueues one processing task
per integration, and lets a django-q2 cluster of N worker processes (`manage.py qcluster`, as
deployed) work until every job is closed. The sandbox is served by gunicorn (2 processes × 32
threads) with `--pleo-latency-ms` on every answer (the sandbox's latency fault).

Printed per worker count: items/s end to end (first task enqueued → last job closed); duplicates
(postings per Pleo id in the ledgers, > 1), lost items (entries of the jobs in no ledger);
per integration the seconds to its first posted item and to its job's end. Fair means every
integration had posted before any job ended, i.e. none waited for another's whole job.
A job of one page cannot be split, so at tiny sizes a lone worker is unfair by necessity.
Exits non-zero on a duplicate, a lost item or a job left open. Meant for PostgreSQL + Redis
(DATABASE_URL, REDIS_URL); on SQLite and the ORM broker it runs too (the quick test does).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from bench import cpu, environment

TARGET_SPEEDUP_1_TO_2 = 1.7
POLL = 0.5  # seconds between progress samples
STOP_GRACE_SECONDS = 5  # a server or cluster not gone by then is killed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench scale", description=__doc__)
    parser.add_argument("--integrations", type=int, default=8)
    parser.add_argument("--items", type=int, default=2000, help="entries per integration")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--pleo-latency-ms", type=int, default=150)
    parser.add_argument(
        "--pleo-threads",
        type=int,
        default=None,
        help="receipt downloads in flight per job (EXPORTHUB_SYNC_PLEO_THREADS; default: the "
        "setting's)",
    )
    parser.add_argument("--timeout", type=float, default=1800, help="seconds per round")
    parser.add_argument("--keep", action="store_true", help="keep the temporary data dir")
    args = parser.parse_args(argv)
    # SIGTERM (e.g. a timeout) ends the bench through its `finally`: servers, clusters and the
    # throwaway database go with it.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    redis_url = os.environ.get("REDIS_URL", "")
    workspace = environment.prepare(keep=args.keep)
    os.environ["EXPORTHUB_QUEUE_NAME"] = f"bench-scale-{os.getpid()}"
    output: dict = {
        "bench": "exporthub-scale",
        "database": workspace.engine,
        "broker": "redis" if redis_url else "orm",
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "started_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "load_average_at_start": os.getloadavg()[0],
        "integrations": args.integrations,
        "items_per_integration": args.items,
        "pleo_latency_ms": args.pleo_latency_ms,
        "pleo_threads": settings_pleo_threads() if args.pleo_threads is None else args.pleo_threads,
        "target_speedup_1_to_2": TARGET_SPEEDUP_1_TO_2,
        "rounds": {},
    }
    say(
        f"exporthub bench scale: {args.integrations} integrations × {args.items} items, "
        f"{args.pleo_latency_ms} ms Pleo latency, workers {args.workers}; "
        f"{workspace.engine} + {output['broker']} broker, data dir {workspace.data_dir}"
    )
    if workspace.engine != "postgresql" or not redis_url:
        say("warning: not on PostgreSQL + Redis; the figures say little about a deployment")
    failed = False
    sandbox = None
    try:
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        (workspace.data_dir / "staticfiles").mkdir(exist_ok=True)
        sandbox, url = serve_sandbox(workspace)
        for workers in args.workers:
            figures = run_round(workers, sandbox, url, args)
            output["rounds"][str(workers)] = figures
            failed = failed or not figures["ok"]
    finally:
        if sandbox is not None:
            stop(sandbox)
        workspace.close()
    rounds = output["rounds"]
    base = rounds.get("1", {}).get("items_per_second")
    output["speedup"] = {
        count: round(figures["items_per_second"] / base, 3)
        for count, figures in rounds.items()
        if base and figures.get("items_per_second")
    }
    speedup = output["speedup"].get("2")
    output["target_met"] = None if speedup is None else speedup >= TARGET_SPEEDUP_1_TO_2
    # The CPU the 1-worker round kept busy bounds any speedup on this machine: more workers
    # can only use the cores it left idle (at the same CPU per item).
    busy = rounds.get("1", {}).get("machine_busy_cores")
    output["speedup_ceiling_by_cpu"] = round((os.cpu_count() or 1) / busy, 2) if busy else None
    say("\nworkers  items/s  speedup  duplicates  lost  fair")
    for count, figures in rounds.items():
        say(
            f"{count:>7}  {figures['items_per_second']:>7}  "
            f"{output['speedup'].get(count, '-'):>7}  {figures['duplicates']:>10}  "
            f"{figures['lost']:>4}  {figures['fair']}"
        )
    if output["speedup_ceiling_by_cpu"]:
        say(
            f"the 1-worker round kept {busy} of {os.cpu_count()} cores busy: no worker count can "
            f"pass ×{output['speedup_ceiling_by_cpu']} here at the same CPU per item"
        )
    print(json.dumps(output, sort_keys=True), flush=True)
    return 1 if failed else 0


def settings_pleo_threads() -> int:
    from django.conf import settings

    return settings.SYNC_PLEO_THREADS


def say(text: str) -> None:
    print(text, flush=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def serve_sandbox(workspace) -> tuple[subprocess.Popen, str]:
    """The sandbox under gunicorn on a free port; (its process, its base URL)."""
    port = free_port()
    gunicorn = Path(sys.executable).parent / "gunicorn"
    # Each thread keeps its database connection (32 of them): opening one per request made
    # PostgreSQL's connection set-up the busiest thing on the machine.
    process = subprocess.Popen(
        [str(gunicorn), "exporthub.wsgi:application", "--bind", f"127.0.0.1:{port}",
         "--workers", "2", "--threads", "16", "--log-level", "warning"],
        cwd=environment.ROOT,
        env={**os.environ, "EXPORTHUB_DB_CONN_MAX_AGE": "600"},
        start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the sandbox server did not start") from None
            time.sleep(0.2)
    return process, f"http://127.0.0.1:{port}"


def stop(process: subprocess.Popen) -> None:
    """End a server or cluster this bench started, with the processes it started in turn.

    The round's work is done by now (or timed out), so a cluster still winding down after a few
    seconds (django-q2 waits out its guard cycles) is killed rather than waited for."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=STOP_GRACE_SECONDS)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    except ProcessLookupError:
        pass


def run_round(workers: int, sandbox: subprocess.Popen, url: str, args) -> dict:
    from django.db import close_old_connections
    from django.db.models import Count, Min
    from django_q.models import Task
    from django_q.tasks import async_task

    from bench import world
    from exporthub.sandbox.models import ExportJob as SandboxJob
    from exporthub.sync.detection import poll_integration
    from exporthub.sync.models import ExportItem, ExportJob
    from exporthub.sync.queue import PROCESS_TASK

    say(f"\n== {workers} worker process(es)")
    started = time.perf_counter()
    integrations, ledgers, expected = [], {}, {}
    for number in range(args.integrations):
        name = f"Scale w{workers} i{number}"
        seeded = world.seed(name, items=args.items, currency="DKK", latency_ms=args.pleo_latency_ms)
        erp, ledger = world.beancount_erp(name, "DKK")
        integration = world.integrate(
            seeded,
            sandbox_url=url,
            erp=erp,
            mappings=world.BEANCOUNT_MAPPINGS,
            unmapped=world.BEANCOUNT_UNMAPPED,
        )
        integrations.append(integration)
        ledgers[integration.pk] = ledger
        expected[integration.pk] = {
            str(entry_id)
            for entry_id in SandboxJob.objects.get(uuid=seeded.job_uuid).items.values_list(
                "entry__uuid", flat=True
            )
        }
    for integration in integrations:
        poll_integration(integration)
    say(f"seeded and detected in {time.perf_counter() - started:.1f} s")

    threads = {}
    if args.pleo_threads is not None:
        threads["EXPORTHUB_SYNC_PLEO_THREADS"] = str(args.pleo_threads)
    cluster = subprocess.Popen(
        [sys.executable, "manage.py", "qcluster"],
        cwd=environment.ROOT,
        env={
            **os.environ,
            "EXPORTHUB_WORKERS": str(workers),
            "EXPORTHUB_LOG_LEVEL": "WARNING",
            **threads,
        },
        start_new_session=True,
    )
    try:
        ready = async_task("exporthub.sync.tasks.recheck_queue_preflight", 0)
        wait_until(lambda: Task.objects.filter(id=ready).exists(), 120, "the cluster to start")
        meter = cpu.Meter(
            {
                "pleo_sandbox": cpu.in_group(sandbox.pid),
                "workers": cpu.in_group(cluster.pid),
                "postgresql": cpu.named("postgres"),
                "redis": cpu.named("redis-server"),
                "bench": cpu.this_process(),
            }
        )
        begin = time.time()
        for integration in integrations:
            async_task(PROCESS_TASK, integration.pk, group=f"integration-{integration.pk}")
        jobs = ExportJob.objects.filter(integration__in=integrations)
        samples = []
        deadline = time.monotonic() + args.timeout
        while jobs.unfinished().exists() and time.monotonic() < deadline:
            time.sleep(POLL)
            close_old_connections()
            done = dict(
                ExportItem.objects.filter(job__in=jobs, status="successful")
                .values_list("job__integration_id")
                .annotate(n=Count("id"))
                .values_list("job__integration_id", "n")
            )
            samples.append(
                {
                    "t": round(time.time() - begin, 1),
                    "done": [done.get(i.pk, 0) for i in integrations],
                }
            )
        used = meter.read()
    finally:
        stop(cluster)
    finished = {
        job.integration_id: job.completed_at.timestamp() - begin if job.completed_at else None
        for job in jobs
    }
    first = {
        row["job__integration_id"]: row["first"].timestamp() - begin
        for row in ExportItem.objects.filter(job__in=jobs, exported_at__isnull=False)
        .values("job__integration_id")
        .annotate(first=Min("exported_at"))
    }
    wall = max((value for value in finished.values() if value is not None), default=None)
    duplicates = lost = 0
    per_integration = []
    for integration in integrations:
        counts = Counter(
            re.findall(r'^  pleo-id: "([^"]+)"$', ledgers[integration.pk].read_text()
                       if ledgers[integration.pk].exists() else "", flags=re.MULTILINE)
        )  # fmt: skip
        duplicates += sum(count - 1 for count in counts.values() if count > 1)
        lost += len(expected[integration.pk] - set(counts))
        per_integration.append(
            {
                "integration": integration.pk,
                "first_posted_s": _round(first.get(integration.pk)),
                "finished_s": _round(finished.get(integration.pk)),
                "posted": len(counts),
            }
        )
    firsts = [row["first_posted_s"] for row in per_integration]
    ends = [row["finished_s"] for row in per_integration]
    complete = None not in ends
    fair = complete and None not in firsts and max(firsts) < min(ends)
    total = args.items * args.integrations
    figures = {
        "workers": workers,
        "items": total,
        "wall_seconds": _round(wall),
        "items_per_second": round(total / wall, 1) if wall and complete else None,
        "duplicates": duplicates,
        "lost": lost,
        "all_jobs_closed": complete,
        "job_statuses": dict(Counter(jobs.values_list("status", flat=True))),
        "fair": fair,
        "longest_wait_for_first_post_s": max(firsts) if None not in firsts else None,
        "first_job_finished_s": min(ends) if complete else None,
        "per_integration": per_integration,
        "progress_samples": samples[:: max(len(samples) // 40, 1)],
        "load_average": os.getloadavg()[0],
        **used,
        "cpu_ms_per_item": {
            name: round(seconds * 1000 / total, 2) for name, seconds in used["cpu_seconds"].items()
        },
    }
    figures["ok"] = complete and duplicates == 0 and lost == 0  # fairness is reported beside
    say(
        f"CPU: {used['machine_busy_cores']} of {os.cpu_count()} cores busy; ms per item "
        + ", ".join(f"{name} {value}" for name, value in figures["cpu_ms_per_item"].items())
    )
    say(
        f"{total} items in {figures['wall_seconds']} s → {figures['items_per_second']} items/s; "
        f"{duplicates} duplicates, {lost} lost; first post after at most "
        f"{figures['longest_wait_for_first_post_s']} s, first job closed after "
        f"{figures['first_job_finished_s']} s → fair: {fair}"
    )
    return figures


def wait_until(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        time.sleep(0.2)


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)

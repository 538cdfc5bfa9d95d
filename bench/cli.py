"""`python -m bench [SCENARIO ...] [--items N] [--pleo-latency-ms MS]`: run, print figures.

Human-readable lines first; the last line of stdout is one JSON object with every figure.
Scenarios (default N):
  beancount   the hub into a Beancount ledger (10,000)
  tryton      the hub into a real trytond (2,000; starts one)
  memory      Beancount at 100,000 (slow, not in the quick set)
  latency     Beancount at 0 ms and at 150 ms (or --pleo-latency-ms) of Pleo latency (5,000):
              end-to-end seconds of both and their ratio (target ≤ 1.25)
  quick       what `make bench` runs: the `QUICK` scenarios at their quick sizes
  all         every scenario but `quick`
`python -m bench scale …` is its own command (bench/scale.py): workers × integrations on
PostgreSQL + Redis. `python -m bench erp-direct [--items N]` (bench/erp_direct.py): the
connectors' batch path against writing straight into each ERP, side by side.

Adding a scenario: a function `(Run, items) -> dict of figures` in `SCENARIOS` (and its name in
`QUICK` for `make bench`); its figures land under `scenarios.<name>` in the JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bench import environment

TARGETS = {
    "pleo_calls_ratio": 1.05,
    "hub_ms_per_item": 2.0,
    "rss_peak_mb": 250.0,
    "latency_ratio": 1.25,
}
LATENCY_MS = 150  # the `latency` scenario's default: a real Pleo answers in 100–300 ms


@dataclass
class Run:
    """What every scenario gets: the sandbox server, the workspace and the command's options."""

    url: str
    app: object
    workspace: environment.Workspace
    args: argparse.Namespace


@dataclass(frozen=True)
class Scenario:
    default_items: int
    run: Callable[[Run, int], dict]
    quick_items: int | None = None  # its size in the quick set


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["scale"]:
        from bench import scale

        return scale.main(argv[1:])
    if argv[:1] == ["erp-direct"]:
        from bench import erp_direct

        return erp_direct.main(argv[1:])
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "scenario", nargs="*", default=["beancount"], choices=[*SCENARIOS, "quick", "all"]
    )
    parser.add_argument("--items", type=int, help="N for every scenario run")
    parser.add_argument(
        "--pleo-latency-ms",
        type=int,
        default=None,
        help="delay every answer of the sandbox by this much (its latency fault); the latency "
        f"scenario compares 0 with this (default {LATENCY_MS})",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary data dir")
    parser.add_argument("--profile", action="store_true", help="cProfile the worker (stderr)")
    parser.add_argument("--no-check", action="store_true", help="skip bean-check at the end")
    args = parser.parse_args(argv)
    names: list[tuple[str, int | None]] = []
    for name in args.scenario:
        if name == "all":
            names += [(each, None) for each in SCENARIOS]
        elif name == "quick":
            names += [(each, SCENARIOS[each].quick_items) for each in QUICK]
        else:
            names.append((name, None))

    workspace = environment.prepare(keep=args.keep)
    say(f"exporthub bench: data dir {workspace.data_dir}, {workspace.engine} database")
    output: dict = {
        "bench": "exporthub",
        "database": workspace.engine,
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "started_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "load_average": os.getloadavg()[0],
        "targets": TARGETS,
        "scenarios": {},
    }
    failed = False
    try:
        import django

        django.setup()
        from django.core.management import call_command

        from bench.server import serve_sandbox

        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        say(f"migrated in {time.perf_counter() - started:.1f} s")
        with serve_sandbox() as (url, app):
            say(f"sandbox serving on {url}")
            run = Run(url, app, workspace, args)
            for name, quick_items in names:
                scenario = SCENARIOS[name]
                items = args.items or quick_items or scenario.default_items
                try:
                    figures = scenario.run(run, items)
                except Exception as error:  # report it, run the other scenarios
                    traceback.print_exc()
                    figures = {"error": f"{type(error).__name__}: {error}"}
                output["scenarios"][name] = figures
                failed = failed or bool(figures.get("error"))
    finally:
        workspace.close()
    print(json.dumps(output, sort_keys=True), flush=True)
    return 1 if failed else 0


def say(text: str) -> None:
    print(text, flush=True)


def run_beancount(run: Run, items: int) -> dict:
    return run_scenario("beancount", items, run, latency_ms=run.args.pleo_latency_ms or 0)


def run_tryton(run: Run, items: int) -> dict:
    return run_scenario("tryton", items, run, latency_ms=run.args.pleo_latency_ms or 0)


def run_memory(run: Run, items: int) -> dict:
    return run_scenario("memory", items, run, latency_ms=run.args.pleo_latency_ms or 0)


def run_journal(kind: str):
    def run_it(run: Run, items: int) -> dict:
        return run_scenario(kind, items, run, latency_ms=run.args.pleo_latency_ms or 0)

    return run_it


def run_latency(run: Run, items: int) -> dict:
    """The same Beancount job without and with Pleo latency: how much of it the hub hides."""
    latency = run.args.pleo_latency_ms or LATENCY_MS
    without = run_scenario("latency-0ms", items, run, latency_ms=0, erp_kind="beancount")
    with_latency = run_scenario(
        f"latency-{latency}ms", items, run, latency_ms=latency, erp_kind="beancount"
    )
    ratio = with_latency["wall_seconds"] / without["wall_seconds"]
    figures = {
        "items": items,
        "pleo_latency_ms": latency,
        "wall_seconds_0ms": without["wall_seconds"],
        "wall_seconds_latency": with_latency["wall_seconds"],
        "items_per_second_0ms": without["items_per_second"],
        "items_per_second_latency": with_latency["items_per_second"],
        "latency_ratio": round(ratio, 3),
        "runs": {"0ms": without, f"{latency}ms": with_latency},
    }
    figures["targets_met"] = {"latency_ratio": ratio <= TARGETS["latency_ratio"]}
    say(
        f"\nlatency: {items} items end to end in {without['wall_seconds']} s at 0 ms and "
        f"{with_latency['wall_seconds']} s at {latency} ms per Pleo call: ×{ratio:.3f} "
        f"(target ≤ {TARGETS['latency_ratio']})"
    )
    return figures


def run_scenario(
    name: str, items: int, run: Run, *, latency_ms: int = 0, erp_kind: str | None = None
) -> dict:
    from django.db import connections

    from bench import world

    url, app, workspace, args = run.url, run.app, run.workspace, run.args
    say(f"\n== {name}: {items} items, {latency_ms} ms Pleo latency")
    if erp_kind is None:
        erp_kind = name if name in world.JOURNAL_KINDS or name == "tryton" else "beancount"
    currency = {"tryton": "EUR", "sie4": "SEK"}.get(erp_kind, "DKK")
    started = time.perf_counter()
    seeded = world.seed(f"Bench {name}", items=items, currency=currency, latency_ms=latency_ms)
    seeded.seed_seconds = time.perf_counter() - started
    say(
        f"seeded {seeded.items} entries ({seeded.receipts} receipt files) "
        f"in {seeded.seed_seconds:.1f} s"
    )
    tryton = None
    try:
        if erp_kind == "tryton":
            tryton, database = start_tryton()
            erp = world.tryton_erp(
                name,
                url=tryton.url,
                database=database,
                company_id=tryton.company_id,
                api_key=tryton.api_key,
            )
            integration = world.integrate(
                seeded,
                sandbox_url=url,
                erp=erp,
                mappings=world.TRYTON_MAPPINGS,
                unmapped=world.TRYTON_UNMAPPED,
            )
            ledger = None
        elif erp_kind in world.JOURNAL_KINDS:
            erp, _folder = world.journal_erp(name, erp_kind, currency)
            integration = world.integrate(
                seeded,
                sandbox_url=url,
                erp=erp,
                mappings=world.JOURNAL_MAPPINGS,
                unmapped=world.JOURNAL_UNMAPPED,
            )
            ledger = None
        else:
            erp, ledger = world.beancount_erp(name, currency)
            integration = world.integrate(
                seeded,
                sandbox_url=url,
                erp=erp,
                mappings=world.BEANCOUNT_MAPPINGS,
                unmapped=world.BEANCOUNT_UNMAPPED,
            )
        connections.close_all()
        app.reset()
        say("running the worker (poll_integration + process_integration) …")
        worker = run_worker(integration.pk, workspace, name, profile=args.profile)
        figures = summarize(name, erp_kind, seeded, worker, app)
        figures["pleo_latency_ms"] = latency_ms
        if ledger is not None:
            figures.update(check_ledger(ledger, run_check=not args.no_check))
        if tryton is not None:
            figures["tryton_moves"] = count_moves(erp)
        if erp_kind in world.JOURNAL_KINDS:
            figures.update(check_journal(erp))
    finally:
        if tryton is not None:
            tryton.stop()
            shutil.rmtree(tryton.work_dir, ignore_errors=True)
    report(figures)
    return figures


def check_journal(config) -> dict:
    """The batch files as the register knows them, and whether each file matches it."""
    import hashlib

    from exporthub.connectors.registry import build_connector

    with build_connector(config) as connector:
        batches = list(config.filed_batches.order_by("number"))
        files = [connector.folder / batch.file_name for batch in batches]
        return {
            "journal_batches": len(batches),
            "journal_entries": sum(batch.entry_count for batch in batches),
            "journal_bytes": sum(path.stat().st_size for path in files),
            "journal_files_match_register": all(
                batch.is_written and hashlib.sha256(path.read_bytes()).hexdigest() == batch.checksum
                for batch, path in zip(batches, files, strict=True)
            ),
        }


def run_worker(integration_id: int, workspace, name: str, *, profile: bool) -> dict:
    result = workspace.data_dir / f"worker-{name}.json"
    command = [sys.executable, "-m", "bench.worker", str(integration_id), str(result)]
    if profile:
        command += ["--profile", str(workspace.data_dir / f"worker-{name}.prof")]
    started = time.perf_counter()
    subprocess.run(command, check=True, cwd=environment.ROOT)
    figures = json.loads(result.read_text())
    figures["process_seconds_total"] = time.perf_counter() - started  # incl. start-up
    return figures


def summarize(name: str, erp_kind: str, seeded, worker: dict, app) -> dict:
    from django.db.models import Count

    from bench.instrument import API_KINDS, minimum_calls
    from exporthub.sandbox.models import ExportJob as SandboxJob

    n = seeded.items
    main_thread = worker["pleo"]  # its own exchanges, and its waits for the background's
    exchanges: dict[str, dict] = {}
    for tally in (main_thread, worker["pleo_background"]):
        for kind, value in tally.items():
            if kind.startswith("wait:"):
                continue
            seen = exchanges.setdefault(kind, {"calls": 0, "seconds": 0.0})
            seen["calls"] += value["calls"]
            seen["seconds"] = round(seen["seconds"] + value["seconds"], 4)
    pleo = exchanges
    calls = {kind: pleo.get(kind, {}).get("calls", 0) for kind in API_KINDS}
    extra = {
        kind: value["calls"]
        for kind, value in pleo.items()
        if kind not in API_KINDS and kind != "receipt_download"
    }
    api_calls = sum(calls.values()) + sum(extra.values())
    minimum = sum(minimum_calls(n).values())
    pleo_seconds = sum(value["seconds"] for value in main_thread.values())
    erp_seconds = sum(value["seconds"] for value in worker["erp"].values())
    wall = worker["wall_seconds"]
    hub = wall - erp_seconds - pleo_seconds
    db_queries = sum(value["calls"] for value in worker["db"].values())
    db_seconds = sum(value["seconds"] for value in worker["db"].values())
    statuses = worker["item_statuses"]
    remote = SandboxJob.objects.get(uuid=seeded.job_uuid)
    remote_statuses = dict(
        remote.items.values_list("status").annotate(n=Count("id")).values_list("status", "n")
    )
    figures = {
        "scenario": name,
        "erp": erp_kind,
        "items": n,
        "successful": statuses.get("successful", 0),
        "failed": statuses.get("failed", 0),
        "other": n - statuses.get("successful", 0) - statuses.get("failed", 0),
        "failures": worker["failures"],
        "job_status": worker["job_status"],
        "pleo_job_status": remote.status,
        "pleo_item_statuses": remote_statuses,
        "seed_seconds": round(seeded.seed_seconds, 2),
        "wall_seconds": round(wall, 2),
        "poll_seconds": round(worker["poll_seconds"], 3),
        "items_per_second": round(n / wall, 1) if wall else None,
        "pleo_api_calls": api_calls,
        "pleo_api_calls_min": minimum,
        "pleo_calls_ratio": round(api_calls / minimum, 4),
        "pleo_calls_by_kind": {**calls, **extra},
        "pleo_calls_min_by_kind": minimum_calls(n),
        "sandbox_seen_by_kind": dict(app.tally.calls),
        "sandbox_statuses": dict(app.statuses),
        "receipt_files": seeded.receipts,
        "receipt_downloads": pleo.get("receipt_download", {}).get("calls", 0),
        "pleo_http_seconds": round(sum(value["seconds"] for value in pleo.values()), 2),
        "pleo_http_by_kind": pleo,
        "pleo_main_thread_seconds": round(pleo_seconds, 2),
        "pleo_main_thread_by_kind": main_thread,
        "sandbox_server_seconds": round(app.tally.total_seconds, 2),
        "erp_seconds": round(erp_seconds, 2),
        "erp_by_method": worker["erp"],
        "erp_breakdown": worker["erp_breakdown"],
        "erp_ms_per_item": round(1000 * erp_seconds / n, 3),
        "hub_seconds": round(hub, 2),
        "hub_ms_per_item": round(1000 * hub / n, 3),
        "db_queries": db_queries,
        "db_queries_per_item": round(db_queries / n, 2),
        "db_seconds": round(db_seconds, 2),
        "db_by_verb": worker["db"],
        "db_slowest": worker["db_slowest"],
        "rss_baseline_mb": worker["rss_baseline_mb"],
        "rss_peak_mb": worker["rss_peak_mb"],
        "rss_curve_mb": worker["rss_curve_mb"],
        "children_rss_peak_mb": worker["children_rss_peak_mb"],
        "worker_process_seconds": round(worker["process_seconds_total"], 2),
    }
    figures["targets_met"] = {
        "pleo_calls_ratio": figures["pleo_calls_ratio"] <= TARGETS["pleo_calls_ratio"],
        "hub_ms_per_item": figures["hub_ms_per_item"] < TARGETS["hub_ms_per_item"],
        "rss_peak_mb": figures["rss_peak_mb"] < TARGETS["rss_peak_mb"],
    }
    return figures


def check_ledger(ledger: Path, *, run_check: bool) -> dict:
    text = ledger.read_bytes()
    figures = {"ledger_bytes": len(text), "ledger_entries": text.count(b"\n  pleo-id: ")}
    if run_check:
        started = time.perf_counter()
        result = subprocess.run(
            [str(Path(sys.executable).parent / "bean-check"), str(ledger)],
            capture_output=True,
            text=True,
        )
        figures["bean_check_ok"] = result.returncode == 0
        figures["bean_check_seconds"] = round(time.perf_counter() - started, 2)
        if result.returncode:
            figures["bean_check_output"] = (result.stdout + result.stderr)[-2000:]
    return figures


def start_tryton():
    """trytond on a free port with a fresh clone of the test template (built once, in var/)."""
    from django.conf import settings

    from devtools.tryton.localserver import start_server

    started = time.perf_counter()
    server = start_server(settings.DATABASES["default"], environment.ROOT / "var")
    database = server.clone()
    say(f"trytond on {server.url}, database {database} ({time.perf_counter() - started:.1f} s)")
    return server, database


def count_moves(config) -> int:
    from exporthub.connectors.registry import build_connector

    with build_connector(config) as connector:
        rows = connector.client.search(
            "account.move", [("description", "like", "pleo:%")], ["id"], limit=10**7
        )
    return len(rows)


def report(f: dict) -> None:
    n = f["items"]
    say(
        f"{f['successful']}/{n} successful, {f['failed']} failed; job {f['job_status']} "
        f"(Pleo: {f['pleo_job_status']})"
    )
    for reason_type, failure in f["failures"].items():
        say(f"  failed: {failure['count']} × {reason_type}: {failure['example']}")
    say(f"wall {f['wall_seconds']} s → {f['items_per_second']} items/s")
    say(
        f"Pleo API calls {f['pleo_api_calls']} vs minimum {f['pleo_api_calls_min']} "
        f"(×{f['pleo_calls_ratio']}); by kind {f['pleo_calls_by_kind']}; "
        f"+ {f['receipt_downloads']} receipt downloads for {f['receipt_files']} files"
    )
    say(
        f"time: ERP {f['erp_seconds']} s ({f['erp_ms_per_item']} ms/item), "
        f"Pleo: the main thread {f['pleo_main_thread_seconds']} s (HTTP of all threads "
        f"{f['pleo_http_seconds']} s), hub {f['hub_seconds']} s "
        f"= {f['hub_ms_per_item']} ms/item (of which DB {f['db_seconds']} s, "
        f"{f['db_queries_per_item']} queries/item)"
    )
    if f["erp_breakdown"]:
        parts = ", ".join(
            f"{name} {value['seconds']:.2f} s/{value['calls']}"
            for name, value in f["erp_breakdown"].items()
        )
        say(f"inside the connector: {parts}")
    say(
        f"worker RSS: baseline {f['rss_baseline_mb']} MB, peak {f['rss_peak_mb']} MB, "
        f"every 10 % of posts {f['rss_curve_mb']}; its children (full ledger checks) "
        f"peaked at {f['children_rss_peak_mb']} MB"
    )
    if "ledger_bytes" in f:
        check = f.get("bean_check_ok")
        say(
            f"ledger {f['ledger_bytes'] / 2**20:.1f} MB, {f['ledger_entries']} entries; "
            f"bean-check {'skipped' if check is None else 'clean' if check else 'FAILED'}"
            + (f" in {f['bean_check_seconds']} s" if check is not None else "")
        )
    if "journal_batches" in f:
        say(
            f"journal: {f['journal_batches']} file(s), {f['journal_entries']} entries, "
            f"{f['journal_bytes'] / 2**20:.2f} MB; files match the register: "
            f"{f['journal_files_match_register']}"
        )
    if "tryton_moves" in f:
        say(f"Tryton holds {f['tryton_moves']} moves from Pleo")
    missed = [name for name, ok in f["targets_met"].items() if not ok]
    say("targets: " + ("all met" if not missed else f"missed {', '.join(missed)}"))


SCENARIOS: dict[str, Scenario] = {
    "beancount": Scenario(10_000, run_beancount),
    "tryton": Scenario(2_000, run_tryton, quick_items=500),
    "memory": Scenario(100_000, run_memory),
    "latency": Scenario(5_000, run_latency, quick_items=5_000),
    "csv": Scenario(2_000, run_journal("csv")),
    "xlsx": Scenario(2_000, run_journal("xlsx")),
    "sie4": Scenario(2_000, run_journal("sie4")),
}
# `make bench`: a few minutes on a 2-core machine.
QUICK = ("latency", "tryton")

"""The bench command end to end at a tiny N: it runs, and its last line is the JSON it promises."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_the_bench_runs_twenty_items_through_beancount_and_ends_with_its_figures_as_json():
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("DATABASE_URL", None)  # a throwaway SQLite file, whatever this test run uses
    result = subprocess.run(
        [sys.executable, "-m", "bench", "beancount", "--items", "20"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    lines = result.stdout.strip().splitlines()
    figures = json.loads(lines[-1])["scenarios"]["beancount"]
    assert figures["items"] == 20
    assert figures["successful"] + figures["failed"] == 20
    assert figures["successful"] == figures["ledger_entries"] > 0
    assert figures["bean_check_ok"] is True
    assert figures["pleo_calls_min_by_kind"] == {
        "job_item_page": 1,
        "export_item_page": 1,
        "item_update": 1,
        "job_event": 2,
    }
    assert figures["pleo_calls_by_kind"]["job_event"] == 2
    assert figures["pleo_api_calls"] == figures["pleo_api_calls_min"] + 2  # list + get the job
    assert figures["sandbox_seen_by_kind"]["item_update"] == 1  # counted on both sides
    assert figures["erp_by_method"]["post_many"]["calls"] == 1  # one page, one batch
    assert figures["failed"] == 0  # the bench seeds postable entries only
    assert figures["pleo_latency_ms"] == 0
    assert figures["rss_peak_mb"] > 0
    assert {"wall_seconds", "items_per_second", "hub_ms_per_item", "erp_seconds"} <= set(figures)
    assert any(line.startswith("wall ") for line in lines[:-1])  # the human-readable part


@pytest.mark.slow
def test_bench_scale_runs_tiny_rounds_and_checks_every_item_posted_once():
    env = {**os.environ, "PYTHONPATH": str(ROOT)}  # this pass's database server and broker
    result = subprocess.run(
        [sys.executable, "-m", "bench", "scale", "--integrations", "2", "--items", "15",
         "--workers", "1", "2", "--pleo-latency-ms", "0"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )  # fmt: skip

    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    assert set(figures["rounds"]) == {"1", "2"}
    for round_figures in figures["rounds"].values():
        assert round_figures["items"] == 30
        assert round_figures["duplicates"] == 0
        assert round_figures["lost"] == 0
        assert round_figures["job_statuses"] == {"completed": 2}
        assert {row["posted"] for row in round_figures["per_integration"]} == {15}
        assert round_figures["items_per_second"] > 0
    assert set(figures["speedup"]) == {"1", "2"}
    assert "workers  items/s" in result.stdout

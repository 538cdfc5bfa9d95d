"""Real worker processes: killed mid-job, or racing each other, never post anything twice."""

from __future__ import annotations

import signal
import subprocess
import threading
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from exporthub.core.models import ActivityEntry
from exporthub.sandbox import services as sandbox
from exporthub.sync.claims import claim_next_job
from exporthub.sync.detection import poll_integration
from exporthub.sync.models import ExportJob
from tests.processes import PYTHON, ROOT, child_env
from tests.sync.helpers import ledger_ids, pleo_job, postable_entry_ids

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

# A worker whose ERP takes a while per entry, so it can be killed in the middle of a job.
SLOW_WORKER = """
import time
import django
django.setup()
from exporthub.connectors.beancount.connector import BeancountConnector
post = BeancountConnector.post
def slow_post(self, entry):
    ref = post(self, entry)
    time.sleep(0.25)
    return ref
BeancountConnector.post = slow_post
from exporthub.connectors.base import Connector
BeancountConnector.post_many = Connector.post_many  # a page one entry at a time, slowly
from django.core.management import call_command
call_command("process_pending")
"""


def make_claim_stale(job) -> None:
    ExportJob.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - timedelta(hours=1))


WORKER = (
    "import django; django.setup(); from django.core.management import call_command; "
    "call_command('process_pending')"
)
# A worker that stops (to be killed) right after its first batched write, before the hub records
# what was written; the marker file says the batch is in the ledger.
STOPS_AFTER_A_BATCH = """
import os, time
import django
django.setup()
from exporthub.connectors.beancount.connector import BeancountConnector
post_many = BeancountConnector.post_many
def post_many_then_hang(self, entries):
    results = post_many(self, entries)
    open(os.environ["BATCH_WRITTEN"], "w").write(str(len(entries)))
    time.sleep(300)
    return results
BeancountConnector.post_many = post_many_then_hang
from django.core.management import call_command
call_command("process_pending")
"""


def start_worker(code: str, **env: str) -> subprocess.Popen:
    return subprocess.Popen(
        [PYTHON, "-c", code],
        cwd=ROOT,
        env=child_env(EXPORTHUB_SYNC_CLAIM_STALE_SECONDS="1", **env),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def wait_for(condition, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.1)


def test_a_worker_killed_mid_job_is_resumed_with_no_duplicates(over_http):
    company, integration, ledger = over_http
    ids = postable_entry_ids(company, 20)
    sandbox.create_export_job(company, entry_ids=ids)

    doomed = start_worker(SLOW_WORKER)
    wait_for(lambda: len(ledger_ids(ledger)) >= 5)
    doomed.send_signal(signal.SIGKILL)
    doomed.wait()
    posted_before = ledger_ids(ledger)
    job = ExportJob.objects.get()
    assert job.status == "in_progress"
    assert job.claimed_by  # the dead worker's claim is still on the job
    assert len(posted_before) < len(ids)

    make_claim_stale(job)  # the dead worker's heartbeat is old
    survivor = start_worker(WORKER)
    output = survivor.communicate(timeout=120)[0].decode()
    assert survivor.returncode == 0, output

    job.refresh_from_db()
    assert job.status == "completed", output
    posted = ledger_ids(ledger)
    assert sorted(posted) == sorted(ids)  # every entry exactly once
    assert pleo_job(job).status == "completed"
    assert set(pleo_job(job).items.values_list("status", flat=True)) == {"successful"}
    assert ActivityEntry.objects.filter(action="sync.job.started").count() == 1


def test_a_worker_killed_after_a_batched_write_leaves_the_batch_to_be_found(over_http, tmp_path):
    company, integration, ledger = over_http
    ids = postable_entry_ids(company, 12)
    sandbox.create_export_job(company, entry_ids=ids)
    marker = tmp_path / "batch-written"

    doomed = start_worker(STOPS_AFTER_A_BATCH, BATCH_WRITTEN=str(marker))
    wait_for(marker.exists)
    doomed.send_signal(signal.SIGKILL)
    doomed.wait()
    written = ledger_ids(ledger)
    assert sorted(written) == sorted(ids)  # the whole batch reached the ledger …
    job = ExportJob.objects.get()
    assert set(job.items.values_list("status", flat=True)) == {"pending"}  # … unrecorded

    make_claim_stale(job)  # the dead worker's heartbeat is old
    survivor = start_worker(WORKER)
    output = survivor.communicate(timeout=120)[0].decode()
    assert survivor.returncode == 0, output

    job.refresh_from_db()
    assert job.status == "completed", output
    assert sorted(ledger_ids(ledger)) == sorted(ids)  # found, not written a second time
    assert set(job.items.values_list("status", flat=True)) == {"successful"}
    assert set(pleo_job(job).items.values_list("status", flat=True)) == {"successful"}
    refs = dict(job.items.values_list("accounting_entry_id", "external_id"))
    assert refs == {entry_id: f"pleo-{entry_id}" for entry_id in refs}


def test_two_workers_started_together_process_a_job_once(over_http):
    company, integration, ledger = over_http
    ids = postable_entry_ids(company, 15)
    sandbox.create_export_job(company, entry_ids=ids)

    workers = [start_worker(WORKER), start_worker(WORKER)]
    outputs = [worker.communicate(timeout=120)[0].decode() for worker in workers]

    assert [worker.returncode for worker in workers] == [0, 0], outputs
    assert ExportJob.objects.get().status == "completed"
    assert sorted(ledger_ids(ledger)) == sorted(ids)
    assert ActivityEntry.objects.filter(action="sync.job.started").count() == 1


def test_concurrent_claims_give_the_job_to_exactly_one_worker(over_http):
    company, integration, _ = over_http
    sandbox.create_export_job(company, entry_ids=postable_entry_ids(company, 2))
    poll_integration(integration)
    start = threading.Barrier(6)
    won: list[str] = []

    def claim(name: str) -> None:
        try:
            start.wait()
            if claim_next_job(integration.pk, name) is not None:
                won.append(name)
        finally:
            connection.close()

    threads = [threading.Thread(target=claim, args=(f"worker-{n}",)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(won) == 1
    assert ExportJob.objects.get().claimed_by == won[0]

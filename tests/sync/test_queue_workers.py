"""A real `qcluster` worker takes the engine's tasks from the configured broker: django-q2's ORM
broker in the default set-up, Redis when REDIS_URL is set (the second test pass)."""

from __future__ import annotations

import os
import signal
import subprocess
import time

import pytest
from django.conf import settings

from exporthub.sandbox import services as sandbox
from exporthub.sync.models import ExportJob
from tests.processes import PYTHON, ROOT, child_env
from tests.sync.helpers import ledger_ids, postable_entry_ids

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

ENQUEUE_POLL = (
    "import django; django.setup()\n"
    "from django_q.brokers import get_broker\n"
    "from django_q.tasks import async_task\n"
    "print(type(get_broker()).__name__)\n"
    "async_task('exporthub.sync.tasks.poll_all')\n"
)


def test_a_worker_process_exports_a_job_enqueued_on_the_configured_broker(over_http):
    company, integration, ledger = over_http
    ids = postable_entry_ids(company, 6)
    sandbox.create_export_job(company, entry_ids=ids)
    env = child_env(EXPORTHUB_QUEUE_NAME=f"exporthub-test-{os.getpid()}", EXPORTHUB_WORKERS="2")
    worker = subprocess.Popen(
        [PYTHON, "manage.py", "qcluster"], cwd=ROOT, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        enqueued = subprocess.run(
            [PYTHON, "-c", ENQUEUE_POLL], cwd=ROOT, env=env, capture_output=True, text=True,
            check=True,
        )  # fmt: skip
        deadline = time.monotonic() + 90
        while not ExportJob.objects.filter(status="completed").exists():
            assert time.monotonic() < deadline, "the worker did not export the job"
            time.sleep(0.3)
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.communicate(timeout=60)

    assert enqueued.stdout.strip() == ("Redis" if settings.REDIS_URL else "ORM")
    assert sorted(ledger_ids(ledger)) == sorted(ids)

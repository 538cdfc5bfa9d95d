"""JSON logs carry the engine's job, integration and item; Sentry starts only with a DSN."""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess

import pytest
import sentry_sdk
from sentry_sdk.transport import Transport

from exporthub.ops.logs import JsonFormatter
from exporthub.ops.sentry import QueueErrorReporter, init_sentry
from exporthub.sandbox import services as sandbox
from tests.processes import PYTHON, ROOT
from tests.sync.helpers import patch_post, postable_entry_ids, run

# Loopback: the capturing transport below replaces the network; nothing is ever sent there.
LOCAL_DSN = "http://public@127.0.0.1:9/1"


class CapturingTransport(Transport):
    def __init__(self, options=None):
        super().__init__(options)
        self.events: list[dict] = []

    def capture_envelope(self, envelope):
        self.events += [item.payload.json for item in envelope.items if item.type == "event"]


@pytest.fixture
def json_log():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("exporthub")
    logger.addHandler(handler)
    yield stream
    logger.removeHandler(handler)


@pytest.fixture
def an_erp_that_breaks(monkeypatch):
    def post(self, entry):
        raise RuntimeError("the ERP answered something nobody expected")

    patch_post(monkeypatch, post)


@pytest.fixture
def sentry_events():
    transport = CapturingTransport()
    assert init_sentry(LOCAL_DSN, transport=transport)
    yield transport.events
    sentry_sdk.get_client().close()
    sentry_sdk.get_global_scope().set_client(None)


def test_a_json_log_line_names_the_job_integration_and_item(
    integration, company, json_log, an_erp_that_breaks
):
    entry_id = postable_entry_ids(company, 1)[0]
    sandbox.create_export_job(company, entry_ids=[entry_id])

    job = run(integration)

    lines = [json.loads(line) for line in json_log.getvalue().splitlines()]
    unexpected = [line for line in lines if line["message"].startswith("Unexpected error")]
    assert len(unexpected) == 1
    assert unexpected[0]["job"] == str(job.pleo_id)
    assert unexpected[0]["integration"] == integration.pk
    assert unexpected[0]["item"] == entry_id
    assert unexpected[0]["level"] == "ERROR"
    assert "RuntimeError" in unexpected[0]["exception"]


def test_without_a_dsn_sentry_stays_off():
    assert init_sentry("") is False
    assert not sentry_sdk.is_initialized()


def test_the_engine_reports_what_its_catch_all_records(
    integration, company, an_erp_that_breaks, sentry_events
):
    sandbox.create_export_job(company, entry_ids=postable_entry_ids(company, 1))

    run(integration)

    assert len(sentry_events) == 1
    exception = sentry_events[0]["exception"]["values"][-1]
    assert exception["type"] == "RuntimeError"


def test_a_failed_task_reaches_sentry_through_django_q2s_error_reporter(sentry_events):
    try:
        raise ValueError("a task failed")
    except ValueError:
        QueueErrorReporter().report()

    assert [event["exception"]["values"][-1]["type"] for event in sentry_events] == ["ValueError"]


@pytest.mark.parametrize("dsn", ["", LOCAL_DSN])
def test_the_settings_start_sentry_and_the_task_reporter_only_with_a_dsn(dsn, tmp_path):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "exporthub.settings", "PYTHONPATH": str(ROOT),
           "SECRET_KEY": "x", "EXPORTHUB_DATA_DIR": str(tmp_path), "SENTRY_DSN": dsn}  # fmt: skip
    env.pop("DATABASE_URL", None)
    code = (
        "import django, sentry_sdk; django.setup(); from django.conf import settings; "
        "print(sentry_sdk.is_initialized(), 'error_reporter' in settings.Q_CLUSTER)"
    )
    answer = subprocess.run([PYTHON, "-c", code], env=env, capture_output=True, text=True)
    assert answer.returncode == 0, answer.stderr
    assert answer.stdout.split() == (["True", "True"] if dsn else ["False", "False"])


def test_sentry_is_not_left_running_by_these_tests():
    assert not sentry_sdk.is_initialized()

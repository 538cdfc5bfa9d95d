"""`make run`'s command: sets everything up, exports the pending job, stops cleanly."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time

import httpx
import pytest
from cryptography.fernet import Fernet

from exporthub.demo.services import MAPPINGS, seed_demo
from exporthub.sync.models import Integration
from tests.processes import PYTHON, ROOT
from tests.sync.helpers import ledger_ids


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_seeding_the_demo_twice_changes_nothing_but_the_login(db, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    first = seed_demo(password="one", base_url="http://127.0.0.1:8000", entries=10)
    second = seed_demo(password="two", base_url="http://127.0.0.1:9000", entries=10)

    assert first.created and not second.created
    assert first.company_id == second.company_id
    integration = Integration.objects.get()
    assert integration.pleo_connection.base_url == "http://127.0.0.1:9000/sandbox/pleo"
    assert integration.mappings.count() == len(MAPPINGS)


@pytest.mark.slow
def test_the_demo_exports_its_pending_job_and_stops_on_ctrl_c(tmp_path):
    port = free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_URL", "REDIS_URL", "EXPORTHUB_"))
    }
    env.update(
        SECRET_KEY="demo-test-secret",
        EXPORTHUB_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
        EXPORTHUB_PLEO_WEBHOOK_SECRET="whsec_QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB",
        EXPORTHUB_DEMO_PASSWORD="demo-test-password",
        EXPORTHUB_SANDBOX_ENABLED="True",
        EXPORTHUB_DATA_DIR=str(tmp_path),
    )
    demo = subprocess.Popen(
        [PYTHON, "manage.py", "rundemo", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        banner = ""
        for line in demo.stdout:
            banner += line
            if "Press Ctrl-C" in line:
                break
        assert f"running at http://127.0.0.1:{port}/" in banner, banner
        assert "sign in as: demo / demo-test-password" in banner
        client = httpx.Client(base_url=f"http://127.0.0.1:{port}")
        login = client.get("/accounts/login/")
        assert login.status_code == 200
        signed_in = client.post(
            "/accounts/login/",
            data={"username": "demo", "password": "demo-test-password",
                  "csrfmiddlewaretoken": login.cookies["csrftoken"]},
            headers={"referer": f"http://127.0.0.1:{port}/accounts/login/"},
        )  # fmt: skip
        assert signed_in.status_code == 302

        ledger = tmp_path / "demo" / "nordlys.beancount"
        deadline = time.monotonic() + 120
        while len(ledger_ids(ledger)) < 100:
            assert time.monotonic() < deadline, "the demo did not export its pending job"
            time.sleep(0.5)
    finally:
        demo.send_signal(signal.SIGINT)
        demo.communicate(timeout=30)
    assert demo.returncode == 0
    leftovers = subprocess.run(
        ["pgrep", "-f", f"runserver 127.0.0.1:{port}"], capture_output=True, text=True
    )
    assert leftovers.stdout == ""


def test_the_tryton_demo_points_its_erp_connection_at_the_running_server(db, settings, tmp_path):
    from exporthub.connectors.models import ConnectorConfig
    from exporthub.demo.services import TrytonTarget

    settings.DATA_DIR = tmp_path
    first = TrytonTarget("http://127.0.0.1:40001", "books", 1, "key-one")
    seed_demo(password="x", base_url="http://127.0.0.1:8000", entries=10, tryton=first)
    again = TrytonTarget("http://127.0.0.1:40002", "books", 1, "key-two")
    seed_demo(password="x", base_url="http://127.0.0.1:8000", entries=10, tryton=again)

    tryton = ConnectorConfig.objects.get(kind="tryton")
    assert tryton.settings == {"url": "http://127.0.0.1:40002", "database": "books",
                               "company_id": 1}  # fmt: skip
    assert tryton.secret("api_key") == "key-two"
    integration = Integration.objects.get(erp_connection=tryton)
    assert integration.pleo_connection.company_id is not None
    assert not integration.fallback_to_pleo_codes

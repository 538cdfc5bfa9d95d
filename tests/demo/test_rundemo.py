"""`make run`'s command: sets everything up, exports the pending job, stops cleanly."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import threading
import time

import httpx
import pytest
from cryptography.fernet import Fernet

from exporthub.demo.services import MAPPINGS, seed_demo
from exporthub.sync.models import Integration
from tests.processes import PYTHON, ROOT, descendants, running
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


STARTUP_DEADLINE = 180  # seconds; generous, a loaded 2-core machine starts Django slowly
STOP_BOUND = 5  # seconds from the signal until every process the demo started is gone


class RunningDemo:
    """`manage.py rundemo` in a child process, its output collected by a thread."""

    def __init__(self, tmp_path, *, sigint_ignored: bool = False):
        self.port = free_port()
        self.ledger = tmp_path / "demo" / "nordlys.beancount"
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
        command = [PYTHON, "manage.py", "rundemo", "--port", str(self.port)]
        if sigint_ignored:
            # As from a script that ignores Ctrl-C: the demo inherits SIGINT as SIG_IGN.
            command = ["bash", "-c", 'trap "" INT; exec "$@"', "bash", *command]
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        self.output = ""
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.output += line

    def wait_for(self, condition, what: str, deadline: float = STARTUP_DEADLINE) -> None:
        end = time.monotonic() + deadline
        while not condition():
            assert self.process.poll() is None, f"the demo exited while {what}:\n{self.output}"
            assert time.monotonic() < end, f"no {what} after {deadline} s:\n{self.output}"
            time.sleep(0.2)

    def wait_until_running(self) -> None:
        self.wait_for(lambda: "Press Ctrl-C" in self.output, "banner")

    def exported(self) -> int:
        return len(ledger_ids(self.ledger))

    def stop(self, signum: int) -> float:
        """Send `signum`; return the seconds until the demo and all it started had stopped."""
        started = descendants(self.process.pid) | {self.process.pid}
        sent = time.monotonic()
        self.process.send_signal(signum)
        while running(started) and time.monotonic() - sent < 60:
            time.sleep(0.05)
        took = time.monotonic() - sent
        self.process.wait(timeout=60)
        self.reader.join(timeout=60)
        assert running(started) == set(), f"still running after {took:.1f} s"
        return took

    def kill(self) -> None:
        """Leave nothing behind whatever happened in the test."""
        for pid in descendants(self.process.pid) | {self.process.pid}:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.process.wait(timeout=60)


@pytest.fixture
def start_demo(tmp_path):
    demos = []

    def start(**options) -> RunningDemo:
        demos.append(RunningDemo(tmp_path, **options))
        return demos[-1]

    yield start
    for demo in demos:
        demo.kill()


@pytest.mark.slow
def test_the_demo_exports_its_pending_job_and_stops_on_ctrl_c(start_demo):
    demo = start_demo()
    demo.wait_until_running()
    assert f"running at http://127.0.0.1:{demo.port}/" in demo.output, demo.output
    assert "sign in as: demo / demo-test-password" in demo.output
    client = httpx.Client(base_url=f"http://127.0.0.1:{demo.port}")
    login = client.get("/accounts/login/")
    assert login.status_code == 200
    signed_in = client.post(
        "/accounts/login/",
        data={"username": "demo", "password": "demo-test-password",
              "csrfmiddlewaretoken": login.cookies["csrftoken"]},
        headers={"referer": f"http://127.0.0.1:{demo.port}/accounts/login/"},
    )  # fmt: skip
    assert signed_in.status_code == 302
    demo.wait_for(lambda: demo.exported() >= 100, "export of the pending job")

    took = demo.stop(signal.SIGINT)

    assert took < STOP_BOUND
    assert demo.process.returncode == 0


@pytest.mark.slow
@pytest.mark.parametrize(
    ("signum", "sigint_ignored"),
    [(signal.SIGTERM, False), (signal.SIGINT, True)],
    ids=["sigterm", "ctrl-c-from-a-script-that-ignores-it"],
)
def test_the_demo_stops_everything_it_started_mid_job(start_demo, signum, sigint_ignored):
    demo = start_demo(sigint_ignored=sigint_ignored)
    demo.wait_until_running()
    demo.wait_for(lambda: demo.exported() >= 1, "first exported entry")

    took = demo.stop(signum)

    assert took < STOP_BOUND, demo.output
    assert demo.process.returncode == 0


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

"""The image's entrypoint, run for real: `bin/serve migrate`, then `web` and `worker` export a job.

No container can be built here, so this starts exactly what the image starts (bin/serve) as
real processes: on PostgreSQL + Redis when DATABASE_URL/REDIS_URL are set (the second test pass),
otherwise on SQLite with django-q2's ORM broker. The database is a fresh one of its own, not the
pytest test database, because `bin/serve migrate` builds it from nothing as in a deployment.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import time
from pathlib import Path

import dj_database_url
import httpx
import psycopg
import pytest
from cryptography.fernet import Fernet

from tests.processes import PYTHON, ROOT
from tests.sync.helpers import ledger_ids

pytestmark = pytest.mark.slow

SERVE = str(ROOT / "bin" / "serve")
FINISHED = {"completed", "completed_with_errors"}

SEED = """
import json
from exporthub.demo.services import seed_demo
from exporthub.pleo.models import PleoConnection
state = seed_demo(password="serve-test-password", base_url="{base_url}", entries=12)
key = PleoConnection.objects.get(company_id=state.company_id).api_key
print(json.dumps({{"company_id": state.company_id, "ledger": state.ledger_path, "api_key": key}}))
"""


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def fresh_database(tmp_path: Path):
    """A database URL nobody has used: a new SQLite file, or a new PostgreSQL database."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        yield f"sqlite:///{tmp_path / 'serve.sqlite3'}"
        return
    server = dj_database_url.parse(url)
    name = f"exporthub_serve_{os.getpid()}"
    admin = psycopg.connect(
        host=server["HOST"] or "127.0.0.1",
        port=server["PORT"] or 5432,
        user=server["USER"],
        password=server["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    )
    with admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield url.rsplit("/", 1)[0] + f"/{name}"
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def serve_env(database_url: str, data_dir: Path, port: int) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_URL", "REDIS_URL", "EXPORTHUB_"))
    }
    env.update(
        PYTHON=PYTHON,
        PYTHONPATH=str(ROOT),
        DJANGO_SETTINGS_MODULE="exporthub.settings",
        DATABASE_URL=database_url,
        SECRET_KEY="serve-test-secret-key",
        EXPORTHUB_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
        EXPORTHUB_PLEO_WEBHOOK_SECRET="whsec_QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB",
        EXPORTHUB_SANDBOX_ENABLED="True",
        EXPORTHUB_SANDBOX_WEBHOOK_URL=f"http://127.0.0.1:{port}/webhooks/pleo/",
        EXPORTHUB_DATA_DIR=str(data_dir),
        EXPORTHUB_BIND=f"127.0.0.1:{port}",
        EXPORTHUB_WEB_WORKERS="2",
        EXPORTHUB_WORKERS="1",
        # Several test runs may share one Redis: each keeps its own queue.
        EXPORTHUB_QUEUE_NAME=f"serve-test-{os.getpid()}",
        ALLOWED_HOSTS="127.0.0.1",
    )
    if os.environ.get("REDIS_URL"):
        env["REDIS_URL"] = os.environ["REDIS_URL"]
    return env


def start(role: str, env: dict[str, str], log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [SERVE, role],
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def stop(process: subprocess.Popen) -> int:
    """SIGTERM to the entrypoint's process alone, as `docker stop` does; it stops its children."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        return process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        return process.wait()


def wait_for(condition, what: str, processes, logs, seconds: float = 300):
    deadline = time.monotonic() + seconds
    while True:
        result = condition()
        if result:
            return result
        for process, log in zip(processes, logs, strict=True):
            assert process.poll() is None, f"{log.name} exited:\n{log.read_text()[-3000:]}"
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.5)


def test_bin_serve_migrates_then_web_and_worker_export_a_job_end_to_end(tmp_path):
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    with fresh_database(tmp_path) as database_url:
        env = serve_env(database_url, tmp_path / "data", port)
        migrated = subprocess.run(
            [SERVE, "migrate"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
        )
        assert migrated.returncode == 0, migrated.stdout + migrated.stderr

        seeded = subprocess.run(
            [PYTHON, "manage.py", "shell", "-c", SEED.format(base_url=base_url)],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert seeded.returncode == 0, seeded.stderr
        demo = json.loads(seeded.stdout.strip().splitlines()[-1])

        logs = [tmp_path / "web.log", tmp_path / "worker.log"]
        processes = [start("web", env, logs[0]), start("worker", env, logs[1])]
        try:
            client = httpx.Client(base_url=base_url, timeout=10)

            def signed_in_page():
                with contextlib.suppress(httpx.TransportError):
                    return client.get("/accounts/login/").status_code == 200
                return False

            wait_for(signed_in_page, "gunicorn to answer", processes, logs)

            def finished_job():
                answer = client.get(
                    "/sandbox/pleo/v3/export-jobs",
                    params={"companyId": demo["company_id"]},
                    auth=(demo["api_key"], ""),
                )
                assert answer.status_code == 200, answer.text
                done = [job for job in answer.json()["data"] if job["status"] in FINISHED]
                return done[0] if done else None

            job = wait_for(finished_job, "the worker to export the job", processes, logs)
            assert job["status"] == "completed"
            assert len(ledger_ids(Path(demo["ledger"]))) > 0

            health = client.get("/healthz")
            assert health.status_code == 200, health.text
        finally:
            codes = [stop(process) for process in processes]
    assert codes == [0, 0], [log.read_text()[-3000:] for log in logs]

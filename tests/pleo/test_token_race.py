from __future__ import annotations

import hashlib
import json
import subprocess
import time
from datetime import timedelta

import httpx
import pytest
from django.utils import timezone

from exporthub.pleo.connections import complete_authorization, start_authorization
from exporthub.pleo.models import PleoConnection
from exporthub.sandbox import services
from tests.pleo.conftest import REDIRECT_URI, approve_in_browser
from tests.processes import PYTHON, ROOT, child_env

pytestmark = pytest.mark.slow


def _authorised_connection(live_server, company) -> tuple[PleoConnection, object]:
    oauth_client, secret = services.create_oauth_client(company, redirect_uri=REDIRECT_URI)
    connection = PleoConnection.objects.create(
        name="Acme",
        company_id=company.uuid,
        base_url=f"{live_server.url}/sandbox/pleo",
        auth_method=PleoConnection.AuthMethod.OAUTH,
        oauth_client_id=oauth_client.client_id,
        oauth_client_secret=secret,
    )
    request = start_authorization(connection, redirect_uri=REDIRECT_URI)
    answer = approve_in_browser(request.url)
    complete_authorization(
        connection,
        code=answer["code"],
        redirect_uri=REDIRECT_URI,
        code_verifier=request.code_verifier,
    )
    return connection, oauth_client


def test_it_refreshes_once_when_two_processes_find_the_token_expired(
    transactional_db, live_server, tmp_path
):
    company, _ = services.create_company(name="Acme ApS")
    services.seed_company(company, entries=2)
    services.create_export_job(company)
    connection, oauth_client = _authorised_connection(live_server, company)
    PleoConnection.objects.filter(pk=connection.pk).update(
        access_token_expires_at=timezone.now() - timedelta(minutes=1)
    )
    go = tmp_path / "go"
    workers = [
        subprocess.Popen(
            [PYTHON, "-m", "tests.pleo.refresh_worker", str(connection.pk), str(ready), str(go)],
            cwd=ROOT,
            env=child_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for ready in (tmp_path / "ready-1", tmp_path / "ready-2")
    ]
    deadline = time.monotonic() + 30
    while not all((tmp_path / f"ready-{n}").exists() for n in (1, 2)):
        assert time.monotonic() < deadline, "workers did not start"
        assert all(worker.poll() is None for worker in workers), workers[0].stderr.read()
        time.sleep(0.01)
    go.touch()
    results = []
    for worker in workers:
        out, err = worker.communicate(timeout=60)
        assert worker.returncode == 0, err
        results.append(json.loads(out.strip().splitlines()[-1]))

    stored = PleoConnection.objects.get(pk=connection.pk)
    stored_digest = hashlib.sha256(stored.access_token.encode()).hexdigest()
    assert services.token_refresh_count(oauth_client) == 1
    assert [r["jobs"] for r in results] == [1, 1]
    assert [r["token"] for r in results] == [stored_digest, stored_digest]
    assert stored.status == PleoConnection.Status.ACTIVE
    assert stored.refresh_lease_id == ""
    # The one stored token really works.
    answer = httpx.get(
        f"{live_server.url}/sandbox/pleo/v3/export-jobs",
        headers={"Authorization": f"Bearer {stored.access_token}"},
    )
    assert answer.status_code == 200

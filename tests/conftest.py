from __future__ import annotations

import logging
import shutil
from pathlib import Path

import httpx
import pytest
from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, connection

from devtools.tryton.localserver import start_server
from tests.contract import Contract, ContractCheckingTransport
from tests.processes import end_other_sessions, wait_for_other_sessions_to_end

SANDBOX_BASE_PATH = "/sandbox/pleo"
log = logging.getLogger(__name__)


class InProcessWSGIHandler(WSGIHandler):
    """WSGIHandler that, like Django's test client, keeps the test's database connection (and
    its transaction) open: Django closes connections on request start/finish otherwise."""

    def __call__(self, environ, start_response):
        request_started.disconnect(close_old_connections)
        request_finished.disconnect(close_old_connections)
        try:
            response = super().__call__(environ, start_response)
            body = b"".join(response)
            response.close()
            return [body]
        finally:
            request_started.connect(close_old_connections)
            request_finished.connect(close_old_connections)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """pytest-django's test database, dropped only once no other session uses it.

    Tests that start processes (workers, the demo, token-refresh racers) or threads stop them
    before they end, but PostgreSQL ends a departed client's session a moment later; without
    this wait the DROP DATABASE at teardown could fail with "being accessed by other users".
    """
    yield
    with django_db_blocker.unblock():
        left = wait_for_other_sessions_to_end(deadline=15)
        if left:
            # A connection a finished thread never closed (Django keeps connections per thread;
            # the live server's request threads are one source) idles until the process exits.
            # It belongs to this test run, which is over: end it so the drop succeeds.
            log.warning("Ending sessions left on the test database: %s", left)
            end_other_sessions()
            wait_for_other_sessions_to_end(deadline=15)
        connection.close()


@pytest.fixture
def user(django_user_model):
    return django_user_model.objects.create_user("alice", password="alice-password")


@pytest.fixture(scope="session")
def contract() -> Contract:
    """Pleo's OpenAPI contract, loaded once; checks traffic to the sandbox's mount point."""
    return Contract(base_path=SANDBOX_BASE_PATH)


@pytest.fixture
def sandbox_base_url() -> str:
    return f"http://testserver{SANDBOX_BASE_PATH}"


@pytest.fixture
def sandbox_transport(contract, db):
    """Reaches the sandbox in-process (WSGI); every request and response is checked against the
    contract, and the test fails on any violation even if the code under test caught it."""
    already_seen = len(contract.violations)
    transport = ContractCheckingTransport(httpx.WSGITransport(app=InProcessWSGIHandler()), contract)
    yield transport
    new_violations = contract.violations[already_seen:]
    assert not new_violations, "Pleo contract violations:\n" + "\n".join(new_violations)


@pytest.fixture
def sandbox_http(sandbox_transport, sandbox_base_url):
    with httpx.Client(base_url=sandbox_base_url, transport=sandbox_transport) as client:
        yield client


@pytest.fixture(scope="session")
def tryton_server():
    """trytond on a free loopback port, on the test run's kind of database (see tryton_server)."""
    server = start_server(settings.DATABASES["default"], Path(settings.DATA_DIR))
    yield server
    server.stop()
    shutil.rmtree(server.work_dir, ignore_errors=True)


@pytest.fixture
def tryton_database(tryton_server):
    name = tryton_server.clone()
    yield name
    tryton_server.drop(name)

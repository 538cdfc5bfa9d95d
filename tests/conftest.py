from __future__ import annotations

import httpx
import pytest
from django.core.handlers.wsgi import WSGIHandler

from tests.contract import Contract, ContractCheckingTransport

SANDBOX_BASE_PATH = "/sandbox/pleo"


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
    transport = ContractCheckingTransport(httpx.WSGITransport(app=WSGIHandler()), contract)
    yield transport
    new_violations = contract.violations[already_seen:]
    assert not new_violations, "Pleo contract violations:\n" + "\n".join(new_violations)


@pytest.fixture
def sandbox_http(sandbox_transport, sandbox_base_url):
    with httpx.Client(base_url=sandbox_base_url, transport=sandbox_transport) as client:
        yield client

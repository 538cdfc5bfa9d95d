from __future__ import annotations

import pytest

from exporthub.connectors.models import ConnectorConfig
from exporthub.demo import services as demo
from exporthub.pleo.models import PleoConnection
from exporthub.sandbox import services as sandbox
from exporthub.sync.models import Integration

# The seeded sandbox company's chart as Beancount accounts, and the mappings it needs: the demo's.
LEDGER_ACCOUNTS = demo.LEDGER_ACCOUNTS
MAPPINGS = [(kind, pleo_key, erp_key) for kind, pleo_key, erp_key, _label in demo.MAPPINGS]


@pytest.fixture(autouse=True)
def pleo_in_process(sandbox_transport, settings):
    """The engine reaches the sandbox in-process, with every exchange checked against the spec."""
    settings.PLEO_TRANSPORT_FACTORY = lambda: sandbox_transport


@pytest.fixture(autouse=True)
def quick_retries(settings):
    settings.SYNC_RETRY_MAX_DELAY_SECONDS = 0
    settings.SYNC_MAX_ATTEMPTS = 3


@pytest.fixture
def company(db):
    company, api_key = sandbox.create_company(name="Nordlys Design ApS", currency="DKK")
    sandbox.seed_company(company, entries=40, seed=7)
    company.test_api_key = api_key
    return company


@pytest.fixture
def pleo_connection(company, sandbox_base_url):
    return PleoConnection.objects.create(
        name="Nordlys",
        company_id=company.uuid,
        base_url=sandbox_base_url,
        auth_method=PleoConnection.AuthMethod.API_KEY,
        api_key=company.test_api_key,
    )


@pytest.fixture
def ledger_path(tmp_path):
    return tmp_path / "books" / "main.beancount"


@pytest.fixture
def beancount(ledger_path):
    ledger_path.parent.mkdir()
    return ConnectorConfig.objects.create(
        name="Books",
        kind="beancount",
        settings={
            "ledger_path": str(ledger_path),
            "currency": "DKK",
            "open_accounts": LEDGER_ACCOUNTS,
        },
    )


@pytest.fixture
def integration(pleo_connection, beancount):
    integration = Integration.objects.create(
        name="Nordlys → Books", pleo_connection=pleo_connection, erp_connection=beancount
    )
    for kind, pleo_key, erp_key in MAPPINGS:
        integration.mappings.create(kind=kind, pleo_key=pleo_key, erp_key=erp_key)
    return integration


@pytest.fixture
def over_http(live_server, tmp_path):
    """A seeded sandbox company reached over a real socket, wired to a Beancount ledger."""
    company, api_key = sandbox.create_company(name="Nordlys Design ApS", currency="DKK")
    sandbox.seed_company(company, entries=60, seed=7)
    pleo = PleoConnection.objects.create(
        name="Nordlys",
        company_id=company.uuid,
        base_url=f"{live_server.url}/sandbox/pleo",
        auth_method=PleoConnection.AuthMethod.API_KEY,
        api_key=api_key,
    )
    ledger = tmp_path / "books" / "main.beancount"
    ledger.parent.mkdir()
    erp = ConnectorConfig.objects.create(
        name="Books",
        kind="beancount",
        settings={"ledger_path": str(ledger), "currency": "DKK", "open_accounts": LEDGER_ACCOUNTS},
    )
    integration = Integration.objects.create(
        name="Nordlys", pleo_connection=pleo, erp_connection=erp
    )
    for kind, pleo_key, erp_key in MAPPINGS:
        integration.mappings.create(kind=kind, pleo_key=pleo_key, erp_key=erp_key)
    return company, integration, ledger

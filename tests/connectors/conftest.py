"""Fixtures for the connector tests: a real back end per built-in connector.

The contract every connector keeps is checked by the conformance kit
(`exporthub.connectors.testing`, run in test_conformance_*.py); these fixtures serve the
connectors' own tests.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from devtools.tryton.localserver import TrytonServer
from exporthub.connectors.base import Connector
from exporthub.connectors.models import ConnectorConfig
from exporthub.connectors.registry import build_connector
from tests.connectors.entries import Chart
from tests.connectors.receiver import SECRET, Receiver

BEANCOUNT_CHART = Chart(
    expense="6840",  # Expenses:Meals, found by its `code:` metadata
    vat="Assets:VAT:Input",  # found by account name
    payable="5820",
    tax_code="VAT25",
    dimension=("DEPT", "SALES"),
)


@dataclass
class Backend:
    connector: Connector
    chart: Chart
    count: Callable[[str], int]  # how many ledger entries the system holds for a Pleo id


def beancount_config(tmp_path, **settings) -> ConnectorConfig:
    values = {
        "ledger_path": str(tmp_path / "main.beancount"),
        "open_accounts": {
            "Expenses:Meals": "6840",
            "Assets:VAT:Input": "",
            "Liabilities:Pleo": "5820",
        },
        "fava_url": "http://127.0.0.1:5000/main",
    }
    values.update(settings)
    return ConnectorConfig(name="Ledger", kind="beancount", settings=values)


def count_in_ledger(path) -> Callable[[str], int]:
    def count(pleo_id: str) -> int:
        if not path.exists():
            return 0
        return path.read_text().count(f'pleo-id: "{pleo_id}"')

    return count


@pytest.fixture
def beancount_backend(tmp_path):
    config = beancount_config(tmp_path)
    with build_connector(config) as connector:
        yield Backend(connector, BEANCOUNT_CHART, count_in_ledger(tmp_path / "main.beancount"))


TRYTON_CHART = Chart(
    expense="5.1.3",  # Services, in Tryton's generic English chart
    vat="6.3.6",
    payable="2.1.1",  # Trade Payables (party required)
    tax_code="VAT25",
    dimension=("DEPT", "SALES"),  # analytic account SALES under root DEPT
)


def tryton_config(server: TrytonServer, database: str, **settings) -> ConnectorConfig:
    """With the admin's login and password (JSON-RPC posts a page at once); `password=""` for
    REST only."""
    api_key = settings.pop("api_key", server.api_key)
    password = settings.pop("password", server.password)
    values = {
        "url": server.url,
        "database": database,
        "company_id": server.company_id,
        "login": server.login,
    }
    values.update(settings)
    config = ConnectorConfig(name="Tryton", kind="tryton", settings=values)
    config.set_secret("api_key", api_key)
    config.set_secret("password", password)
    return config


@pytest.fixture
def tryton_backend(tryton_server, tryton_database):
    config = tryton_config(tryton_server, tryton_database)
    with build_connector(config) as connector:

        def count(pleo_id: str) -> int:
            rows = connector.client.search(
                "account.move", [("description", "like", f"pleo:{pleo_id} %")], ["id"]
            )
            return len(rows)

        yield Backend(connector, TRYTON_CHART, count)


HTTP_CHART = Chart(
    expense="6840",
    vat="2640",
    payable="5820",
    tax_code="VAT25",
    dimension=("DEPT", "SALES"),
)
RECEIVER_CHART = {
    "accounts": [
        {"code": "6840", "name": "Meals"},
        {"code": "2640", "name": "Input VAT"},
        {"code": "5820", "name": "Pleo card"},
    ],
    "taxCodes": [{"code": "VAT25", "name": "VAT 25 %"}],
}


@pytest.fixture
def hub_data_dir(tmp_path, settings):
    """Receipts the hub keeps for links go into a fresh data folder."""
    settings.DATA_DIR = tmp_path / "data"
    return settings.DATA_DIR


@pytest.fixture
def receiver(tmp_path):
    """The reference receiver (not started); stopped after the test."""
    made = Receiver(tmp_path / "receiver.sqlite3", chart=RECEIVER_CHART)
    yield made
    made.stop()


def http_endpoint_config(url: str, **settings) -> ConnectorConfig:
    config = ConnectorConfig(
        name="Own ERP", kind="http_endpoint", settings={"url": url, **settings}
    )
    config.set_secret("signing_secret", SECRET)
    return config


FILE_JOURNAL_CHART = Chart(
    expense="6000",
    vat="6900",
    payable="5820",
    tax_code="I25",
    dimension=("DEPT", "SALES"),
)


def file_journal_config(kind: str, folder, **settings) -> ConnectorConfig:
    values = {
        "folder": str(folder),
        "company_name": "Nordlys Design ApS",
        "accounts": {"6000": "Meals", "6900": "Input VAT", "5820": "Pleo wallet"},
    }
    values.update(settings)
    return ConnectorConfig.objects.create(name=f"Journal {kind}", kind=kind, settings=values)


DATEV_SETTINGS = {
    "currency": "EUR",
    "datev_consultant": 1234567,
    "datev_client": 10001,
    "datev_account_length": 4,
    "datev_fiscal_year_start": 1,
    "datev_vat": "rows",  # the contract's tax code (I25) is no BU-Schlüssel
}

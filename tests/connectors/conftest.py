"""Fixtures for the connector tests: one real back end per registered connector kind.

Every `<kind>_backend` fixture returns a `Backend`; `backend` is parametrised over the registry,
so the contract tests in test_contract.py run against every connector.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from devtools.tryton.localserver import TrytonServer
from exporthub.connectors.base import Connector
from exporthub.connectors.models import ConnectorConfig
from exporthub.connectors.registry import CONNECTORS, build_connector
from tests.connectors.entries import Chart

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
    api_key = settings.pop("api_key", server.api_key)
    values = {"url": server.url, "database": database, "company_id": server.company_id}
    values.update(settings)
    config = ConnectorConfig(name="Tryton", kind="tryton", settings=values)
    config.set_secret("api_key", api_key)
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


def count_in_journal(connector) -> Callable[[str], int]:
    """How many entries of a Pleo id the connection's files hold, read back independently
    (the files are brought up to date with the register first, as at the end of a run)."""
    from tests.connectors.journal_files import entries_of, read_journal

    def count(pleo_id: str) -> int:
        connector.post_many([])
        found = 0
        for path in connector.folder.glob(f"*.{connector.format.extension}"):
            lines = entries_of(read_journal(path))
            found += sum(1 for rows in lines.values() if rows[0]["pleo_id"] == pleo_id)
        return found

    return count


def _file_journal_backend(kind, settings, db):
    config = file_journal_config(kind, settings.DATA_DIR / "journal")
    with build_connector(config) as connector:
        yield Backend(connector, FILE_JOURNAL_CHART, count_in_journal(connector))


@pytest.fixture
def csv_journal_backend(db, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    yield from _file_journal_backend("csv_journal", settings, db)


@pytest.fixture
def xlsx_journal_backend(db, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    yield from _file_journal_backend("xlsx_journal", settings, db)


# SIE and DATEV: the same journal, read back by the strict readers of tests/connectors/file_formats.
SIE_SETTINGS = {"currency": "EUR", "sie_org_number": "556677-8899", "sie_series": "P"}
DATEV_SETTINGS = {
    "currency": "EUR",
    "datev_consultant": 1234567,
    "datev_client": 10001,
    "datev_account_length": 4,
    "datev_fiscal_year_start": 1,
    "datev_vat": "rows",  # the contract's tax code (I25) is no BU-Schlüssel
}


def count_in_strict_files(connector, ids_in: Callable[[bytes], list[str]]) -> Callable[[str], int]:
    def count(pleo_id: str) -> int:
        connector.post_many([])
        paths = connector.folder.glob(f"*.{connector.format.extension}")
        return sum(ids_in(path.read_bytes()).count(pleo_id) for path in paths)

    return count


def datev_entry_ids(rows) -> list[str]:
    """One Pleo id per entry: an entry's rows follow each other."""
    ids = [row.fields["Beleginfo - Inhalt 1"] for row in rows]
    return [pleo_id for n, pleo_id in enumerate(ids) if n == 0 or ids[n - 1] != pleo_id]


@pytest.fixture
def sie4_journal_backend(db, settings, tmp_path):
    from tests.connectors.file_formats.sie_reader import read_sie

    settings.DATA_DIR = tmp_path
    config = file_journal_config("sie4_journal", tmp_path / "journal", **SIE_SETTINGS)
    with build_connector(config) as connector:
        count = count_in_strict_files(
            connector, lambda data: [v.text.rsplit(" ", 1)[-1] for v in read_sie(data).vouchers]
        )
        yield Backend(connector, FILE_JOURNAL_CHART, count)


@pytest.fixture
def datev_journal_backend(db, settings, tmp_path):
    from tests.connectors.file_formats.datev_reader import read_datev

    settings.DATA_DIR = tmp_path
    config = file_journal_config("datev_journal", tmp_path / "journal", **DATEV_SETTINGS)
    with build_connector(config) as connector:
        count = count_in_strict_files(
            connector,
            lambda data: datev_entry_ids(read_datev(data)[1]),
        )
        yield Backend(connector, FILE_JOURNAL_CHART, count)


@pytest.fixture(params=sorted(CONNECTORS))
def backend(request) -> Backend:
    return request.getfixturevalue(f"{request.param}_backend")

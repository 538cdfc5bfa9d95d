"""The conformance kit against the file journals (CSV, XLSX, SIE 4, DATEV).

The kit's reader reads the files only (never the register), each with its independent reader:
the csv module, openpyxl, and the strict SIE and DATEV readers of tests/connectors/file_formats.
The register lives in the hub's database, so a forked child of the kit must not use the parent's
database session (they would share one socket): `connect()` in a child opens its own, and the
test that forks runs in a committed transaction, so the child sees the connection and the parent
sees what the child filed (once, for the CSV kind: see FileJournalConformance).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connections

from exporthub.connectors.file_journal.connector import FileJournalConnector
from exporthub.connectors.models import ConnectorConfig
from exporthub.connectors.registry import build_connector
from exporthub.connectors.testing import (
    Chart,
    ConnectorConformance,
    Posted,
    PostedLine,
    Supports,
    Target,
)
from tests.connectors.file_formats.datev_reader import read_datev
from tests.connectors.file_formats.sie_reader import read_sie
from tests.connectors.journal_files import entries_of, read_journal

pytestmark = pytest.mark.django_db

CHART = Chart(
    expense="6000",
    other_expense="6010",
    input_vat="6900",
    output_vat="6920",
    payable="5820",
    standard_tax="I25",
    zero_tax="Z0",
    reverse_charge_tax="RC25",
)
SETTINGS = {
    "accounts": {
        "6000": "Meals",
        "6010": "Travel",
        "6900": "Input VAT",
        "6920": "Reverse-charge output VAT",
        "5820": "Pleo wallet",
    },
    "tax_codes": {"I25": "VAT 25 %", "Z0": "VAT 0 %", "RC25": "Reverse charge 25 %"},
    "company_name": "Conformance ApS",
}
# Inherited database sessions of forked children: kept referenced, so that nothing in the child
# ever closes (and so ends) the parent's session.
_INHERITED: list = []


def connector_for(config: ConnectorConfig, parent: int) -> Callable:
    def connect():
        if os.getpid() != parent:  # a forked child of the kit: a database session of its own
            for connection in connections.all():
                _INHERITED.append(connection.connection)
                connection.connection = None
        return build_connector(config)

    return connect


def generic_reader(folder: Path, extension: str) -> Callable[[str], list[Posted]]:
    def read(pleo_id: str) -> list[Posted]:
        found = []
        for path in sorted(folder.glob(f"*.{extension}")):
            for reference, rows in entries_of(read_journal(path)).items():
                if rows[0]["pleo_id"] != pleo_id:
                    continue
                (currency,) = {row["currency"] for row in rows}
                lines = tuple(
                    PostedLine(
                        row["account"],
                        debit=row["debit"] or Decimal(0),
                        credit=row["credit"] or Decimal(0),
                    )
                    for row in rows
                )
                found.append(Posted(reference, currency, lines, text=rows[0]["text"]))
        return found

    return read


def sie_reader(folder: Path) -> Callable[[str], list[Posted]]:
    def read(pleo_id: str) -> list[Posted]:
        found = []
        for path in sorted(folder.glob("*.si")):
            sie = read_sie(path.read_bytes())
            for number, voucher in enumerate(sie.vouchers, start=1):
                if voucher.text.rsplit(" ", 1)[-1] != pleo_id:
                    continue
                lines = tuple(
                    PostedLine(
                        trans.account,
                        debit=max(trans.amount, Decimal(0)),
                        credit=max(-trans.amount, Decimal(0)),
                    )
                    for trans in voucher.trans
                )
                (currency,) = sie.records["VALUTA"]
                # Texts are transliterated into CP437 and cut: not compared (text=None).
                found.append(Posted(f"{path.stem}#{number}", currency, lines))
        return found

    return read


def datev_reader(folder: Path) -> Callable[[str], list[Posted]]:
    def read(pleo_id: str) -> list[Posted]:
        found = []
        for path in sorted(folder.glob("*.csv")):
            _header, rows = read_datev(path.read_bytes())
            starts = [
                n
                for n, row in enumerate(rows)
                if n == 0
                or row.fields["Beleginfo - Inhalt 1"] != rows[n - 1].fields["Beleginfo - Inhalt 1"]
            ]
            for start, end in zip(starts, [*starts[1:], len(rows)], strict=True):
                entry_rows = rows[start:end]
                if entry_rows[0].fields["Beleginfo - Inhalt 1"] != pleo_id:
                    continue
                # Each row books Konto against Gegenkonto (the entry's contra account), so an
                # account's movements are the net of its rows: the ledger DATEV keeps.
                net: dict[str, Decimal] = {}
                for row in entry_rows:
                    net[row.account] = net.get(row.account, Decimal(0)) + row.amount
                    net[row.contra] = net.get(row.contra, Decimal(0)) - row.amount
                lines = tuple(
                    PostedLine(account, debit=max(value, Decimal(0)), credit=max(-value, 0))
                    for account, value in net.items()
                    if value
                )
                (currency,) = {row.currency for row in entry_rows}
                found.append(Posted(f"{path.stem}#{start + 1}", currency, lines))
        return found

    return read


class FileJournalConformance(ConnectorConformance):
    kind: str
    extra_settings: dict = {}
    supports = Supports(dimensions=False, vendors=False, receipts=False, reads_back=False)

    def reader(self, folder: Path) -> Callable[[str], list[Posted]]:
        raise NotImplementedError

    @pytest.fixture
    def target(self, settings, tmp_path) -> Target:
        settings.DATA_DIR = tmp_path
        config = ConnectorConfig.objects.create(
            name="Journal",
            kind=self.kind,
            settings={"folder": "journal", **SETTINGS, **self.extra_settings},
        )
        unwritable = tmp_path / "locked"
        unwritable.mkdir(mode=0o500)
        misconfigured = ConnectorConfig(kind=self.kind, settings={"folder": str(unwritable)})
        return Target(
            connect=connector_for(config, os.getpid()),
            read=self.reader(tmp_path / "journal"),
            chart=CHART,
            misconfigured=lambda: build_connector(
                misconfigured if os.getuid() else ConnectorConfig(kind=self.kind, settings={})
            ),
            supports=self.supports,
        )

    # The kit's crash test forks a child that files into the register: it runs once, for the
    # CSV kind, in a committed transaction (costly to clean up). Every kind files and writes
    # through the same FileJournalConnector code (a format only renders), which the others
    # check they do not replace.
    def test_it_books_exactly_once_when_the_process_dies_after_writing(self, target, connector):
        assert_shared_filing(connector)


def assert_shared_filing(connector) -> None:
    for name in ("find", "post", "post_many", "close", "_file", "write", "render"):
        assert getattr(type(connector), name) is getattr(FileJournalConnector, name), name


class TestCsvJournalConformance(FileJournalConformance):
    kind = "csv_journal"

    def reader(self, folder):
        return generic_reader(folder, "csv")

    @pytest.mark.django_db(transaction=True)
    def test_it_books_exactly_once_when_the_process_dies_after_writing(self, target, connector):
        ConnectorConformance.test_it_books_exactly_once_when_the_process_dies_after_writing(
            self, target, connector
        )


class TestXlsxJournalConformance(FileJournalConformance):
    kind = "xlsx_journal"

    def reader(self, folder):
        return generic_reader(folder, "xlsx")


class TestSieJournalConformance(FileJournalConformance):
    kind = "sie4_journal"
    extra_settings = {"currency": "EUR", "sie_org_number": "556677-8899"}
    # A SIE file holds the books' one currency (the `currency` setting); other wallets are
    # refused, never converted.
    supports = Supports(
        dimensions=False,
        vendors=False,
        receipts=False,
        reads_back=False,
        currencies=frozenset({"EUR"}),
    )

    def reader(self, folder):
        return sie_reader(folder)


class TestDatevJournalConformance(FileJournalConformance):
    kind = "datev_journal"
    extra_settings = {
        "datev_consultant": 1234567,
        "datev_client": 10001,
        "datev_account_length": 4,
        "datev_vat": "rows",
        "currency": "EUR",
    }
    # A DATEV batch holds the books' one currency (the `currency` setting); other wallets are
    # refused, never converted.
    supports = Supports(
        dimensions=False,
        vendors=False,
        receipts=False,
        reads_back=False,
        currencies=frozenset({"EUR"}),
    )

    def reader(self, folder):
        return datev_reader(folder)

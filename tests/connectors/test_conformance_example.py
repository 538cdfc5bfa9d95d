"""The example third-party connector (tests/connector_example, installed as its own package
with its entry point) passes the conformance kit against a real SQLite books file."""

from __future__ import annotations

import sqlite3
from decimal import Decimal
from pathlib import Path

import pytest
from exporthub_example_connector.books import create_books

from exporthub.connectors.models import ConnectorConfig
from exporthub.connectors.registry import build_connector
from exporthub.connectors.testing import (
    Chart,
    ConnectorConformance,
    Posted,
    PostedLine,
    Target,
)

CHART = Chart(
    expense="6000",
    other_expense="6100",
    input_vat="1610",
    output_vat="2610",
    payable="2900",
    standard_tax="S25",
    zero_tax="Z0",
    reverse_charge_tax="RC25",
    dimension=("DEPT", "SALES"),
)
ACCESS_KEY = "example-access-key"


def make_books(path: Path) -> None:
    create_books(
        path,
        company="Example Books ApS",
        access_key=ACCESS_KEY,
        accounts=[
            ("6000", "Meals"),
            ("6100", "Travel"),
            ("1610", "Input VAT"),
            ("2610", "Output VAT"),
            ("2900", "Pleo"),
        ],
        taxes=[
            ("S25", "Standard 25 %", "0.25"),
            ("Z0", "Zero", "0"),
            ("RC25", "EU services", "0.25"),
        ],
        dimensions=[("DEPT", "SALES", "Sales"), ("DEPT", "OPS", "Operations")],
        parties=[("SUP-1", "Known Supplier")],
    )


def example_config(path: Path, access_key: str = ACCESS_KEY) -> ConnectorConfig:
    config = ConnectorConfig(name="Books", kind="example_books", settings={"books_path": str(path)})
    config.set_secret("access_key", access_key)
    return config


def read_books(path: Path):
    """Vouchers for a Pleo id, read with plain SQL (read-only), not through the connector."""

    def read(pleo_id: str) -> list[Posted]:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            vouchers = db.execute(
                "SELECT id, currency, text FROM voucher WHERE pleo_id = ?", (pleo_id,)
            ).fetchall()
            found = []
            for voucher, currency, text in vouchers:
                lines = db.execute(
                    "SELECT account, debit, credit FROM voucher_line WHERE voucher = ?", (voucher,)
                )
                files = db.execute("SELECT content FROM attachment WHERE voucher = ?", (voucher,))
                found.append(
                    Posted(
                        id=f"V-{voucher}",
                        currency=currency,
                        lines=tuple(
                            PostedLine(account, Decimal(debit), Decimal(credit))
                            for account, debit, credit in lines
                        ),
                        text=text,
                        receipts=tuple(content for (content,) in files),
                    )
                )
            return found
        finally:
            db.close()

    return read


@pytest.fixture(scope="module")
def books_target(tmp_path_factory) -> Target:
    """One books file for the module's tests (each uses its own Pleo ids)."""
    path = tmp_path_factory.mktemp("books") / "books.sqlite"
    make_books(path)
    return Target(
        connect=lambda: build_connector(example_config(path)),
        read=read_books(path),
        chart=CHART,
        misconfigured=lambda: build_connector(example_config(path, "wrong-key")),
    )


class TestExampleConnectorConformance(ConnectorConformance):
    @pytest.fixture
    def target(self, books_target) -> Target:
        return books_target

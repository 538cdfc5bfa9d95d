"""The conformance kit against a real Beancount ledger, read back with Beancount's own loader."""

from __future__ import annotations

import fcntl
from decimal import Decimal
from pathlib import Path

import pytest
from beancount import loader
from beancount.core import data

from exporthub.connectors.registry import build_connector
from exporthub.connectors.testing import (
    Chart,
    ConnectorConformance,
    Posted,
    PostedLine,
    Supports,
    Target,
)
from tests.connectors.conftest import beancount_config

CHART = Chart(
    expense="6840",  # Expenses:Meals, found by its `code:` metadata
    other_expense="6850",
    input_vat="Assets:VAT:Input",  # found by account name
    output_vat="2710",
    payable="5820",
    standard_tax="VAT25",
    zero_tax="VAT0",
    reverse_charge_tax="RC25",
)
SETTINGS = {
    "open_accounts": {
        "Expenses:Meals": "6840",
        "Expenses:Travel": "6850",
        "Assets:VAT:Input": "",
        "Liabilities:VAT:Output": "2710",
        "Liabilities:Pleo": "5820",
    },
    "tax_codes": {"VAT25": "VAT 25 %", "VAT0": "VAT 0 %", "RC25": "Reverse charge 25 %"},
}


def read_ledger(path: Path):
    """Every transaction for a Pleo id, as Beancount itself loads the ledger (bean-check)."""

    def read(pleo_id: str) -> list[Posted]:
        if not path.exists():
            return []
        with open(path, "rb") as handle:
            fcntl.flock(handle, fcntl.LOCK_SH)  # never read an append halfway
            entries, errors, _options = loader.load_file(str(path))
        assert errors == [], errors
        codes = {
            entry.account: entry.meta.get("code") or entry.account
            for entry in entries
            if isinstance(entry, data.Open)
        }
        found = []
        for entry in entries:
            if not isinstance(entry, data.Transaction) or entry.meta.get("pleo-id") != pleo_id:
                continue
            lines = tuple(
                PostedLine(
                    codes[posting.account],
                    debit=max(posting.units.number, Decimal(0)),
                    credit=max(-posting.units.number, Decimal(0)),
                )
                for posting in entry.postings
            )
            documents = sorted(key for key in entry.meta if key.startswith("document"))
            (currency,) = {posting.units.currency for posting in entry.postings}
            (link,) = entry.links
            found.append(
                Posted(
                    id=link,
                    currency=currency,
                    lines=lines,
                    text=entry.narration,
                    receipts=tuple(
                        (path.parent / entry.meta[key]).read_bytes() for key in documents
                    ),
                )
            )
        return found

    return read


class TestBeancountConformance(ConnectorConformance):
    @pytest.fixture
    def target(self, tmp_path) -> Target:
        config = beancount_config(tmp_path, **SETTINGS)
        missing_folder = beancount_config(tmp_path / "no-such-folder", **SETTINGS)
        return Target(
            connect=lambda: build_connector(config),
            read=read_ledger(tmp_path / "main.beancount"),
            chart=CHART,
            misconfigured=lambda: build_connector(missing_folder),
            # Beancount has no dimensions or parties to check against (both are recorded as
            # metadata), and takes every currency.
            supports=Supports(dimensions=False, vendors=False),
        )

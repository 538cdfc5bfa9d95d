from __future__ import annotations

import dataclasses
import json
from decimal import Decimal

from exporthub.sync.items import posting_as_json
from exporthub.sync.mapping import MappingTable
from exporthub.sync.models import Mapping
from exporthub.sync.posting import build_journal_entry
from tests.sync.payloads import export_item, line, tax


def test_the_stored_posting_says_everything_the_entry_says():
    mappings = MappingTable([Mapping(kind="account", pleo_key="vat:in", erp_key="6900")])
    item = export_item(line(12500, tax=tax(2500), tags=[("DEPT", "SALES")]))
    entry = build_journal_entry(item, mappings, fetch_file=lambda url: b"%PDF")

    stored = posting_as_json(entry)

    everything = dataclasses.asdict(entry.replace(receipts=()))
    assert set(stored) == set(everything)
    assert json.loads(json.dumps(stored)) == stored  # plain JSON, no Decimals or dates
    assert stored["lines"][0] == {
        "account": "6000", "debit": "100.00", "credit": "0", "text": "Team lunch",
        "tax_code": "I25", "tax_amount": "25.00", "is_tax": False,
        "dimensions": {"DEPT": "SALES"},
    }  # fmt: skip
    assert Decimal(stored["wallet_amount"]["value"]) == Decimal("125.00")
    assert stored["party"]["name"] == "Café Nord"

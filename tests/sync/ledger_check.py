"""Read a Beancount ledger back and check the account and amount of every posting of an entry
against the sandbox entry it came from (the demo's chart and mappings, tests/sync/conftest.py)."""

from __future__ import annotations

from decimal import Decimal

from beancount import loader
from beancount.core import data

from exporthub.demo.services import LEDGER_ACCOUNTS
from exporthub.sandbox.models import AccountingEntry
from tests.sync.journal_chart import expected_lines

# The ledger's account for each code the engine books on (the chart declares them by code).
LEDGER_ACCOUNT = {code: account for account, code in LEDGER_ACCOUNTS.items()}
CONTRA = {
    "card_purchase": "Assets:Pleo:DKK",
    "fee": "Assets:Pleo:DKK",
    "refund": "Assets:Pleo:DKK",
    "chargeback": "Assets:Pleo:DKK",
    "out_of_pocket": "Liabilities:Employees",
    "mileage": "Liabilities:Employees",
    "per_diem": "Liabilities:Employees",
    "invoice": "Liabilities:Suppliers",
}


def ledger_postings(path) -> dict[str, list[tuple[str, Decimal]]]:
    """{pleo id: [(account, amount), ...]} of each transaction in the ledger, in its order."""
    entries, errors, _options = loader.load_file(str(path))
    assert errors == []
    found: dict[str, list[tuple[str, Decimal]]] = {}
    for entry in entries:
        if isinstance(entry, data.Transaction) and "pleo-id" in entry.meta:
            assert entry.meta["pleo-id"] not in found, f"{entry.meta['pleo-id']} booked twice"
            found[entry.meta["pleo-id"]] = [(p.account, p.units.number) for p in entry.postings]
    return found


def assert_on_the_right_accounts(path, company, ids, categories=None) -> None:
    """Each of `ids` is booked once: every line on its account with its amount (VAT lines on the
    VAT accounts), in order, and Pleo's total on the item type's contra account. `categories`:
    the codes mapped to categories Pleo sends without one, by category id."""
    booked = ledger_postings(path)
    for pleo_id in ids:
        pleo = AccountingEntry.objects.get(uuid=pleo_id, company=company)
        lines = [
            (LEDGER_ACCOUNT[code], Decimal(amount).scaleb(-2))
            for code, amount in expected_lines(pleo, categories)
        ]
        contra = (CONTRA[pleo.item_type], -Decimal(pleo.wallet_amount).scaleb(-2))
        expected = [*lines, contra]
        assert booked[pleo_id] == expected, (pleo_id, booked[pleo_id], expected)

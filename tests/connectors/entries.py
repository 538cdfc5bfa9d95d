"""Builders for journal entries in tests: one card purchase with 25 % VAT and a receipt."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import Decimal

from exporthub.connectors.base import Amount, JournalEntry, JournalLine, Party, Receipt

PDF = b"%PDF-1.4\n% exporthub test receipt\n"


@dataclass(frozen=True)
class Chart:
    """The codes a test entry uses, as the target system knows them."""

    expense: str
    vat: str
    payable: str
    tax_code: str
    dimension: tuple[str, str]  # (group, code)


def make_entry(chart: Chart, *, gross: str = "100.00", **overrides) -> JournalEntry:
    """A balanced card purchase: Dr expense net + Dr VAT, Cr payable gross."""
    total = Decimal(gross)
    tax = (total / 5).quantize(Decimal("0.01"))  # 25 % VAT included in the gross amount
    net = total - tax
    group, code = chart.dimension
    values = {
        "pleo_id": str(uuid.uuid4()),
        "date": dt.date(2026, 4, 28),
        "currency": "EUR",
        "text": 'Client lunch at "Chez X"',
        "kind": "card_purchase",
        "reference": "4113617",
        "company_ref": "5a1e0c3d-8b2f-4d6e-9a7c-3e2d1c0b9a88",
        "party": Party(name="Restaurant X", country="FR"),
        "wallet_amount": Amount(total, "EUR"),
        "supplier_amount": Amount(total, "EUR"),
        "receipts": (Receipt("receipt lunch.pdf", "application/pdf", content=PDF),),
        "metadata": {"spender": "A. Person", "team": "Sales"},
        "lines": (
            JournalLine(
                chart.expense,
                debit=net,
                text="Meals",
                tax_code=chart.tax_code,
                tax_amount=tax,
                dimensions={group: code},
            ),
            JournalLine(chart.vat, debit=tax, text="VAT", tax_code=chart.tax_code, is_tax=True),
            JournalLine(chart.payable, credit=total, text="Pleo card"),
        ),
    }
    values.update(overrides)
    return JournalEntry(**values)


def unbalanced(entry: JournalEntry) -> JournalEntry:
    """The same entry with its last (credit) line one euro short."""
    *rest, last = entry.lines
    short = JournalLine(last.account, credit=last.credit - 1, text=last.text)
    return entry.replace(lines=(*rest, short))

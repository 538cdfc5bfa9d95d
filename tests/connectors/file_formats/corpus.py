"""Journal entries shaped as the engine builds them (`sync/posting.py`: each base line, then its
VAT lines, the contra line last), covering what the file formats must carry exactly: inclusive
VAT, a refund, a multi-line split with two tax codes, EU reverse charge, JPY (0 decimals) and
KWD (3 decimals) wallets, and unicode and HTML text."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from exporthub.connectors.base import Amount, JournalEntry, JournalLine, Party

D = Decimal
EXPENSE, TRAVEL, VAT_IN, VAT_OUT, CONTRA = "6071", "5800", "2641", "2614", "1930"
# Tax codes as mapped in the hub: DATEV BU-Schlüssel (9 = 19 % input VAT, 8 = 7 %, 94 = reverse
# charge with 19 % input and output VAT).
FULL, REDUCED, REVERSE = "9", "8", "94"


def _split(amount: Decimal) -> dict[str, Decimal]:
    return {"debit": amount} if amount >= 0 else {"credit": -amount}


def base(account, amount, *, tax_code="", tax=None, text="", dimensions=None) -> JournalLine:
    return JournalLine(
        account,
        **_split(D(amount)),
        text=text,
        tax_code=tax_code,
        tax_amount=D(tax) if tax is not None else None,
        dimensions=dimensions or {},
    )


def vat(account, amount, tax_code, text="") -> JournalLine:
    return JournalLine(account, **_split(D(amount)), tax_code=tax_code, is_tax=True, text=text)


def entry(pleo_id, lines, *, currency="EUR", text="Card purchase", **values) -> JournalEntry:
    gross = sum((line.amount for line in lines), D(0))
    return JournalEntry(
        pleo_id=pleo_id,
        date=values.pop("date", dt.date(2026, 4, 28)),
        currency=currency,
        lines=(*lines, JournalLine(CONTRA, **_split(-gross), text=text)),
        text=text,
        kind=values.pop("kind", "card_purchase"),
        wallet_amount=Amount(gross, currency),
        **values,
    )


def corpus() -> list[JournalEntry]:
    return [
        entry(
            "0b0e6d1c-6f0e-4a53-9a56-8c1a7a3e0001",
            [
                base(
                    EXPENSE,
                    "84.03",
                    tax_code=FULL,
                    tax="15.97",
                    text="Lunch",
                    dimensions={"DEPT": "SALES"},
                ),
                vat(VAT_IN, "15.97", FULL),
            ],
            text='Client lunch at "Chez X"',
            reference="4113617",
            party=Party("Restaurant X"),
        ),
        entry(  # a refund: every amount turns round
            "0b0e6d1c-6f0e-4a53-9a56-8c1a7a3e0002",
            [base(EXPENSE, "-42.02", tax_code=FULL, tax="-7.98"), vat(VAT_IN, "-7.98", FULL)],
            text="Refund: returned cable",
            kind="refund",
            date=dt.date(2026, 4, 29),
        ),
        entry(  # a split over two accounts and tax rates, rounding in the last cent
            "0b0e6d1c-6f0e-4a53-9a56-8c1a7a3e0003",
            [
                base(
                    TRAVEL,
                    "93.46",
                    tax_code=REDUCED,
                    tax="6.54",
                    dimensions={"DEPT": "OPS", "PROJ": "P-7"},
                ),
                vat(VAT_IN, "6.54", REDUCED),
                base(EXPENSE, "16.81", tax_code=FULL, tax="3.19", dimensions={"PROJ": "P-7"}),
                vat(VAT_IN, "3.19", FULL),
            ],
            text="Train ticket and snacks",
            date=dt.date(2026, 4, 30),
        ),
        entry(  # EU reverse charge: input and output VAT net to nothing
            "0b0e6d1c-6f0e-4a53-9a56-8c1a7a3e0004",
            [
                base(EXPENSE, "250.00", tax_code=REVERSE, tax="47.50"),
                vat(VAT_IN, "47.50", REVERSE),
                vat(VAT_OUT, "-47.50", REVERSE),
            ],
            text="Software subscription (EU)",
        ),
        entry(  # unicode and HTML text
            "0b0e6d1c-6f0e-4a53-9a56-8c1a7a3e0005",
            [base(EXPENSE, "12.00", text="Łódź Żółć 😀 <b>&amp;")],
            text="Αθήνα Ταβέρνα 北京 <b>&amp; Müller",
        ),
    ]


def jpy_entry() -> JournalEntry:
    return entry(
        "0b0e6d1c-6f0e-4a53-9a56-8c1a7a3e0006",
        [base(EXPENSE, "13637", tax_code=REDUCED, tax="1363"), vat(VAT_IN, "1363", REDUCED)],
        currency="JPY",
        text="Taxi in Tokyo",
    )


def kwd_entry(expense: str = "12.340", tax: str = "0.620") -> JournalEntry:
    return entry(
        "0b0e6d1c-6f0e-4a53-9a56-8c1a7a3e0007",
        [base(EXPENSE, expense, tax_code=FULL, tax=tax), vat(VAT_IN, tax, FULL)],
        currency="KWD",
        text="Hotel in Kuwait City",
    )

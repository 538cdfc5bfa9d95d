"""The conformance corpus: journal entries every connector must book exactly as given.

`corpus(chart)` builds them with the codes a target knows (`Chart`), each with a fresh Pleo id.
`ERROR_CASES` are entries every connector must refuse, before writing anything, with the right
error (failure mode and Pleo reason type).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from exporthub.connectors.base import Amount, JournalEntry, JournalLine, Party, Receipt
from exporthub.connectors.errors import (
    AccountUnknownError,
    ConnectorError,
    TagUnknownError,
    TaxCodeUnknownError,
    ValidationError,
    VendorUnknownError,
)

PDF = b"%PDF-1.4\n% exporthub conformance receipt\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00exporthub conformance receipt\xff\xd9"

UNKNOWN_ACCOUNT = "9999-no-such-account"
UNKNOWN_TAX_CODE = "NO-SUCH-TAX"
UNKNOWN_DIMENSION_VALUE = "NO-SUCH-VALUE"
UNKNOWN_PARTY_CODE = "NO-SUCH-PARTY"


@dataclass(frozen=True)
class Chart:
    """The codes the corpus uses, as the target knows them.

    Leave a tax code "" when the target has no such tax (then lines go without one); leave
    `dimension` None when it has no dimensions.
    """

    expense: str
    other_expense: str  # a second expense account, for split entries
    input_vat: str  # VAT the company may deduct (debit)
    output_vat: str  # VAT the company owes under reverse charge (credit)
    payable: str  # the Pleo wallet / card liability
    standard_tax: str = ""  # 25 %
    zero_tax: str = ""  # 0 %
    reverse_charge_tax: str = ""  # 25 %, self-assessed
    dimension: tuple[str, str] | None = None  # (group, value code) that exists in the target
    date: dt.date | None = None  # the booking date (today when None); must be in an open period


def _lines(*lines: JournalLine) -> tuple[JournalLine, ...]:
    return tuple(lines)


def _entry(chart: Chart, name: str, lines: tuple[JournalLine, ...], **values) -> JournalEntry:
    currency = values.pop("currency", "EUR")
    total = sum((line.debit for line in lines), Decimal(0))
    defaults = {
        "pleo_id": str(uuid.uuid4()),
        "date": chart.date or dt.date.today(),
        "currency": currency,
        "lines": lines,
        "text": f"Conformance: {name}",
        "kind": "card_purchase",
        "reference": "4113617",
        "company_ref": "5a1e0c3d-8b2f-4d6e-9a7c-3e2d1c0b9a88",
        "party": Party(name="Conformance Supplier", country="DK"),
        "wallet_amount": Amount(total, currency),
        "supplier_amount": Amount(total, currency),
        "metadata": {"spender": "A. Person", "corpus-case": name},
    }
    defaults.update(values)
    return JournalEntry(**defaults)


def _tax(code: str, amount: Decimal | None = None) -> dict:
    """Keyword arguments giving a line a tax code (none when the target has no such code)."""
    if not code:
        return {}
    return {"tax_code": code} if amount is None else {"tax_code": code, "tax_amount": amount}


def _dims(chart: Chart) -> dict:
    return {"dimensions": {chart.dimension[0]: chart.dimension[1]}} if chart.dimension else {}


def inclusive_vat(chart: Chart) -> JournalEntry:
    """A card purchase of 125.00 with 25 % VAT included: 100.00 + 25.00."""
    return _entry(
        chart,
        "inclusive VAT",
        _lines(
            JournalLine(
                chart.expense,
                debit=Decimal("100.00"),
                text="Team lunch",
                **_tax(chart.standard_tax, Decimal("25.00")),
                **_dims(chart),
            ),
            JournalLine(
                chart.input_vat,
                debit=Decimal("25.00"),
                text="VAT",
                is_tax=bool(chart.standard_tax),
                **_tax(chart.standard_tax),
            ),
            JournalLine(chart.payable, credit=Decimal("125.00"), text="Pleo card"),
        ),
        receipts=(Receipt("lunch.pdf", "application/pdf", content=PDF),),
    )


def exclusive_vat(chart: Chart) -> JournalEntry:
    """A supplier invoice of 33.33 net plus 25 % VAT (8.3325 → 8.33): 41.66 in all."""
    return _entry(
        chart,
        "exclusive VAT",
        _lines(
            JournalLine(
                chart.expense,
                debit=Decimal("33.33"),
                text="Software licence",
                **_tax(chart.standard_tax, Decimal("8.33")),
            ),
            JournalLine(
                chart.input_vat,
                debit=Decimal("8.33"),
                text="VAT",
                is_tax=bool(chart.standard_tax),
                **_tax(chart.standard_tax),
            ),
            JournalLine(chart.payable, credit=Decimal("41.66"), text="Invoice 2026-117"),
        ),
        kind="invoice",
        invoice_number="2026-117",
        due_date=(chart.date or dt.date.today()) + dt.timedelta(days=30),
    )


def reverse_charge(chart: Chart) -> JournalEntry:
    """A service bought abroad: 200.00, with 25 % VAT both deducted and owed (50.00 each)."""
    code = chart.reverse_charge_tax
    return _entry(
        chart,
        "reverse-charge VAT",
        _lines(
            JournalLine(
                chart.expense,
                debit=Decimal("200.00"),
                text="Cloud hosting",
                **_tax(code, Decimal("50.00")),
            ),
            JournalLine(
                chart.input_vat,
                debit=Decimal("50.00"),
                text="VAT deductible",
                is_tax=bool(code),
                **_tax(code),
            ),
            JournalLine(
                chart.output_vat,
                credit=Decimal("50.00"),
                text="VAT owed",
                is_tax=bool(code),
                **_tax(code),
            ),
            JournalLine(chart.payable, credit=Decimal("200.00"), text="Pleo card"),
        ),
        party=Party(name="Hosting Inc.", country="US"),
    )


def zero_rate(chart: Chart) -> JournalEntry:
    """Books bought at 0 % VAT: 49.90, no tax amount."""
    return _entry(
        chart,
        "zero-rate VAT",
        _lines(
            JournalLine(
                chart.expense,
                debit=Decimal("49.90"),
                text="Books",
                **_tax(chart.zero_tax, Decimal("0.00")),
            ),
            JournalLine(chart.payable, credit=Decimal("49.90"), text="Pleo card"),
        ),
    )


def refund(chart: Chart) -> JournalEntry:
    """A refund of 62.50 with 25 % VAT included: the purchase's lines, reversed."""
    return _entry(
        chart,
        "refund",
        _lines(
            JournalLine(chart.payable, debit=Decimal("62.50"), text="Pleo card refund"),
            JournalLine(
                chart.expense,
                credit=Decimal("50.00"),
                text="Returned headset",
                **_tax(chart.standard_tax, Decimal("-12.50")),
            ),
            JournalLine(
                chart.input_vat,
                credit=Decimal("12.50"),
                text="VAT",
                is_tax=bool(chart.standard_tax),
                **_tax(chart.standard_tax),
            ),
        ),
        kind="refund",
    )


def split_with_rounding(chart: Chart) -> JournalEntry:
    """100.00 split in thirds (33.33 + 33.33 + 33.34), each with 25 % VAT rounded per line."""
    nets = [Decimal("26.66"), Decimal("26.66"), Decimal("26.67")]
    taxes = [Decimal("6.67"), Decimal("6.67"), Decimal("6.67")]
    accounts = [chart.expense, chart.other_expense, chart.expense]
    lines = [
        JournalLine(
            account,
            debit=net,
            text=f"Share {number}",
            **_tax(chart.standard_tax, tax),
            **(_dims(chart) if number == 2 else {}),
        )
        for number, (account, net, tax) in enumerate(zip(accounts, nets, taxes, strict=True), 1)
    ]
    lines.append(
        JournalLine(
            chart.input_vat,
            debit=sum(taxes),
            text="VAT",
            is_tax=bool(chart.standard_tax),
            **_tax(chart.standard_tax),
        )
    )
    lines.append(JournalLine(chart.payable, credit=Decimal("100.00"), text="Pleo card"))
    return _entry(chart, "split with rounding", tuple(lines))


def foreign_supplier_currency(chart: Chart) -> JournalEntry:
    """Paid USD 100.00 to the supplier; the EUR wallet was charged 92.47."""
    entry = _entry(
        chart,
        "foreign supplier currency",
        _lines(
            JournalLine(chart.expense, debit=Decimal("92.47"), text="Conference ticket"),
            JournalLine(chart.payable, credit=Decimal("92.47"), text="Pleo card"),
        ),
        party=Party(name="Conference LLC", country="US"),
    )
    return entry.replace(supplier_amount=Amount(Decimal("100.00"), "USD"))


def jpy_wallet(chart: Chart) -> JournalEntry:
    """A JPY wallet (no minor unit): ¥1,500 with 25 % VAT included: 1,200 + 300."""
    return _entry(
        chart,
        "JPY wallet",
        _lines(
            JournalLine(
                chart.expense,
                debit=Decimal("1200"),
                text="Taxi",
                **_tax(chart.standard_tax, Decimal("300")),
            ),
            JournalLine(
                chart.input_vat,
                debit=Decimal("300"),
                text="VAT",
                is_tax=bool(chart.standard_tax),
                **_tax(chart.standard_tax),
            ),
            JournalLine(chart.payable, credit=Decimal("1500"), text="Pleo card"),
        ),
        currency="JPY",
        party=Party(name="Tokyo Taxi", country="JP"),
    )


def kwd_wallet(chart: Chart) -> JournalEntry:
    """A KWD wallet (three decimals): 12.345 with 25 % VAT included: 9.876 + 2.469."""
    return _entry(
        chart,
        "KWD wallet",
        _lines(
            JournalLine(
                chart.expense,
                debit=Decimal("9.876"),
                text="Coffee",
                **_tax(chart.standard_tax, Decimal("2.469")),
            ),
            JournalLine(
                chart.input_vat,
                debit=Decimal("2.469"),
                text="VAT",
                is_tax=bool(chart.standard_tax),
                **_tax(chart.standard_tax),
            ),
            JournalLine(chart.payable, credit=Decimal("12.345"), text="Pleo card"),
        ),
        currency="KWD",
        party=Party(name="Kuwait Café", country="KW"),
    )


def unicode_text(chart: Chart) -> JournalEntry:
    """Text and names beyond Latin-1: Danish, German, Japanese, an emoji, typographic quotes."""
    return _entry(
        chart,
        "unicode text",
        _lines(
            JournalLine(chart.expense, debit=Decimal("18.00"), text="Smørrebrød – „Mittag“ 🍣"),
            JournalLine(chart.payable, credit=Decimal("18.00"), text="Kort · 東京"),
        ),
        text="Frokost på Café Ærø — 東京 «ok» 🍣",
        party=Party(name="Ærø Smørrebrød ApS", country="DK"),
    )


def html_text(chart: Chart) -> JournalEntry:
    """Text that is markup: it must be stored as text, never interpreted."""
    return _entry(
        chart,
        "HTML text",
        _lines(
            JournalLine(chart.expense, debit=Decimal("7.50"), text="<b>bold</b> & 'quoted'"),
            JournalLine(chart.payable, credit=Decimal("7.50"), text='<a href="x">card</a>'),
        ),
        text='<script>alert("x")</script> & <i>lunch</i> "ok"',
        party=Party(name="O'Brien & Sons <Ltd>", country="IE"),
    )


def receipts(chart: Chart) -> JournalEntry:
    """Two receipts, one with a non-ASCII file name and a space."""
    entry = _entry(
        chart,
        "receipts",
        _lines(
            JournalLine(chart.expense, debit=Decimal("15.00"), text="Parking"),
            JournalLine(chart.payable, credit=Decimal("15.00"), text="Pleo card"),
        ),
    )
    return entry.replace(
        receipts=(
            Receipt("parking.pdf", "application/pdf", content=PDF),
            Receipt("kvittering æøå.jpg", "image/jpeg", content=JPEG),
        )
    )


CORPUS: dict[str, Callable[[Chart], JournalEntry]] = {
    "inclusive_vat": inclusive_vat,
    "exclusive_vat": exclusive_vat,
    "reverse_charge": reverse_charge,
    "zero_rate": zero_rate,
    "refund": refund,
    "split_with_rounding": split_with_rounding,
    "foreign_supplier_currency": foreign_supplier_currency,
    "jpy_wallet": jpy_wallet,
    "kwd_wallet": kwd_wallet,
    "unicode_text": unicode_text,
    "html_text": html_text,
    "receipts": receipts,
}


def corpus(chart: Chart) -> dict[str, JournalEntry]:
    """Every corpus entry for `chart`, by case name, each with a fresh Pleo id."""
    return {name: build(chart) for name, build in CORPUS.items()}


# -- entries every connector must refuse --------------------------------------------------------


def _replace_line(entry: JournalEntry, index: int, **changes) -> JournalEntry:
    lines = list(entry.lines)
    lines[index] = JournalLine(**{**lines[index].__dict__, **changes})
    return entry.replace(lines=tuple(lines))


def unbalanced(chart: Chart) -> JournalEntry:
    """The credit is one euro short."""
    entry = inclusive_vat(chart)
    return _replace_line(entry, -1, credit=entry.lines[-1].credit - 1)


def too_many_decimals(chart: Chart) -> JournalEntry:
    """EUR amounts with a third decimal (balanced, but not money in EUR)."""
    entry = _replace_line(foreign_supplier_currency(chart), 0, debit=Decimal("92.475"))
    return _replace_line(entry, 1, credit=Decimal("92.475"))


def unknown_account(chart: Chart) -> JournalEntry:
    return _replace_line(foreign_supplier_currency(chart), 0, account=UNKNOWN_ACCOUNT)


def unknown_tax_code(chart: Chart) -> JournalEntry:
    return _replace_line(
        foreign_supplier_currency(chart), 0, tax_code=UNKNOWN_TAX_CODE, tax_amount=Decimal("0.00")
    )


def unknown_dimension(chart: Chart) -> JournalEntry:
    group = chart.dimension[0] if chart.dimension else "DEPT"
    return _replace_line(
        foreign_supplier_currency(chart), 0, dimensions={group: UNKNOWN_DIMENSION_VALUE}
    )


def unknown_vendor(chart: Chart) -> JournalEntry:
    entry = foreign_supplier_currency(chart)
    return entry.replace(party=Party(name="Nobody Known", code=UNKNOWN_PARTY_CODE))


@dataclass(frozen=True)
class ErrorCase:
    """An entry the target must refuse, and how: error class, reason type, the key at fault."""

    build: Callable[[Chart], JournalEntry]
    error: type[ConnectorError]
    reason_type: str
    erp_key: str = ""  # the refused ERP value the error must carry ("" to not check)
    needs: str = ""  # the `Supports` flag this check depends on ("" when every target must)


ERROR_CASES: dict[str, ErrorCase] = {
    "unbalanced": ErrorCase(unbalanced, ValidationError, "validation_failure"),
    "too_many_decimals": ErrorCase(too_many_decimals, ValidationError, "validation_failure"),
    "unknown_account": ErrorCase(
        unknown_account, AccountUnknownError, "account_unknown", UNKNOWN_ACCOUNT
    ),
    "unknown_tax_code": ErrorCase(
        unknown_tax_code, TaxCodeUnknownError, "tax_code_unknown", UNKNOWN_TAX_CODE, "tax_codes"
    ),
    "unknown_dimension": ErrorCase(
        unknown_dimension, TagUnknownError, "tag_unknown", UNKNOWN_DIMENSION_VALUE, "dimensions"
    ),
    "unknown_vendor": ErrorCase(
        unknown_vendor, VendorUnknownError, "vendor_unknown", UNKNOWN_PARTY_CODE, "vendors"
    ),
}

"""Deterministic demo entries: the same seed and day always yield the same export items.

Entries are dated within the `DAYS` days before "today" (passed in, the local date by default),
so the demo looks alive on any day; tests that assert dates pin the day.

Amounts follow the v3 spec: integers in minor units of each currency (JPY 0 decimals, EUR 2, KWD 3).
Every line carries both currencies; the lines of an entry add up to its `amount` exactly.
Tax is always contained in `lineAmount` (what left the wallet), and `netAmount` follows the
spec's TaxTypeV3 wording: for `inclusive` codes it *includes* the tax (= lineAmount), for
`exclusive` codes it excludes it (= lineAmount - tax). `reverse` (EU reverse charge) tax is
self-assessed on top: netAmount = lineAmount, and the tax is booked on both tax accounts.
Money coming back (refunds, chargebacks) is negative throughout.
"""

from __future__ import annotations

import random
import uuid
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone

from exporthub.core.money import currency_exponent
from exporthub.sandbox.master_data import MasterData
from exporthub.sandbox.models import AccountingEntry, Company, ReceiptFile
from exporthub.sandbox.receipts import pdf_bytes, png_bytes

BATCH_SIZE = 2000
DAYS = 90  # entries fall on the days before today, at most this many back
# Value of one unit of each currency in DKK (fixed, so the data never depends on the day).
DKK_VALUE = {
    "DKK": Decimal("1"),
    "EUR": Decimal("7.46"),
    "SEK": Decimal("0.65"),
    "NOK": Decimal("0.64"),
    "USD": Decimal("6.85"),
    "GBP": Decimal("8.70"),
    "JPY": Decimal("0.046"),
    "KWD": Decimal("22.40"),
}
# kind: (weight, family, subFamily, sign)
KINDS = {
    "card_purchase": (50, "CARD_PURCHASE", "IN_STORE", 1),
    "out_of_pocket": (10, "OUT_OF_POCKET", None, 1),
    "mileage": (6, "MILEAGE", None, 1),
    "per_diem": (5, "PER_DIEM", None, 1),
    "invoice": (14, "BILL_INVOICE", None, 1),
    "refund": (6, "CARD_PURCHASE", "ONLINE", -1),
    "chargeback": (3, "CARD_PURCHASE", "ONLINE", -1),
    "fee": (3, "WALLET", "FEE", 1),
}
MERCHANTS = [
    ("Restaurant Noma", "5812", "DK", "Meals and entertainment"),
    ("SAS Scandinavian Airlines", "4511", "SE", "Travel"),
    ("Hotel Adlon", "7011", "DE", "Travel"),
    ("Figma Inc", "5734", "US", "Software subscriptions"),
    ("Staples", "5943", "GB", "Office supplies"),
    ("Google Ads", "7311", "IE", "Marketing"),
    ("Sushi Ginza", "5812", "JP", "Meals and entertainment"),
    ("Narvesen", "5994", "NO", "Office supplies"),
]
COUNTRY_CURRENCY = {"DK": "DKK", "SE": "SEK", "DE": "EUR", "US": "USD", "GB": "GBP",
                    "IE": "EUR", "JP": "JPY", "NO": "NOK"}  # fmt: skip
PEOPLE = [("Anna Holm", "E001"), ("Bo Madsen", "E002"), ("Carla Berg", "E003"),
          ("Dan Kjær", "E004"), ("Eva Lind", "E005"), ("Frej Nørgaard", None)]  # fmt: skip
TEAMS = [("Sales", "100"), ("Marketing", "200"), ("Engineering", "300")]


def window_start(today: date) -> datetime:
    """The first moment an entry may be dated: `DAYS` days before `today`, 08:00 UTC."""
    return datetime.combine(today - timedelta(days=DAYS), time(8), tzinfo=UTC)


def generate_entries(
    company: Company, master: MasterData, *, count: int, seed: int, today: date | None = None
) -> int:
    """Create `count` queued entries (and their receipts) in batches; returns `count`.

    Entries fall on the `DAYS` days before `today` (default: the local date), never on it.
    """
    first_moment = window_start(today or timezone.localdate())
    start = AccountingEntry.objects.filter(company=company).count()
    rng = random.Random(f"{seed}:{start}")
    namespace = company.uuid
    people = [_person(namespace, name, code, n) for n, (name, code) in enumerate(PEOPLE)]
    teams = [
        {"id": str(uuid.uuid5(namespace, f"team-{n}")), "name": name, "code": code}
        for n, (name, code) in enumerate(TEAMS)
    ]
    accounts_by_uuid, tax_by_uuid = master.accounts_by_uuid, master.tax_by_uuid
    made = 0
    while made < count:
        size = min(BATCH_SIZE, count - made)
        entries, receipts = [], []
        for n in range(start + made, start + made + size):
            entry, kinds = _entry(rng, company, master, n, people, teams, first_moment)
            _link_first_line(entry, accounts_by_uuid, tax_by_uuid)
            entries.append(entry)
            receipts.append(kinds)
        AccountingEntry.objects.bulk_create(entries)
        ReceiptFile.objects.bulk_create(
            ReceiptFile(
                uuid=uuid.uuid5(namespace, f"receipt-{entry.reconciliation_id}-{i}"),
                entry=entry,
                kind=kind,
                size=len(pdf_bytes() if kind == "pdf" else png_bytes()),
                created_at=entry.created_at,
            )
            for entry, kinds in zip(entries, receipts, strict=True)
            for i, kind in enumerate(kinds)
        )
        made += size
    return count


def _link_first_line(entry: AccountingEntry, accounts_by_uuid, tax_by_uuid) -> None:
    """Point the entry's account/tax code columns (used by search filters) at its first line."""
    first = entry.lines[0]
    entry.account = accounts_by_uuid[first["account"]["id"]] if first["account"] else None
    entry.tax_code = tax_by_uuid[first["tax"]["id"]] if first["tax"] else None


def _person(namespace: uuid.UUID, name: str, code: str | None, n: int) -> dict:
    return {"id": str(uuid.uuid5(namespace, f"user-{n}")), "name": name, "code": code}


def _minor(amount: Decimal, currency: str) -> int:
    scaled = amount.scaleb(currency_exponent(currency))
    return int(scaled.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _convert(wallet_minor: int, wallet: str, supplier: str) -> int:
    """Wallet minor units to supplier minor units at the fixed rates (never rounds to zero)."""
    major = Decimal(wallet_minor).scaleb(-currency_exponent(wallet))
    converted = _minor(major * DKK_VALUE[wallet] / DKK_VALUE[supplier], supplier)
    if converted == 0:
        return 1 if wallet_minor > 0 else -1
    return converted


def _split(total: int, shares: list[int]) -> list[int]:
    """Split `total` in proportion to `shares`; the parts add up to `total` exactly."""
    whole = sum(shares)
    parts = [total * share // whole for share in shares[:-1]]
    return [*parts, total - sum(parts)]


def _entry(rng, company, master: MasterData, n, people, teams, first_moment: datetime):
    kinds = list(KINDS)
    kind = rng.choices(kinds, weights=[KINDS[k][0] for k in kinds])[0]
    _, family, sub_family, sign = KINDS[kind]
    wallet = company.currency
    performed = first_moment + timedelta(days=rng.randrange(DAYS), seconds=rng.randrange(36000))
    merchant = rng.choice(MERCHANTS)
    vendor = None
    supplier_currency = wallet
    supplier = None
    additional: dict = {}
    service_period = None
    note = None
    receipts: list[str] = []

    if kind in ("card_purchase", "out_of_pocket", "refund", "chargeback"):
        supplier_currency = COUNTRY_CURRENCY[merchant[2]] if rng.random() < 0.4 else wallet
        supplier = _supplier(merchant)
        if kind != "chargeback" and rng.random() < 0.95:
            receipts = ["pdf" if rng.random() < 0.5 else "png"]
            if rng.random() < 0.1:
                receipts.append("png")
        if merchant[1] == "5812" and rng.random() < 0.5:
            additional["attendees"] = rng.sample(["A. Client", "B. Partner", "C. Guest"], 2)
    elif kind == "invoice":
        vendor = rng.choice([v for v in master.vendors if v.state == "ACTIVE"])
        supplier_currency = vendor.default_currency
        supplier = {"name": vendor.name, "code": vendor.code, "account": None,
                    "categoryCode": None, "country": vendor.country,
                    "taxIdentifier": vendor.tax_registration_number}  # fmt: skip
        invoice_date = performed.replace(hour=0, minute=0, second=0)
        additional["invoiceInformation"] = {
            "invoiceDate": _day(invoice_date),
            "invoiceNumber": f"INV-{rng.randrange(10000, 99999)}",
            "dueDate": _day(invoice_date + timedelta(days=30)),
            "paymentDate": None,
            "status": "prepared",
            "supplierBankAccount": None,
        }
        receipts = ["pdf"]
        if rng.random() < 0.3:
            service_period = {"from": _day(invoice_date.replace(day=1)),
                              "to": _day(invoice_date.replace(day=28))}  # fmt: skip
    elif kind == "mileage":
        note = f"Client visit, {rng.randrange(20, 400)} km"
    elif kind == "per_diem":
        note = f"Trip, {rng.randrange(1, 5)} days"
    else:
        note = "Foreign exchange fee"

    if kind == "fee":
        wallet_total = rng.randrange(500, 5000)
    elif kind == "invoice":
        wallet_total = rng.randrange(50_000, 5_000_000)
    else:
        wallet_total = rng.randrange(2_000, 400_000)
    wallet_total *= sign
    supplier_total = (
        wallet_total if supplier_currency == wallet
        else _convert(wallet_total, wallet, supplier_currency)
    )  # fmt: skip

    line_count = (
        1 if rng.random() < 0.8 or kind in ("fee", "mileage", "per_diem") else rng.choice([2, 3])
    )
    shares = [rng.randrange(1, 10) for _ in range(line_count)]
    wallet_parts = _split(wallet_total, shares)
    supplier_parts = _split(supplier_total, shares)
    lines = [
        _line(rng, company, master, kind, merchant, vendor, n, i, w, s, wallet, supplier_currency)
        for i, (w, s) in enumerate(zip(wallet_parts, supplier_parts, strict=True))
    ]
    employee = rng.choice(people) if kind not in ("fee", "invoice") else None
    entry = AccountingEntry(
        uuid=uuid.uuid5(company.uuid, f"entry-{n}"),
        company=company,
        export_status="QUEUED",
        family=family,
        sub_family=sub_family,
        item_type=kind,
        performed_at=performed,
        bookkeeping_date=performed if kind != "card_purchase" else performed + timedelta(days=1),
        settled_at=performed + timedelta(days=1) if family in ("CARD_PURCHASE", "WALLET") else None,
        created_at=performed,
        updated_at=performed,
        note=note,
        reconciliation_id=str(4_100_000 + n),
        supplier_currency=supplier_currency,
        supplier_amount=supplier_total,
        wallet_currency=wallet,
        wallet_amount=wallet_total,
        vendor=vendor,
        employee=employee,
        team=rng.choice(teams) if employee else None,
        supplier=supplier,
        lines=lines,
        additional_information=additional,
        service_period=service_period,
    )
    return entry, receipts


def _supplier(merchant) -> dict:
    name, category, country, _ = merchant
    return {"name": name, "code": None, "account": None, "categoryCode": category,
            "country": country, "taxIdentifier": None}  # fmt: skip


def _day(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT00:00:00Z")


def _line(rng, company, master, kind, merchant, vendor, n, i, wallet_gross, supplier_gross,
          wallet, supplier_currency) -> dict:  # fmt: skip
    account = _pick_account(rng, master, kind, merchant)
    tax_code = _pick_tax(rng, master, kind, vendor, company)
    money = _pair(wallet_gross, supplier_gross, wallet, supplier_currency)
    line = {
        "accountingEntryLineId": str(uuid.uuid5(company.uuid, f"line-{n}-{i}")),
        "lineAmount": money,
        "netAmount": money,
        "account": None if account is None else {
            "id": str(account.uuid), "name": account.name,
            "code": account.code, "identifier": account.external_id,
        },
        "tags": None,
        "tax": None,
    }  # fmt: skip
    if tax_code is not None:
        rate = tax_code.rate
        if tax_code.type == "reverse":
            tax_w, tax_s = _tax_on_top(wallet_gross, rate), _tax_on_top(supplier_gross, rate)
        else:
            tax_w, tax_s = _tax_within(wallet_gross, rate), _tax_within(supplier_gross, rate)
        tax = {
            "id": str(tax_code.uuid),
            "code": tax_code.code,
            "rate": float(rate),
            "type": tax_code.type,
            "amount": _pair(tax_w, tax_s, wallet, supplier_currency),
        }
        if tax_code.ingoing_tax_account:
            tax["ingoingTaxAccount"] = tax_code.ingoing_tax_account
        if tax_code.outgoing_tax_account:
            tax["outgoingTaxAccount"] = tax_code.outgoing_tax_account
        line["tax"] = tax
        if tax_code.type == "exclusive":
            line["netAmount"] = _pair(
                wallet_gross - tax_w, supplier_gross - tax_s, wallet, supplier_currency
            )
    tags = [rng.choice(group) for group in master.tags.values() if rng.random() < 0.6]
    if tags:
        line["tags"] = [
            {"id": str(tag.uuid), "code": tag.code, "groupCode": master.group_codes[tag.group_id]}
            for tag in tags
        ]
        line["tagRefs"] = [
            {"tagGroupId": str(master.group_uuids[tag.group_id]), "tagId": str(tag.uuid)}
            for tag in tags
        ]
    return line


def _pair(wallet_value: int, supplier_value: int, wallet: str, supplier: str) -> dict:
    return {
        "inSupplierCurrency": {"currency": supplier, "value": supplier_value},
        "inWalletCurrency": {"currency": wallet, "value": wallet_value},
    }


def _tax_within(gross: int, rate: Decimal) -> int:
    return int((Decimal(gross) * rate / (1 + rate)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _tax_on_top(gross: int, rate: Decimal) -> int:
    return int((Decimal(gross) * rate).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _pick_account(rng, master: MasterData, kind, merchant):
    if rng.random() < 0.02:
        return None  # the "I don't know" category: the integration has to fail this item
    if rng.random() < 0.02:
        return master.accounts["Miscellaneous (unmapped)"]
    by_kind = {"mileage": "Mileage allowance", "per_diem": "Per diem", "fee": "Bank and card fees"}
    if kind in by_kind:
        return master.accounts[by_kind[kind]]
    if kind == "invoice":
        return master.accounts[rng.choice(["Consulting", "Software subscriptions", "Marketing"])]
    return master.accounts[merchant[3]]


def _pick_tax(rng, master: MasterData, kind, vendor, company):
    if kind in ("mileage", "per_diem", "fee"):
        return None
    codes = master.tax_codes
    if rng.random() < 0.02:
        return codes["Foreign VAT (unmapped)"]
    if kind == "invoice" and vendor is not None and vendor.country != company.country:
        return codes["EU reverse charge 25%"] if vendor.country in ("DE", "SE", "IE") else None
    roll = rng.random()
    if roll < 0.1:
        return codes["VAT exempt"]
    if roll < 0.2:
        return codes["Standard VAT 25% (exclusive)"]
    return codes["Standard VAT 25% (inclusive)"]

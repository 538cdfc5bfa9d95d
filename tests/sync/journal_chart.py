"""A file journal's chart for the engine tests: the sandbox's own codes, passed through as they
are, plus the accounts Pleo sends no code for (the demo maps onto the Swedish BAS chart instead)."""

from __future__ import annotations

from exporthub.sync.models import Mapping
from tests.sync.helpers import postable_entry_ids

JOURNAL_ACCOUNTS = {
    "6000": "Meals and entertainment",
    "6010": "Travel",
    "6020": "Software subscriptions",
    "6030": "Office supplies",
    "6040": "Mileage allowance",
    "6050": "Per diem",
    "6060": "Marketing",
    "6070": "Consulting",
    "6080": "Bank and card fees",
    "6900": "Input VAT",
    "6910": "Reverse-charge input VAT",
    "6920": "Reverse-charge output VAT",
    "5820": "Pleo wallet",
    "2820": "Owed to employees",
    "2400": "Supplier invoices",
}
JOURNAL_MAPPINGS = [
    (Mapping.Kind.ACCOUNT, "vat:in", "6900", "Input VAT"),
    (Mapping.Kind.CONTRA_ACCOUNT, "out_of_pocket", "2820", "Owed to employees"),
    (Mapping.Kind.CONTRA_ACCOUNT, "mileage", "2820", "Owed to employees"),
    (Mapping.Kind.CONTRA_ACCOUNT, "per_diem", "2820", "Owed to employees"),
    (Mapping.Kind.CONTRA_ACCOUNT, "invoice", "2400", "Supplier invoices"),
]

# Where the engine books a Pleo line's VAT with this chart: a tax that names no VAT account of its
# own (I25, E25, Z0) goes to the `vat:in` mapping; reverse charge (RC25) names its own pair.
VAT_IN = "6900"
REVERSE_CHARGE_IN, REVERSE_CHARGE_OUT = "6910", "6920"


def expected_lines(pleo, categories: dict[str, str] | None = None) -> list[tuple[str, int]]:
    """The lines the engine books for a sandbox entry, its contra line left out, in order, as
    (account, signed amount in the wallet currency's minor units): each Pleo line net of its VAT
    on its own account, then its input VAT (and for reverse charge the output VAT against it).
    A category Pleo sends without a code goes to `categories[its id]`, as mapped."""
    lines = []
    for line in pleo.lines:
        account = line["account"]["code"] or (categories or {})[line["account"]["id"]]
        paid = line["lineAmount"]["inWalletCurrency"]["value"]
        tax = line.get("tax")
        if not tax:
            lines.append((account, paid))
            continue
        vat = tax["amount"]["inWalletCurrency"]["value"]
        if tax["type"] == "reverse":
            lines += [(account, paid), (REVERSE_CHARGE_IN, vat), (REVERSE_CHARGE_OUT, -vat)]
        else:
            lines += [(account, paid - vat), (VAT_IN, vat)]
    return lines


def ids_with_every_tax_type(company, count: int) -> list[str]:
    """`count` postable entries, plus postable ones of the tax types (inclusive, exclusive,
    reverse charge) the first `count` lack, so that every VAT account gets a line."""
    ids = postable_entry_ids(company, count)
    entries = company.entries.filter(export_status="QUEUED").order_by("pk")
    types = {tax["type"] for entry in entries.filter(uuid__in=ids) for tax in _taxes(entry)}
    for entry in entries.exclude(uuid__in=ids):
        lines = entry.lines
        postable = all((line.get("account") or {}).get("code") for line in lines)
        found = {tax["type"] for tax in _taxes(entry)}
        if postable and all(tax.get("code") for tax in _taxes(entry)) and found - types:
            ids.append(str(entry.uuid))
            types |= found
    assert types >= {"inclusive", "exclusive", "reverse"}, types
    return ids


def _taxes(entry) -> list[dict]:
    return [line["tax"] for line in entry.lines if line.get("tax")]

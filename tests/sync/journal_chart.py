"""A file journal's chart for the engine tests: the sandbox's own codes, passed through as they
are, plus the accounts Pleo sends no code for (the demo maps onto the Swedish BAS chart instead)."""

from __future__ import annotations

from exporthub.sync.models import Mapping

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

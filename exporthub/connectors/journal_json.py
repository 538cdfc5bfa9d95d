"""Journal entries as plain JSON, and back (no receipt bytes): one way to store an entry.

The hub keeps the entry it sent on each export item (`ExportItem.posting`, shown to accountants
and checked by reconciliation), and the file journals keep every filed entry in their register,
so a batch file can be rendered again from the register alone, byte for byte. Decimals are kept
as strings, so amounts round-trip exactly. Written out by hand rather than with
`dataclasses.asdict`, which deep-copies: this runs once per item on the engine's hot path.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from exporthub.connectors.base import Amount, JournalEntry, JournalLine, Party, Receipt


def _amount(value: Amount | None) -> dict[str, str] | None:
    return None if value is None else {"value": str(value.value), "currency": value.currency}


def _from_amount(value: dict[str, str] | None) -> Amount | None:
    return None if value is None else Amount(Decimal(value["value"]), value["currency"])


def entry_to_json(entry: JournalEntry) -> dict[str, Any]:
    party = entry.party
    return {
        "pleo_id": entry.pleo_id,
        "date": entry.date.isoformat(),
        "currency": entry.currency,
        "lines": [
            {
                "account": line.account,
                "debit": str(line.debit),
                "credit": str(line.credit),
                "text": line.text,
                "tax_code": line.tax_code,
                "tax_amount": None if line.tax_amount is None else str(line.tax_amount),
                "is_tax": line.is_tax,
                "dimensions": dict(line.dimensions),
            }
            for line in entry.lines
        ],
        "text": entry.text,
        "kind": entry.kind,
        "reference": entry.reference,
        "company_ref": entry.company_ref,
        "party": None
        if party is None
        else {
            "name": party.name,
            "code": party.code,
            "external_id": party.external_id,
            "country": party.country,
            "tax_id": party.tax_id,
            "registration_number": party.registration_number,
        },
        "wallet_amount": _amount(entry.wallet_amount),
        "supplier_amount": _amount(entry.supplier_amount),
        "receipts": [
            {"name": receipt.name, "content_type": receipt.content_type}
            for receipt in entry.receipts
        ],
        "invoice_number": entry.invoice_number,
        "due_date": entry.due_date.isoformat() if entry.due_date else None,
        "source_url": entry.source_url,
        "metadata": dict(entry.metadata),
        "batch_key": entry.batch_key,
    }


def entry_from_json(data: dict[str, Any]) -> JournalEntry:
    party = data.get("party")
    return JournalEntry(
        pleo_id=data["pleo_id"],
        date=dt.date.fromisoformat(data["date"]),
        currency=data["currency"],
        lines=tuple(
            JournalLine(
                account=line["account"],
                debit=Decimal(line["debit"]),
                credit=Decimal(line["credit"]),
                text=line["text"],
                tax_code=line["tax_code"],
                tax_amount=None if line["tax_amount"] is None else Decimal(line["tax_amount"]),
                is_tax=line["is_tax"],
                dimensions=dict(line["dimensions"]),
            )
            for line in data["lines"]
        ),
        text=data["text"],
        kind=data["kind"],
        reference=data["reference"],
        company_ref=data["company_ref"],
        party=None if party is None else Party(**party),
        wallet_amount=_from_amount(data["wallet_amount"]),
        supplier_amount=_from_amount(data["supplier_amount"]),
        receipts=tuple(
            Receipt(name=receipt["name"], content_type=receipt["content_type"])
            for receipt in data["receipts"]
        ),
        invoice_number=data["invoice_number"],
        due_date=dt.date.fromisoformat(data["due_date"]) if data["due_date"] else None,
        source_url=data["source_url"],
        metadata=dict(data["metadata"]),
        batch_key=data.get("batch_key", ""),
    )

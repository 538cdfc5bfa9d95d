"""Builders for v3 export item payloads, for unit tests of the posting logic."""

from __future__ import annotations

import copy
import uuid

from exporthub.pleo.schemas.export_item import ExportItem


def money(value: int, currency: str = "DKK") -> dict:
    return {"inSupplierCurrency": {"currency": currency, "value": value},
            "inWalletCurrency": {"currency": currency, "value": value}}  # fmt: skip


def line(gross: int, *, account: str | None = "6000", tax: dict | None = None,
         tags: list[tuple[str, str]] | None = None) -> dict:  # fmt: skip
    return {
        "accountingEntryLineId": str(uuid.uuid4()),
        "lineAmount": money(gross),
        "netAmount": money(gross),
        "account": None
        if account is None
        else {"id": str(uuid.uuid4()), "name": f"Account {account}", "code": account},
        "tags": [{"id": str(uuid.uuid4()), "groupCode": g, "code": c} for g, c in tags or []],
        "tax": tax,
    }


def tax(amount: int, *, code: str | None = "I25", kind: str = "inclusive", **extra) -> dict:
    return {"id": str(uuid.uuid4()), "code": code, "rate": 0.25, "type": kind,
            "amount": money(amount), **extra}  # fmt: skip


def export_item(*lines: dict, total: int | None = None, **overrides) -> ExportItem:
    return ExportItem.from_json(export_payload(*lines, total=total, **overrides))


def export_payload(*lines: dict, total: int | None = None, **overrides) -> dict:
    lines = lines or (line(12500, tax=tax(2500)),)
    payload = {
        "_links": {"web": {"exportItem": "https://app.pleo.io/export/x"}},
        "accountingEntryId": str(uuid.uuid4()),
        "companyId": str(uuid.uuid4()),
        "type": "card_purchase",
        "date": "2026-03-14T10:00:00Z",
        "amount": money(
            sum(x["lineAmount"]["inWalletCurrency"]["value"] for x in lines)
            if total is None
            else total
        ),  # fmt: skip
        "accountingEntryLines": list(lines),
        "additionalInformation": {"reconciliationId": "4100001"},
        "contraAccount": {"id": str(uuid.uuid4()), "name": "Pleo DKK", "code": "5820"},
        "note": "Team lunch",
        "supplier": {"name": "Café Nord", "country": "DK"},
    }
    payload.update(copy.deepcopy(overrides))
    return payload

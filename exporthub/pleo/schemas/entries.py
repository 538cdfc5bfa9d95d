"""Accounting entries (the export queue), from the Accounting Entries API."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from exporthub.pleo.enums import (
    EntryExportStatus,
    EntryFamily,
    EntryStatus,
    ReviewStatus,
    UnknownValue,
)
from exporthub.pleo.parsing import Reader, parse
from exporthub.pleo.schemas.money import Money


@dataclass(frozen=True)
class EntryTag:
    tag_group_id: str
    tag_id: str


@dataclass(frozen=True)
class AccountingEntry:
    """An accounting entry (`AccountingEntryV1`); money here comes as `{currency, minors}`."""

    id: str
    company_id: str
    created_at: datetime
    updated_at: datetime
    performed_at: datetime
    status: EntryStatus | UnknownValue
    export_status: EntryExportStatus | UnknownValue
    review_status: ReviewStatus | UnknownValue
    family: EntryFamily | UnknownValue
    transaction_value: Money
    total_bill_value: Money | None = None
    sub_family: str | None = None
    employee_id: str | None = None
    team_id: str | None = None
    account_id: str | None = None
    account_code: str | None = None
    tax_code_id: str | None = None
    note: str | None = None
    settled_at: datetime | None = None
    bookkeeping_date: datetime | None = None
    deleted_at: datetime | None = None
    receipt_ids: tuple[str, ...] = ()
    tags: tuple[EntryTag, ...] = ()
    unknown_values: tuple[str, ...] = ()

    @classmethod
    def from_json(cls, data: Any, *, where: str | None = None) -> AccountingEntry:
        return parse("accounting entry", data, cls._read, id_key="id", where=where)

    @classmethod
    def _read(cls, r: Reader) -> AccountingEntry:
        total = r.opt_obj("totalBillValue")
        return cls(
            id=r.uuid("id"),
            company_id=r.uuid("companyId"),
            created_at=r.datetime("createdAt"),
            updated_at=r.datetime("updatedAt"),
            performed_at=r.datetime("performedAt"),
            status=r.enum("status", EntryStatus),
            export_status=r.enum("exportStatus", EntryExportStatus),
            review_status=r.enum("reviewStatus", ReviewStatus),
            family=r.enum("family", EntryFamily),
            transaction_value=Money.read(r.obj("transactionValue"), value_key="minors"),
            total_bill_value=Money.read(total, value_key="minors") if total else None,
            sub_family=r.opt_str("subFamily"),
            employee_id=r.opt_uuid("employeeId"),
            team_id=r.opt_uuid("teamId"),
            account_id=r.opt_uuid("accountId"),
            account_code=r.opt_str("accountCode"),
            tax_code_id=r.opt_uuid("taxCodeId"),
            note=r.opt_str("note"),
            settled_at=r.opt_datetime("settledAt"),
            bookkeeping_date=r.opt_datetime("bookkeepingDate"),
            deleted_at=r.opt_datetime("deletedAt"),
            receipt_ids=r.strs("receiptIds", required=False),
            tags=tuple(
                EntryTag(t.uuid("tagGroupId"), t.uuid("tagId"))
                for t in r.objects("tags", required=False)
            ),
            unknown_values=tuple(r.unknown),
        )

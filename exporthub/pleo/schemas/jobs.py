"""Export jobs, export job items and the item write-back (Export API v3)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from exporthub.pleo.enums import (
    ItemFailureReasonType,
    ItemStatus,
    ItemUpdateErrorType,
    JobFailureReasonType,
    JobStatus,
    UnknownValue,
)
from exporthub.pleo.parsing import Reader, parse


@dataclass(frozen=True)
class ExportJob:
    """An export job (`ExportJobV3`)."""

    id: str
    company_id: str
    status: JobStatus | UnknownValue
    created_at: datetime
    expires_in: int
    is_interactive: bool
    number_of_items: int
    vendor_based_bookkeeping: bool
    created_by: str | None = None
    started_at: datetime | None = None
    completed_at: datetime | None = None
    last_updated_at: datetime | None = None
    expired_at: datetime | None = None
    failure_reason: str | None = None
    failure_reason_type: JobFailureReasonType | UnknownValue | None = None
    unknown_values: tuple[str, ...] = ()

    @classmethod
    def from_json(cls, data: Any, *, where: str | None = None) -> ExportJob:
        return parse("export job", data, cls._read, id_key="id", where=where)

    @classmethod
    def _read(cls, r: Reader) -> ExportJob:
        return cls(
            id=r.uuid("id"),
            company_id=r.uuid("companyId"),
            status=r.enum("status", JobStatus),
            created_at=r.datetime("createdAt"),
            expires_in=r.int("expiresIn"),
            is_interactive=r.bool("isInteractive"),
            number_of_items=r.int("numberOfItems"),
            vendor_based_bookkeeping=r.bool("vendorBasedBookkeeping"),
            created_by=r.opt_uuid("createdBy"),
            started_at=r.opt_datetime("startedAt"),
            completed_at=r.opt_datetime("completedAt"),
            last_updated_at=r.opt_datetime("lastUpdatedAt"),
            expired_at=r.opt_datetime("expiredAt"),
            failure_reason=r.opt_str("failureReason"),
            failure_reason_type=r.opt_enum("failureReasonType", JobFailureReasonType),
            unknown_values=tuple(r.unknown),
        )


@dataclass(frozen=True)
class ExportJobItem:
    """The export state of one accounting entry in a job (`ExportJobItemV3`)."""

    accounting_entry_id: str
    export_job_id: str
    status: ItemStatus | UnknownValue
    exported_at: datetime | None = None
    external_id: str | None = None
    external_url: str | None = None
    failure_reason: str | None = None
    failure_reason_type: ItemFailureReasonType | UnknownValue | None = None
    unknown_values: tuple[str, ...] = ()

    @classmethod
    def from_json(cls, data: Any, *, where: str | None = None) -> ExportJobItem:
        return parse("export job item", data, cls._read, id_key="accountingEntryId", where=where)

    @classmethod
    def _read(cls, r: Reader) -> ExportJobItem:
        return cls(
            accounting_entry_id=r.uuid("accountingEntryId"),
            export_job_id=r.uuid("exportJobId"),
            status=r.enum("status", ItemStatus),
            exported_at=r.opt_datetime("exportedAt"),
            external_id=r.opt_str("externalId"),
            external_url=r.opt_str("externalUrl"),
            failure_reason=r.opt_str("failureReason"),
            failure_reason_type=r.opt_enum("failureReasonType", ItemFailureReasonType),
            unknown_values=tuple(r.unknown),
        )


def format_datetime(value: datetime) -> str:
    """Pleo's date-time format: UTC, seconds, `Z` (YYYY-MM-DDTHH:mm:ssZ)."""
    if value.tzinfo is None:
        raise ValueError("date-times sent to Pleo must be timezone-aware")
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class ItemUpdate:
    """The result of exporting one entry, written back with `update_job_items`."""

    accounting_entry_id: str
    status: ItemStatus | str
    exported_at: datetime | None = None
    external_id: str | None = None
    external_url: str | None = None
    failure_reason: str | None = None
    failure_reason_type: ItemFailureReasonType | str | None = None

    @classmethod
    def successful(
        cls,
        accounting_entry_id: str,
        *,
        external_id: str,
        external_url: str | None = None,
        exported_at: datetime | None = None,
    ) -> ItemUpdate:
        """The entry is in the ERP as `external_id` (exported now unless `exported_at`)."""
        return cls(
            accounting_entry_id,
            ItemStatus.SUCCESSFUL,
            exported_at=exported_at or datetime.now(UTC),
            external_id=external_id,
            external_url=external_url,
        )

    @classmethod
    def failed(
        cls, accounting_entry_id: str, *, reason_type: ItemFailureReasonType | str, reason: str
    ) -> ItemUpdate:
        """The entry could not be exported; `reason` is shown to the bookkeeper in Pleo."""
        return cls(
            accounting_entry_id,
            ItemStatus.FAILED,
            failure_reason=reason,
            failure_reason_type=reason_type,
        )

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "accountingEntryId": self.accounting_entry_id,
            "status": str(self.status),
        }
        if self.exported_at is not None:
            body["exportedAt"] = format_datetime(self.exported_at)
        optional = {
            "externalId": self.external_id,
            "externalUrl": self.external_url,
            "failureReason": self.failure_reason,
            "failureReasonType": self.failure_reason_type,
        }
        body.update({key: str(value) for key, value in optional.items() if value is not None})
        return body


@dataclass(frozen=True)
class ItemUpdateError:
    """Pleo refused the update of one item, inside an otherwise successful (200) answer."""

    accounting_entry_id: str
    type: ItemUpdateErrorType | UnknownValue
    message: str

    @classmethod
    def from_json(cls, data: Any, *, where: str | None = None) -> ItemUpdateError:
        return parse("item update error", data, cls._read, id_key="accountingEntryId", where=where)

    @classmethod
    def _read(cls, r: Reader) -> ItemUpdateError:
        return cls(
            accounting_entry_id=r.uuid("accountingEntryId"),
            type=r.enum("type", ItemUpdateErrorType),
            message=r.opt_str("message") or "",
        )


@dataclass(frozen=True)
class ItemUpdateResult:
    """What `update_job_items` did, over all chunks: items Pleo updated and per-item errors."""

    items: tuple[ExportJobItem, ...]
    errors: tuple[ItemUpdateError, ...]

    @property
    def ok(self) -> bool:
        return not self.errors

"""Pleo's enumerations, and how a value Pleo added after this code was written is kept.

A known value parses to the enum member (a `str`, so `job.status == "pending"` holds). An unknown
value parses to `UnknownValue`, also a `str`, with `is_known` False; the payload that contained it
lists it in `unknown_values`. Nothing crashes on a new enum value: the sync engine decides whether
it can go on.
"""

from __future__ import annotations

from enum import StrEnum

from exporthub.core.reason_types import ITEM_REASON_TYPE_VALUES, JOB_REASON_TYPE_VALUES


class PleoEnum(StrEnum):
    """Base for Pleo's enums; members report `is_known` True."""

    @property
    def is_known(self) -> bool:
        return True


class UnknownValue(str):
    """A value Pleo sent that the enum `enum` does not list (yet)."""

    enum: type[PleoEnum]

    def __new__(cls, value: str, enum: type[PleoEnum]) -> UnknownValue:
        instance = super().__new__(cls, value)
        instance.enum = enum
        return instance

    @property
    def is_known(self) -> bool:
        return False

    def __repr__(self) -> str:
        return f"UnknownValue({str(self)!r}, {self.enum.__name__})"


def parse_enum(enum: type[PleoEnum], value: str) -> PleoEnum | UnknownValue:
    """The member for `value`, or an `UnknownValue` that keeps it."""
    try:
        return enum(value)
    except ValueError:
        return UnknownValue(value, enum)


class JobStatus(PleoEnum):
    PENDING = "pending"
    IN_PROGRESS = "in_progress"
    FAILED = "failed"
    COMPLETED = "completed"
    COMPLETED_WITH_ERRORS = "completed_with_errors"


class JobEvent(PleoEnum):
    STARTED = "started"
    FAILED = "failed"
    COMPLETED = "completed"
    COMPLETED_WITH_ERRORS = "completed_with_errors"


# The job status each event leads to (used to reconcile a replayed event).
EVENT_TARGET_STATUS = {
    JobEvent.STARTED: JobStatus.IN_PROGRESS,
    JobEvent.FAILED: JobStatus.FAILED,
    JobEvent.COMPLETED: JobStatus.COMPLETED,
    JobEvent.COMPLETED_WITH_ERRORS: JobStatus.COMPLETED_WITH_ERRORS,
}


class ItemStatus(PleoEnum):
    PENDING = "pending"
    IN_PROGRESS = "in_progress"
    FAILED = "failed"
    SUCCESSFUL = "successful"
    ABANDONED = "abandoned"


# Built from the one list of Pleo's reason types (exporthub/core/reason_types.py).
JobFailureReasonType = PleoEnum(
    "JobFailureReasonType", [(value.upper(), value) for value in JOB_REASON_TYPE_VALUES]
)
ItemFailureReasonType = PleoEnum(
    "ItemFailureReasonType", [(value.upper(), value) for value in ITEM_REASON_TYPE_VALUES]
)


class ItemUpdateErrorType(PleoEnum):
    ACCOUNTING_ENTRY_DOES_NOT_EXIST = "ACCOUNTING_ENTRY_DOES_NOT_EXIST"
    EXPORT_ENTRY_STATUS_UPDATE_FAILED = "EXPORT_ENTRY_STATUS_UPDATE_FAILED"
    ACCOUNTING_ENTRY_UPDATE_FAILED = "ACCOUNTING_ENTRY_UPDATE_FAILED"


class ExportItemType(PleoEnum):
    CARD_PURCHASE = "card_purchase"
    CARD_INVOICE = "card_invoice"
    OUT_OF_POCKET = "out_of_pocket"
    MILEAGE = "mileage"
    PER_DIEM = "per_diem"
    EXTERNAL_REIMBURSEMENT = "external_reimbursement"
    DIRECT_REIMBURSEMENT = "direct_reimbursement"
    INVOICE = "invoice"
    INVOICE_PAYMENT = "invoice_payment"
    CHARGEBACK = "chargeback"
    REFUND = "refund"
    CASHBACK = "cashback"
    ATM_WITHDRAWAL = "atm_withdrawal"
    WALLET_TOPUP = "wallet_topup"
    WALLET_UNLOAD = "wallet_unload"
    PERSONAL_SPEND = "personal_spend"
    FEE = "fee"


class ExportItemSubType(PleoEnum):
    REIMBURSEMENT_TO_EMPLOYEE_REFUND = "reimbursement_to_employee_refund"
    REIMBURSEMENT_TO_COMPANY = "reimbursement_to_company"
    REIMBURSEMENT_TO_EMPLOYEE = "reimbursement_to_employee"
    INVOICE_PAYMENT_RETURNED = "invoice_payment_returned"
    INVOICE_PAYMENT_SENT = "invoice_payment_sent"
    INTEREST = "interest"


class BookkeepingMethod(PleoEnum):
    NONE = "none"
    JOURNAL = "journal"
    ACCOUNTS_PAYABLE = "accounts_payable"


class TaxType(PleoEnum):
    INCLUSIVE = "inclusive"
    EXCLUSIVE = "exclusive"
    REVERSE = "reverse"


class InvoiceStatus(PleoEnum):
    PENDING_APPROVAL = "pending_approval"
    PARSED = "parsed"
    PREPARING = "preparing"
    PREPARED = "prepared"
    READY = "ready"
    REJECTED_BY_APPROVER = "rejected_by_approver"
    MARKED_AS_PAID = "marked_as_paid"
    SCHEDULED = "scheduled"
    PAYMENT_IN_PROGRESS = "payment_in_progress"
    PAID = "paid"
    VOIDED_BY_USER = "voided_by_user"
    REJECTED_BY_USER = "rejected_by_user"
    FAILED_PAYMENT = "failed_payment"


class VendorState(PleoEnum):
    DRAFT = "DRAFT"
    ACTIVE = "ACTIVE"
    ARCHIVED = "ARCHIVED"


class EntryExportStatus(PleoEnum):
    CREATED = "CREATED"
    EXPORTED = "EXPORTED"
    EXPORTING = "EXPORTING"
    NOT_CREATED = "NOT_CREATED"
    NOT_EXPORTED = "NOT_EXPORTED"
    QUEUED = "QUEUED"


class EntryStatus(PleoEnum):
    DRAFT = "DRAFT"
    PENDING = "PENDING"
    COMPLETED = "COMPLETED"
    COMPLETED_EXTERNALLY = "COMPLETED_EXTERNALLY"
    CANCELLED = "CANCELLED"
    REJECTED = "REJECTED"
    ERROR = "ERROR"


class EntryFamily(PleoEnum):
    BALANCE_AMENDMENT = "BALANCE_AMENDMENT"
    BILL_INVOICE = "BILL_INVOICE"
    CARD_PURCHASE = "CARD_PURCHASE"
    CASHBACK = "CASHBACK"
    CREDIT_NOTE = "CREDIT_NOTE"
    MILEAGE = "MILEAGE"
    OUT_OF_POCKET = "OUT_OF_POCKET"
    OVERDRAFT = "OVERDRAFT"
    PER_DIEM = "PER_DIEM"
    PLEO_INVOICE = "PLEO_INVOICE"
    REIMBURSEMENT = "REIMBURSEMENT"
    WALLET = "WALLET"
    BILL_INVOICE_PAYMENT = "BILL_INVOICE_PAYMENT"


class ReviewStatus(PleoEnum):
    NOT_OK = "NOT_OK"
    NOT_REQUIRED = "NOT_REQUIRED"
    NOT_SET = "NOT_SET"
    OK = "OK"
    WAITING_FOR_EXPENSE_OWNER = "WAITING_FOR_EXPENSE_OWNER"
    WAITING_FOR_REVIEWER = "WAITING_FOR_REVIEWER"
    WAITING_FOR_COMPANY_REVIEWER = "WAITING_FOR_COMPANY_REVIEWER"
    WAITING_FOR_TEAM_REVIEWER = "WAITING_FOR_TEAM_REVIEWER"
    WAITING_FOR_TAG_REVIEWER = "WAITING_FOR_TAG_REVIEWER"

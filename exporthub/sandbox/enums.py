"""Enum values copied from Pleo's OpenAPI files, used to validate requests."""

from __future__ import annotations

JOB_STATUSES = ("pending", "in_progress", "failed", "completed", "completed_with_errors")
JOB_EVENTS = ("started", "failed", "completed", "completed_with_errors")
ITEM_STATUSES = ("pending", "in_progress", "failed", "successful", "abandoned")
PAGE_ORDERS = (
    "ASC",
    "ASC_NULLS_FIRST",
    "ASC_NULLS_LAST",
    "DESC",
    "DESC_NULLS_FIRST",
    "DESC_NULLS_LAST",
)
JOB_FAILURE_REASON_TYPES = (
    "invalid_configuration",
    "missing_configuration",
    "authentication_failure",
    "accounting_system_authentication_failure",
    "pleo_rate_limit",
    "accounting_system_rate_limit",
    "service_unreachable",
    "accounting_system_unreachable",
    "validation_failure",
    "authorization_failure",
    "integration_unusable",
    "job_expired",
    "service_timeout",
    "accounting_system_timeout",
    "canceled_by_user",
)
ITEM_FAILURE_REASON_TYPES = (
    "receipt_upload_failure",
    "receipt_download_failure",
    "receipt_file_size_limit_exceeded",
    "receipt_conversion_failure",
    "unexpected_failure",
    "invalid_configuration",
    "missing_configuration",
    "accounting_system_authentication_failure",
    "accounting_system_rate_limit",
    "accounting_system_unreachable",
    "validation_failure",
    "accounting_system_validation_failure",
    "authorization_failure",
    "accounting_system_timeout",
    "vendor_unknown",
    "account_unknown",
    "tax_code_unknown",
    "tag_unknown",
)
TAX_TYPES = ("inclusive", "exclusive", "reverse")
EXPORT_STATUSES = ("CREATED", "EXPORTED", "EXPORTING", "NOT_CREATED", "NOT_EXPORTED", "QUEUED")
FAMILIES = (
    "BALANCE_AMENDMENT",
    "BILL_INVOICE",
    "CARD_PURCHASE",
    "CASHBACK",
    "CREDIT_NOTE",
    "MILEAGE",
    "OUT_OF_POCKET",
    "OVERDRAFT",
    "PER_DIEM",
    "PLEO_INVOICE",
    "REIMBURSEMENT",
    "WALLET",
    "BILL_INVOICE_PAYMENT",
)
VENDOR_STATES = ("DRAFT", "ACTIVE", "ARCHIVED")

# Scopes as Pleo documents them (reference §3.3).
SCOPES = (
    "export-jobs:read",
    "export-jobs:write",
    "export-items:read",
    "accounting-entries:read",
    "accounts:read",
    "vendors:read",
    "companies:read",
    "tax-codes:read",
    "tax-codes:write",
    "tag-groups:read",
    "tag-groups:write",
)

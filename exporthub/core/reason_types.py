"""Pleo's failure reason types: the one list of them in exporthub (from Pleo's Export API v3).

`exporthub.pleo.enums` builds its enums from these lists; connectors and the dashboard use the
sets (connectors may not import the Pleo client).
"""

from __future__ import annotations

# Pleo's ExportJobItemFailureReasonType (v3: all 18).
ITEM_REASON_TYPE_VALUES = (
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
ITEM_REASON_TYPES = frozenset(ITEM_REASON_TYPE_VALUES)

# Pleo's ExportJobFailureReasonType.
JOB_REASON_TYPE_VALUES = (
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
JOB_REASON_TYPES = frozenset(JOB_REASON_TYPE_VALUES)

# Item reason types that concern the ERP connection rather than the entry: the fix is there.
ERP_REASON_TYPES = frozenset(
    {
        "invalid_configuration",
        "accounting_system_authentication_failure",
        "accounting_system_unreachable",
        "accounting_system_timeout",
        "accounting_system_rate_limit",
        "authorization_failure",
    }
)

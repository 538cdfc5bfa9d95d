"""The connector error taxonomy, mapped onto Pleo's failure reason types.

Each error class says how the engine should treat it (`failure_mode`, as in pretix's sync
providers: retry with backoff, or wait for a human) and what to tell Pleo (`reason_type`, a value
of Pleo's `ExportJobItemFailureReasonType`). Errors that concern the whole connection rather than
one entry also have a `job_reason_type` (a value of `ExportJobFailureReasonType`), so the engine
can fail the job instead of failing every item with the same message.
"""

from __future__ import annotations

from typing import ClassVar

from exporthub.core.reason_types import ITEM_REASON_TYPES, JOB_REASON_TYPES  # noqa: F401

# The engine's failure modes (pretix's vocabulary); stored on ExportItem.failure_mode.
FAILURE_MODES = ("internal", "exceeded", "permanent", "config", "timeout")


class ConnectorError(Exception):
    """Base class. `message` is for the bookkeeper (sent to Pleo); `detail` is for operators.

    Raised as-is it means "unexpected": the engine records it as internal.
    """

    failure_mode: ClassVar[str] = "internal"
    reason_type: str = "unexpected_failure"
    # True when the failure concerns the connection or settings, not this one entry.
    affects_job: ClassVar[bool] = False

    # The mapping kind at fault, as data (e.g. "account" for an unknown account), when known.
    mapping_kind: ClassVar[str] = ""

    def __init__(
        self,
        message: str,
        *,
        detail: str = "",
        reason_type: str | None = None,
        erp_key: str = "",
    ):
        super().__init__(message)
        self.message = message
        self.detail = detail
        self.erp_key = erp_key  # the ERP value the system refused, when the error is about one
        if reason_type is not None:
            if reason_type not in ITEM_REASON_TYPES:
                raise ValueError(f"{reason_type!r} is not a Pleo item failure reason type")
            self.reason_type = reason_type

    @property
    def job_reason_type(self) -> str | None:
        """The reason to fail the whole job with, or None if only this item failed."""
        if self.affects_job and self.reason_type in JOB_REASON_TYPES:
            return self.reason_type
        return None

    def __str__(self) -> str:
        return self.message


class RetryableError(ConnectorError):
    """A transient failure (network, timeout, 5xx, rate limit): the engine retries with backoff.

    `failure_mode` is what the item records once the attempts are used up.
    """

    failure_mode = "exceeded"
    reason_type = "accounting_system_unreachable"
    affects_job = True

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs):
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class UnreachableError(RetryableError):
    """The system could not be reached (connection refused, DNS, 5xx from a proxy)."""

    reason_type = "accounting_system_unreachable"


class SystemTimeoutError(RetryableError):
    """The system did not answer in time."""

    reason_type = "accounting_system_timeout"


class RateLimitedError(RetryableError):
    """The system asked us to slow down; `retry_after` says for how long when it told us."""

    reason_type = "accounting_system_rate_limit"


class PermanentError(ConnectorError):
    """The system (or our validation) refused this entry; retrying the same entry won't help."""

    failure_mode = "permanent"
    reason_type = "accounting_system_validation_failure"


class ValidationError(PermanentError):
    """The entry failed our own checks before anything was sent (e.g. it does not balance)."""

    reason_type = "validation_failure"


class AccountUnknownError(PermanentError):
    """A line's account does not exist (or cannot be posted to) in the system."""

    reason_type = "account_unknown"
    mapping_kind = "account"


class TaxCodeUnknownError(PermanentError):
    """A line's tax code does not exist in the system."""

    reason_type = "tax_code_unknown"
    mapping_kind = "tax_code"


class TagUnknownError(PermanentError):
    """A dimension value (Pleo tag) does not exist in the system."""

    reason_type = "tag_unknown"
    mapping_kind = "tag"


class VendorUnknownError(PermanentError):
    """The vendor/party does not exist in the system (or is blocked)."""

    reason_type = "vendor_unknown"
    mapping_kind = "vendor"


class ReceiptUploadError(PermanentError):
    """The entry was written but a receipt could not be attached."""

    reason_type = "receipt_upload_failure"


class ReceiptTooLargeError(ReceiptUploadError):
    """A receipt is larger than the system accepts."""

    reason_type = "receipt_file_size_limit_exceeded"


class ConfigError(PermanentError):
    """The connector's settings are wrong: fix the configuration, then retry."""

    failure_mode = "config"
    reason_type = "invalid_configuration"
    affects_job = True


class MissingConfigError(ConfigError):
    """A required setting (URL, database, ledger path, journal...) is not set."""

    reason_type = "missing_configuration"


class AuthenticationError(ConfigError):
    """The system rejected our credentials (bad or revoked key)."""

    reason_type = "accounting_system_authentication_failure"


class AuthorizationError(ConfigError):
    """The credentials are valid but lack the rights for this operation."""

    reason_type = "authorization_failure"

from __future__ import annotations

import pytest

from exporthub.connectors import errors
from exporthub.connectors.errors import (
    FAILURE_MODES,
    ITEM_REASON_TYPES,
    JOB_REASON_TYPES,
    ConnectorError,
)

EXPECTED = {
    # class: (failure_mode, item reason type, job reason type)
    "ConnectorError": ("internal", "unexpected_failure", None),
    "RetryableError": (
        "exceeded",
        "accounting_system_unreachable",
        "accounting_system_unreachable",
    ),
    "UnreachableError": (
        "exceeded",
        "accounting_system_unreachable",
        "accounting_system_unreachable",
    ),
    "SystemTimeoutError": ("exceeded", "accounting_system_timeout", "accounting_system_timeout"),
    "RateLimitedError": (
        "exceeded",
        "accounting_system_rate_limit",
        "accounting_system_rate_limit",
    ),
    "PermanentError": ("permanent", "accounting_system_validation_failure", None),
    "ValidationError": ("permanent", "validation_failure", None),
    "AccountUnknownError": ("permanent", "account_unknown", None),
    "TaxCodeUnknownError": ("permanent", "tax_code_unknown", None),
    "TagUnknownError": ("permanent", "tag_unknown", None),
    "VendorUnknownError": ("permanent", "vendor_unknown", None),
    "ReceiptUploadError": ("permanent", "receipt_upload_failure", None),
    "ReceiptTooLargeError": ("permanent", "receipt_file_size_limit_exceeded", None),
    "ConfigError": ("config", "invalid_configuration", "invalid_configuration"),
    "MissingConfigError": ("config", "missing_configuration", "missing_configuration"),
    "AuthenticationError": (
        "config",
        "accounting_system_authentication_failure",
        "accounting_system_authentication_failure",
    ),
    "AuthorizationError": ("config", "authorization_failure", "authorization_failure"),
}


def all_error_classes() -> list[type[ConnectorError]]:
    return [
        value
        for value in vars(errors).values()
        if isinstance(value, type) and issubclass(value, ConnectorError)
    ]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_it_maps_each_error_class_to_pleo_vocabulary(name):
    error = getattr(errors, name)("Something went wrong", detail="operator detail")

    assert (error.failure_mode, error.reason_type, error.job_reason_type) == EXPECTED[name]
    assert error.failure_mode in FAILURE_MODES
    assert error.reason_type in ITEM_REASON_TYPES
    assert error.job_reason_type is None or error.job_reason_type in JOB_REASON_TYPES
    assert str(error) == "Something went wrong"
    assert error.detail == "operator detail"


def test_it_covers_every_error_class_in_the_table():
    assert {cls.__name__ for cls in all_error_classes()} == set(EXPECTED)


def test_it_lists_pleos_reason_types_exactly():
    assert len(ITEM_REASON_TYPES) == 18
    assert len(JOB_REASON_TYPES) == 15


def test_it_accepts_a_more_precise_reason_type():
    error = errors.PermanentError("Period 2024-04 is closed", reason_type="validation_failure")

    assert error.reason_type == "validation_failure"
    assert errors.PermanentError.reason_type == "accounting_system_validation_failure"


def test_it_rejects_a_reason_type_pleo_does_not_know():
    with pytest.raises(ValueError, match="not a Pleo item failure reason type"):
        errors.PermanentError("x", reason_type="bad_luck")


def test_it_keeps_the_retry_after_hint():
    assert errors.RateLimitedError("slow down", retry_after=12.5).retry_after == 12.5

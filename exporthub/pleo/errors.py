"""Every way a call to Pleo can fail, as one exception hierarchy.

Callers catch by meaning, not by status code:

    PleoError
    ├── PleoTransportError            the request did not get an HTTP answer
    │   └── PleoTimeout
    ├── PleoMalformedResponse         the answer is not what the contract says
    │   └── PleoPayloadError          ... one field of a payload is wrong (names field and item)
    └── PleoHTTPError                 Pleo answered with an error status
        ├── PleoServerError           5xx (after retries)
        └── PleoClientError           4xx
            ├── PleoRateLimited       429 (after retries)
            ├── PleoUnauthorized      401
            │   └── PleoReauthorizationRequired   the OAuth grant is gone; a human must reconnect
            ├── PleoForbidden         403
            ├── PleoNotFound          404
            │   └── ExportNotFound                    EXPORT_NOT_FOUND
            ├── InvalidExportJobStatusChange          INVALID_EXPORT_JOB_STATUS_CHANGE
            ├── ExportAlreadyInProgress               EXPORT_ALREADY_IN_PROGRESS
            ├── ExportJobItemsUpdateLimit             EXPORT_JOB_ITEMS_UPDATE_LIMIT
            ├── ExportJobStatusUnprocessable          EXPORT_JOB_STATUS_UNPROCESSABLE
            ├── MissingContraAccounts                 MISSING_CONTRA_ACCOUNTS
            └── UnsupportedApiVersion                 UNSUPPORTED_API_VERSION

Messages carry the HTTP method and path, Pleo's error `type` and Pleo's message. They never carry
request headers, so credentials cannot leak through an exception.
"""

from __future__ import annotations

import json
from http import HTTPStatus


class PleoError(Exception):
    """A call to Pleo failed: carries status, Pleo's error type and message, method and path."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        type: str | None = None,
        method: str | None = None,
        path: str | None = None,
    ):
        super().__init__(message)
        self.message = message
        self.status = status
        self.type = type
        self.method = method
        self.path = path
        # Set by the client: an earlier attempt of this call may have been applied by Pleo.
        self.after_ambiguous_attempt = False

    def __str__(self) -> str:
        details = []
        if self.type:
            details.append(self.type)
        if self.status is not None:
            details.append(f"HTTP {self.status}")
        if self.method and self.path:
            details.append(f"{self.method} {self.path}")
        return f"{self.message} ({', '.join(details)})" if details else self.message


class PleoTransportError(PleoError):
    """No HTTP answer: connection refused or reset, DNS failure, protocol error (after retries)."""


class PleoTimeout(PleoTransportError):
    """Pleo did not answer within the configured timeout (after retries)."""


class PleoMalformedResponse(PleoError):
    """Pleo answered, but the body is not JSON or not shaped as the contract says."""


class PleoPayloadError(PleoMalformedResponse):
    """One field of a payload is missing or has the wrong type; the message names field and item."""


class PleoHTTPError(PleoError):
    """Pleo answered with an error status."""


class PleoServerError(PleoHTTPError):
    """Pleo answered 5xx, still after the retries allowed."""


class PleoClientError(PleoHTTPError):
    """Pleo refused the request (4xx); repeating it unchanged will not help."""


class PleoRateLimited(PleoClientError):
    """Pleo answered 429 until the retry budget ran out. `retry_after` is Pleo's last hint (s)."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs):
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class PleoUnauthorized(PleoClientError):
    """401: the API key or access token was rejected."""


class PleoReauthorizationRequired(PleoUnauthorized):
    """The OAuth refresh failed (e.g. invalid_grant); the connection must be authorised again."""


class PleoForbidden(PleoClientError):
    """403: the credentials lack the scope or role for this call."""


class PleoNotFound(PleoClientError):
    """404: the resource does not exist (or is not visible to these credentials)."""


class ExportNotFound(PleoNotFound):
    """EXPORT_NOT_FOUND: no export job with this id."""


class InvalidExportJobStatusChange(PleoClientError):
    """INVALID_EXPORT_JOB_STATUS_CHANGE: the job event is not allowed from the job's status."""


class ExportAlreadyInProgress(PleoClientError):
    """EXPORT_ALREADY_IN_PROGRESS: the company already has a running export job."""


class ExportJobItemsUpdateLimit(PleoClientError):
    """EXPORT_JOB_ITEMS_UPDATE_LIMIT: more than 100 items in one update."""


class ExportJobStatusUnprocessable(PleoClientError):
    """EXPORT_JOB_STATUS_UNPROCESSABLE: the job is finished; items can no longer be read or set."""


class MissingContraAccounts(PleoClientError):
    """MISSING_CONTRA_ACCOUNTS: a Pleo wallet account has no contra account mapped."""


class UnsupportedApiVersion(PleoClientError):
    """UNSUPPORTED_API_VERSION: this API version cannot serve the company (e.g. multi-currency)."""


# Pleo's error `type` → class. Looked up upper-cased: one FAQ shows `missing_contra_accounts`.
ERROR_TYPES: dict[str, type[PleoHTTPError]] = {
    "EXPORT_NOT_FOUND": ExportNotFound,
    "INVALID_EXPORT_JOB_STATUS_CHANGE": InvalidExportJobStatusChange,
    "EXPORT_ALREADY_IN_PROGRESS": ExportAlreadyInProgress,
    "EXPORT_JOB_ITEMS_UPDATE_LIMIT": ExportJobItemsUpdateLimit,
    "EXPORT_JOB_STATUS_UNPROCESSABLE": ExportJobStatusUnprocessable,
    "MISSING_CONTRA_ACCOUNTS": MissingContraAccounts,
    "UNSUPPORTED_API_VERSION": UnsupportedApiVersion,
}

_BY_STATUS: dict[int, type[PleoHTTPError]] = {
    401: PleoUnauthorized,
    403: PleoForbidden,
    404: PleoNotFound,
    429: PleoRateLimited,
}


def error_for_status(
    status: int,
    body: bytes,
    *,
    method: str,
    path: str,
    retry_after: float | None = None,
) -> PleoHTTPError:
    """Build the right exception for an error answer from its status and `ExceptionInfo` body."""
    error_type, message = _exception_info(body)
    cls = ERROR_TYPES.get(error_type.upper()) if error_type else None
    if cls is None:
        cls = PleoServerError if status >= 500 else _BY_STATUS.get(status, PleoClientError)
    if not message:
        try:
            message = HTTPStatus(status).phrase
        except ValueError:
            message = "Error without details"
    kwargs = {"status": status, "type": error_type, "method": method, "path": path}
    if issubclass(cls, PleoRateLimited):
        return cls(message, retry_after=retry_after, **kwargs)
    return cls(message, **kwargs)


def _exception_info(body: bytes) -> tuple[str | None, str | None]:
    """Pleo's `{type, message}`; anything else (HTML from a proxy, empty) gives (None, None)."""
    try:
        payload = json.loads(body) if body else None
    except ValueError:
        return None, None
    if not isinstance(payload, dict):
        return None, None
    error_type = payload.get("type")
    message = payload.get("message")
    return (
        error_type if isinstance(error_type, str) else None,
        message if isinstance(message, str) else None,
    )

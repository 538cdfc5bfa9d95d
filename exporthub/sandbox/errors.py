"""Errors the sandbox answers with, each carrying Pleo's `ExceptionInfo.type` and HTTP status."""

from __future__ import annotations


class SandboxError(Exception):
    """An API error: `type` and `message` form the `ExceptionInfo` body, `status` the HTTP code."""

    status = 400
    type = "BAD_REQUEST"
    message = "The request is not valid."

    def __init__(self, message: str | None = None):
        super().__init__(message or self.message)
        if message:
            self.message = message


class BadRequest(SandboxError):
    """Malformed JSON, a bad uuid, an unknown enum value or a missing field."""


class Unauthorized(SandboxError):
    status = 401
    type = "UNAUTHORIZED"
    message = "Missing or invalid credentials."


class Forbidden(SandboxError):
    status = 403
    type = "FORBIDDEN"
    message = "These credentials do not give access to this company or scope."


class NotFound(SandboxError):
    status = 404
    type = "NOT_FOUND"
    message = "Not found."


class Conflict(SandboxError):
    """A tag group, tag or tax code with that code exists already."""

    status = 409
    type = "CONFLICT"
    message = "A record with that code exists already."


class ExportNotFound(NotFound):
    type = "EXPORT_NOT_FOUND"
    message = "Export job not found."


class MissingContraAccounts(SandboxError):
    type = "MISSING_CONTRA_ACCOUNTS"
    message = (
        "Contra accounts are not fully configured. Please map contra accounts in the "
        "Accounting settings."
    )


class ExportAlreadyInProgress(SandboxError):
    status = 409
    type = "EXPORT_ALREADY_IN_PROGRESS"
    message = "Export Job already in progress for this company."


class ItemsUpdateLimit(SandboxError):
    status = 413
    type = "EXPORT_JOB_ITEMS_UPDATE_LIMIT"
    message = "Number of items to update is more than 100."


class JobFinished(SandboxError):
    status = 422
    type = "EXPORT_JOB_STATUS_UNPROCESSABLE"
    message = "Export job is finished."


class InvalidStatusChange(SandboxError):
    status = 422
    type = "INVALID_EXPORT_JOB_STATUS_CHANGE"
    message = "Export Job status change failed"


class NothingToExport(SandboxError):
    type = "NO_ACCOUNTING_ENTRIES"
    message = "None of the accounting entries is in the export queue."

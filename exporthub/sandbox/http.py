"""JSON answers in Pleo's content type, and the decorator every Pleo API view goes through."""

from __future__ import annotations

import json
from functools import wraps

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from exporthub.sandbox.errors import SandboxError

CONTENT_TYPE = "application/json;charset=UTF-8"
FAULT_HEADER = "x-sandbox-fault"


def json_response(payload, status: int = 200) -> HttpResponse:
    return HttpResponse(json.dumps(payload), status=status, content_type=CONTENT_TYPE)


def error_body(kind: str, message: str) -> dict:
    return {"type": kind, "message": message}


def error_response(error: SandboxError) -> HttpResponse:
    return json_response(error_body(error.type, error.message), error.status)


def pleo_api(scope: str | None = None, **methods):
    """Build one URL's view from per-method handlers: `pleo_api("export-jobs:read", GET=f)`.

    Each handler is called as `handler(request, principal, **kwargs)` after authentication,
    the scope check and fault injection; any SandboxError becomes an `ExceptionInfo` answer.
    A handler may instead be `(scope, handler)` when methods need different scopes.
    """
    from exporthub.sandbox.auth import authenticate
    from exporthub.sandbox.faults import injected_fault

    @csrf_exempt
    def view(request: HttpRequest, **kwargs) -> HttpResponse:
        handler = methods.get(request.method)
        if handler is None:
            allowed = ", ".join(sorted(methods))
            response = json_response(
                error_body("METHOD_NOT_ALLOWED", f"Use {allowed}."), status=405
            )
            response["Allow"] = allowed
            return response
        needed, handler = handler if isinstance(handler, tuple) else (scope, handler)
        try:
            principal = authenticate(request)
            if needed:
                principal.require_scope(needed)
            fault = injected_fault(principal.company.pk)
            if fault is not None:
                return fault
            return handler(request, principal, **kwargs)
        except SandboxError as error:
            return error_response(error)

    first = next(iter(methods.values()))
    first = first[1] if isinstance(first, tuple) else first
    return wraps(first)(view)

"""The REST API: one NinjaAPI; every error a problem document (problems.py).

Adding an endpoint: write the operation in the area's module under `endpoints/` with
`auth=role(<least role>)`; its operation id is the function's name. Then give it a row in
tests/api/test_access.py (how to call it) and, when it mirrors a dashboard action, an entry in
tests/api/test_parity.py. README "API" says more.
"""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from exporthub.api import problems
from exporthub.api.endpoints import (
    activity,
    connections,
    integrations,
    jobs,
    mappings,
    master_data,
    me,
    notifications,
    reconciliation,
)
from exporthub.api.problems import Problem

log = logging.getLogger(__name__)


PROBLEM_SCHEMA = {
    "type": "object",
    "description": "An RFC 9457 problem document.",
    "required": ["type", "title", "status", "detail", "instance"],
    "properties": {
        "type": {"type": "string", "description": "urn:exporthub:problem:<cause>, or about:blank"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
            },
        },
    },
}
PROBLEM_ANSWERS = {
    "401": "No valid API token.",
    "403": "The token's user lacks the role.",
    "404": "Not found, or not in the token's companies.",
    "422": "Invalid fields.",
}


class ExporthubAPI(NinjaAPI):
    def get_openapi_operation_id(self, operation) -> str:
        return operation.view_func.__name__

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        """Ninja's document, with every operation's problem answers declared."""
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        schema["components"]["schemas"]["Problem"] = PROBLEM_SCHEMA
        problem = {problems.CONTENT_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}
        for methods in schema["paths"].values():
            for operation in methods.values():
                answers = operation.setdefault("responses", {})
                for status, description in PROBLEM_ANSWERS.items():
                    if int(status) not in answers and status not in answers:
                        answers[status] = {"description": description, "content": problem}
        return schema


api = ExporthubAPI(
    title="exporthub API",
    version="1",
    description=(
        "Everything the dashboard does, for scripts. Authenticate with a personal API token "
        "(`Authorization: Bearer ehp_…`, made on the dashboard's API tokens page); it carries "
        "your role and companies. Errors are RFC 9457 problem documents; lists page with "
        "`cursor` (pass the `next_cursor` of the page before); writes take an `Idempotency-Key`."
    ),
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
)
for module in (
    me,
    integrations,
    jobs,
    mappings,
    activity,
    connections,
    master_data,
    reconciliation,
    notifications,
):
    api.add_router("", module.router)


@api.exception_handler(Problem)
def _problem(request, exc: Problem):
    return problems.response(request, exc)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request, exc):
    return problems.response(
        request,
        Problem(
            401, _("Send a valid API token: Authorization: Bearer <token>."), slug="unauthenticated"
        ),
        WWW_Authenticate='Bearer realm="exporthub"',
    )


@api.exception_handler(ValidationError)
def _invalid(request, exc: ValidationError):
    errors = [
        {
            "field": ".".join(str(part) for part in error.get("loc", ())),
            "message": error.get("msg", ""),
        }
        for error in exc.errors
    ]
    return problems.response(
        request,
        Problem(
            422,
            _("The request has invalid fields."),
            slug="validation",
            title=_("Invalid request"),
            errors=errors,
        ),
    )


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    return problems.response(request, Problem(exc.status_code, str(exc)))


@api.exception_handler(Http404)
def _not_found(request, exc):
    return problems.response(request, Problem(404, _("Nothing is here."), slug="not-found"))


@api.exception_handler(PermissionDenied)
def _forbidden(request, exc):
    return problems.response(request, Problem(403, str(exc) or _("Not allowed.")))


@api.exception_handler(Exception)
def _server_error(request, exc):
    log.exception("API error on %s", request.path)
    return problems.response(request, Problem(500, _("The hub failed; the error is logged.")))


def not_found(request, rest: str = ""):
    """Anything under /api/ that is no endpoint: a 404 problem, not the HTML page."""
    return problems.response(request, Problem(404, _("No such endpoint."), slug="not-found"))

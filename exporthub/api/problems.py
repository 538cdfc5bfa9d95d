"""RFC 9457 problem documents: every error the API answers is one of these.

`type` is "about:blank" for a plain HTTP error (the title is then the status phrase), or a
`urn:exporthub:problem:<slug>` naming the cause as data a client can branch on.
"""

from __future__ import annotations

import json
from http import HTTPStatus

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

CONTENT_TYPE = "application/problem+json"
URN = "urn:exporthub:problem:"
TITLES = {"validation": gettext_lazy("Invalid request")}


class Problem(Exception):
    """Raise anywhere in an operation to answer with a problem document."""

    def __init__(
        self,
        status: int,
        detail: str = "",
        *,
        slug: str = "",
        title: str = "",
        errors: list[dict] | None = None,
        extra: dict | None = None,
    ):
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.slug = slug
        self.title = str(title or TITLES.get(slug) or HTTPStatus(status).phrase)
        self.errors = errors
        self.extra = extra or {}


def document(request: HttpRequest | None, problem: Problem) -> dict:
    body = {
        "type": URN + problem.slug if problem.slug else "about:blank",
        "title": problem.title,
        "status": problem.status,
        "detail": problem.detail or problem.title,
        "instance": request.get_full_path() if request is not None else "",
    }
    if problem.errors is not None:
        body["errors"] = problem.errors
    body.update(problem.extra)
    return body


def response(request: HttpRequest | None, problem: Problem, **headers) -> HttpResponse:
    answer = HttpResponse(
        json.dumps(document(request, problem)), status=problem.status, content_type=CONTENT_TYPE
    )
    for name, value in headers.items():
        answer[name.replace("_", "-")] = value
    return answer


def form_errors(form) -> list[dict]:
    """A Django form's errors as the problem's field errors ("__all__" becomes "")."""
    return [
        {"field": "" if name == "__all__" else name, "message": str(message)}
        for name, messages in form.errors.items()
        for message in messages
    ]


def invalid(form, detail: str = "") -> Problem:
    return Problem(
        422,
        detail or _("The request has invalid fields."),
        slug="validation",
        title=_("Invalid request"),
        errors=form_errors(form),
    )


class MethodNotAllowedMiddleware:
    """django-ninja answers a wrong method with a plain 405: under /api/, make it a problem."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        answer = self.get_response(request)
        if answer.status_code != 405 or not request.path.startswith("/api/"):
            return answer
        allowed = answer.get("Allow", "")
        return response(
            request,
            Problem(
                405,
                _("This endpoint takes %(methods)s.") % {"methods": allowed},
                slug="method-not-allowed",
            ),
            Allow=allowed,
        )

"""Checks HTTP traffic against Pleo's official OpenAPI files (in exporthub/sandbox/openapi).

`ContractCheckingTransport` wraps any httpx transport. Every request sent and every response
received on a path that the specs define is validated; a violation is raised as
`ContractViolation` *and* recorded, so a test fails even if the code under test swallowed it.

Requests and responses on paths the specs do not define (OAuth, receipts, reads documented only in
prose) pass through; error answers with a status the spec does not list (401, 429, 5xx) must
still be an `ExceptionInfo` body when they are JSON. Responses carrying `x-sandbox-fault` were
broken on purpose by the sandbox's fault injection and are not checked.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import yaml
from openapi_core import OpenAPI
from openapi_core.datatypes import RequestParameters
from werkzeug.datastructures import Headers, ImmutableMultiDict

SPEC_DIR = Path(__file__).resolve().parent.parent / "exporthub" / "sandbox" / "openapi"
SPEC_SERVER = "https://external.pleo.io"
FAULT_HEADER = "x-sandbox-fault"
SKIP_REQUEST_CHECK = "contract_skip_request_check"


class ContractViolation(AssertionError):
    """A request or response does not match Pleo's OpenAPI contract."""


class _Request:
    """An httpx request seen as openapi-core's Request protocol, rebased onto Pleo's server URL."""

    def __init__(self, request: httpx.Request, path: str, body: bytes):
        self.host_url = SPEC_SERVER
        self.path = path
        self.method = request.method.lower()
        self.body = body or None
        self.content_type = request.headers.get("content-type", "application/json")
        self.parameters = RequestParameters(
            query=ImmutableMultiDict(parse_qs(urlsplit(str(request.url)).query)),
            header=Headers(dict(request.headers)),
            cookie=ImmutableMultiDict(),
        )


class _Response:
    def __init__(self, response: httpx.Response, body: bytes):
        self.status_code = response.status_code
        self.data = body
        self.content_type = response.headers.get("content-type", "")
        self.headers = Headers(dict(response.headers))


# Pleo's files put a human date layout in `pattern` (e.g. "YYYY-MM-DDTHH:mi:ssZ") next to
# `format: date-time`; read as a regex it rejects every real timestamp, so such patterns are dropped
# and the `format` does the checking.
_DATE_LAYOUT_PATTERNS = {"YYYY-MM-DD", "YYYY-MM-DDTHH:mi:ssZ", "yyyy-MM-dd'T'HH:mm:ss'Z'"}


def _drop_date_layout_patterns(node):
    if isinstance(node, dict):
        if node.get("pattern") in _DATE_LAYOUT_PATTERNS:
            node = {key: value for key, value in node.items() if key != "pattern"}
        return {key: _drop_date_layout_patterns(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_drop_date_layout_patterns(value) for value in node]
    return node


def _accept_api_keys(document: dict) -> dict:
    """Pleo's API keys (HTTP Basic) work on all its new external APIs, but the tags and tax-code
    files declare only Bearer; add Basic as the alternative the export API file already lists."""
    schemes = document.setdefault("components", {}).setdefault("securitySchemes", {})
    if "basicAuth" in schemes:
        return document
    schemes["basicAuth"] = {"type": "http", "scheme": "basic"}
    document["security"] = [*document.get("security", []), {"basicAuth": []}]
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            if isinstance(operation, dict) and "security" in operation:
                operation["security"] = [*operation["security"], {"basicAuth": []}]
    return document


@cache
def _load_specs() -> tuple[_Spec, ...]:
    specs = []
    for spec_file in sorted(SPEC_DIR.glob("*.yml")):
        document = _accept_api_keys(
            _drop_date_layout_patterns(yaml.safe_load(spec_file.read_text()))
        )
        paths = [
            (_path_regex(template), template, operations)
            for template, operations in document["paths"].items()
        ]
        specs.append(_Spec(OpenAPI.from_dict(document), paths))
    return tuple(specs)


@dataclass
class _Spec:
    openapi: OpenAPI
    paths: list[tuple[re.Pattern, str, dict]]


@dataclass
class Contract:
    """Validates traffic to a Pleo API mounted at `base_path` (e.g. `/sandbox/pleo`)."""

    base_path: str = ""
    violations: list[str] = field(default_factory=list)

    @property
    def specs(self) -> tuple[_Spec, ...]:
        return _load_specs()

    def _match(self, method: str, path: str) -> tuple[_Spec, str, dict] | None:
        for spec in self.specs:
            for regex, template, operations in spec.paths:
                if regex.fullmatch(path) and method.lower() in operations:
                    return spec, template, operations[method.lower()]
        return None

    def _spec_path(self, request: httpx.Request) -> str | None:
        path = request.url.path
        if not path.startswith(self.base_path):
            return None
        return path[len(self.base_path) :] or "/"

    def _fail(self, message: str) -> None:
        self.violations.append(message)
        raise ContractViolation(message)

    def validate_request(self, request: httpx.Request) -> None:
        path = self._spec_path(request)
        matched = path and self._match(request.method, path)
        if not matched:
            return
        spec, template, _ = matched
        try:
            spec.openapi.validate_request(_Request(request, path, request.content))
        except Exception as error:  # openapi-core raises many classes; all mean "does not conform"
            self._fail(f"request {request.method} {template}: {_describe(error)}")

    def validate_response(self, request: httpx.Request, response: httpx.Response) -> None:
        if FAULT_HEADER in response.headers:
            return
        path = self._spec_path(request)
        matched = path and self._match(request.method, path)
        if not matched:
            return
        spec, template, operation = matched
        body = response.read()
        documented = {str(code) for code in operation.get("responses", {})}
        where = f"response {response.status_code} to {request.method} {template}"
        if str(response.status_code) not in documented:
            if response.status_code >= 400:
                _check_exception_info(body, response, where, self._fail)
                return
            # Some of Pleo's files (tags, tax codes) document only a `default` response.
            if "default" not in documented:
                self._fail(f"{where}: status not documented (documented: {sorted(documented)})")
                return
            if response.status_code == 204:
                if body:
                    self._fail(f"{where}: a 204 answer carries a body")
                return  # No Content: nothing for the documented (empty) schema to check
        try:
            spec.openapi.validate_response(
                _Request(request, path, request.content), _Response(response, body)
            )
        except Exception as error:
            self._fail(f"{where}: {_describe(error)}")


def _check_exception_info(body: bytes, response: httpx.Response, where: str, fail) -> None:
    if "json" not in response.headers.get("content-type", "") or not body:
        return
    try:
        payload = json.loads(body)
    except ValueError:
        fail(f"{where}: body is not valid JSON")
        return
    if not isinstance(payload, dict) or not isinstance(payload.get("type"), str):
        fail(f"{where}: error body is not an ExceptionInfo {{type, message}}: {payload!r}")


def _path_regex(template: str) -> re.Pattern:
    parts = re.split(r"(\{[^}]+\})", template)
    pattern = "".join("[^/]+" if part.startswith("{") else re.escape(part) for part in parts)
    return re.compile(pattern)


def _describe(error: Exception) -> str:
    details = [str(error)]
    for cause in getattr(error, "schema_errors", None) or []:
        details.append(str(getattr(cause, "message", cause)))
    inner = error.__cause__
    while inner is not None:
        details.append(str(inner))
        for cause in getattr(inner, "schema_errors", None) or []:
            details.append(str(getattr(cause, "message", cause)))
        inner = inner.__cause__
    return " | ".join(details)


class ContractCheckingTransport(httpx.BaseTransport):
    """An httpx transport that validates each request and response against the contract.

    A test that sends a deliberately invalid request (to see the server's 400 or 413) opts out of
    the request check for that one request with `extensions={SKIP_REQUEST_CHECK: True}`.
    """

    def __init__(self, inner: httpx.BaseTransport, contract: Contract):
        self.inner = inner
        self.contract = contract

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if not request.extensions.get(SKIP_REQUEST_CHECK):
            self.contract.validate_request(request)
        response = self.inner.handle_request(request)
        response.read()
        self.contract.validate_response(request, response)
        return response

    def close(self) -> None:
        self.inner.close()

"""A small client for Tryton's REST API (trytond 8.x): user application key, JSON, no magic.

All HTTP to Tryton goes through `TrytonClient._send`, which turns transport and HTTP failures
into the connector error taxonomy and counts requests (`requests`, by operation). Tryton encodes
Decimal, date and bytes values as objects with a `__class__` key; `_encode`/`_decode` convert them
to and from Python values.

With a login and password, `rpc()` also calls Tryton's JSON-RPC (`/<db>/rpc/`), authenticated
per request with HTTP Basic (no session: `account.move.post` demands a session used within the
server's `session.timeout`, which a job's pauses would outlast). REST cannot post a list of
moves (its model actions pass ids where `post` expects records), JSON-RPC can.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections import Counter
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

import httpx

from exporthub.connectors.errors import (
    AuthenticationError,
    AuthorizationError,
    ConfigError,
    PermanentError,
    RateLimitedError,
    ReceiptTooLargeError,
    SystemTimeoutError,
    UnreachableError,
)
from exporthub.core.retry_after import parse_retry_after

USER_AGENT = "exporthub-tryton-connector/1"


def _encode(value: Any) -> Any:
    if isinstance(value, Decimal):
        return {"__class__": "Decimal", "decimal": str(value)}
    if isinstance(value, dt.datetime):
        raise TypeError("datetimes are not sent to Tryton")
    if isinstance(value, dt.date):
        return {"__class__": "date", "year": value.year, "month": value.month, "day": value.day}
    if isinstance(value, bytes):
        return {"__class__": "bytes", "base64": base64.b64encode(value).decode()}
    if isinstance(value, dict):
        return {key: _encode(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_encode(item) for item in value]
    return value


def _decode(obj: dict[str, Any]) -> Any:
    kind = obj.get("__class__")
    if kind == "Decimal":
        return Decimal(obj["decimal"])
    if kind == "date":
        return dt.date(obj["year"], obj["month"], obj["day"])
    if kind == "bytes":
        return base64.b64decode(obj["base64"])
    return obj


def _b64json(value: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(_encode(value)).encode()).decode()


class TrytonClient:
    """One database of one Tryton server, as one user (the owner of the application key)."""

    def __init__(
        self,
        base_url: str,
        database: str,
        api_key: str,
        *,
        context: dict[str, Any] | None = None,
        timeout: float = 30.0,
        login: str = "",
        password: str = "",
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.database = database
        self.context = context or {}
        self.requests: Counter[str] = Counter()  # HTTP requests sent, by operation
        self._rpc_ids = iter(range(1, 2**62))
        self.rpc_http = (
            httpx.Client(
                base_url=f"{self.base_url}/{database}/rpc/",
                auth=(login, password),
                headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
                timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)),
            )
            if login and password
            else None
        )
        self.http = httpx.Client(
            base_url=f"{self.base_url}/{database}/rest/",
            headers={
                "Authorization": f"Bearer {api_key}",
                "X-Tryton-Context": _b64json(context or {}),
                "User-Agent": USER_AGENT,
                "Accept": "application/json",
            },
            timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)),
        )

    def record_url(self, model: str, record_id: int) -> str:
        return f"{self.base_url}/{self.database}/rest/model/{model}/{record_id}"

    def search(
        self,
        model: str,
        domain: Sequence[Any],
        fields: Iterable[str],
        *,
        limit: int | None = None,
        order: Sequence[tuple[str, str]] | None = None,
    ) -> list[dict[str, Any]]:
        params: list[tuple[str, str | int]] = [("d", _b64json(list(domain)))]
        params += [("f", name) for name in fields]
        if limit is not None:
            params.append(("s", limit))
        if order:
            params.append(("o", _b64json([list(pair) for pair in order])))
        return self._request("GET", f"model/{model}", params=params)

    def read(self, model: str, record_id: int, fields: Iterable[str]) -> dict[str, Any]:
        params = [("f", name) for name in fields]
        return self._request("GET", f"model/{model}/{record_id}", params=params)

    def create(
        self, model: str, values: dict[str, Any], fields: Iterable[str] = ("id",)
    ) -> dict[str, Any]:
        params = [("f", name) for name in fields]
        return self._request("POST", f"model/{model}", params=params, data=values)

    def create_many(self, model: str, vlist: Sequence[dict[str, Any]]) -> list[int]:
        """Create several records in one request and transaction (REST `create` action)."""
        if not vlist:
            return []
        return self._request("POST", f"model/{model}/create", data={"vlist": list(vlist)})

    def button(self, model: str, record_id: int, name: str, fields: Iterable[str] = ()) -> Any:
        """Run a button/RPC method on one record, e.g. `button("account.move", 4, "post")`.

        Returns the record (with `fields`) afterwards."""
        params = [("f", field) for field in fields]
        return self._request("POST", f"model/{model}/{record_id}/{name}", params=params)

    @property
    def has_rpc(self) -> bool:
        return self.rpc_http is not None

    def rpc(self, method: str, *params: Any) -> Any:
        """Call `method` (e.g. "model.account.move.post") over JSON-RPC; the context is added."""
        assert self.rpc_http is not None, "JSON-RPC needs a login and a password"
        body = {"id": next(self._rpc_ids), "method": method, "params": [*params, self.context]}
        response = self._send(
            self.rpc_http,
            "POST",
            "",
            content=json.dumps(_encode(body)).encode(),
            headers={"Content-Type": "application/json"},
        )
        if response.status_code == 401:
            raise AuthenticationError(
                "Tryton rejected the login or password of the connector's user.",
                detail=f"POST {response.request.url.path}",
            )
        self._raise_for_status(response)
        answer = self._decode_body(response, "POST", method)
        error = answer.get("error")
        if not error:
            return answer.get("result")
        kind, args = (error[0], error[1]) if len(error) == 2 else (str(error), "")
        if kind in ("UserError", "UserWarning"):
            message, description = args[0:2] if kind == "UserError" else args[1:3]
            raise PermanentError(f"Tryton: {message}", detail=description or "")
        if kind == "ConcurrencyException":
            raise UnreachableError("Tryton reported a concurrent change.", detail=str(args))
        raise UnreachableError(f"Tryton failed on {method}.", detail=f"{kind}: {args}"[:2000])

    def _send(self, http: httpx.Client, method: str, url: str, **kwargs: Any) -> httpx.Response:
        self.requests[_operation(method, url, http is self.rpc_http)] += 1
        try:
            return http.request(method, url, **kwargs)
        except httpx.TimeoutException as exc:
            raise SystemTimeoutError(
                f"Tryton at {self.base_url} did not answer in time.", detail=repr(exc)
            ) from exc
        except httpx.TransportError as exc:
            raise UnreachableError(
                f"Cannot reach Tryton at {self.base_url}.", detail=repr(exc)
            ) from exc

    def _decode_body(self, response: httpx.Response, method: str, url: str) -> Any:
        try:
            return json.loads(response.content, object_hook=_decode)
        except (ValueError, RecursionError):
            raise ConfigError(
                f"The server at {self.base_url} did not answer like Tryton's REST API (not JSON); "
                "check the connector's URL.",
                detail=f"{method} {url}: {response.text[:500]}",
            ) from None

    def _request(self, method: str, url: str, *, params: Any = None, data: Any = None) -> Any:
        content = json.dumps(_encode(data)).encode() if data is not None else None
        headers = {"Content-Type": "application/json"} if content is not None else None
        response = self._send(
            self.http, method, url, params=params, content=content, headers=headers
        )
        self._raise_for_status(response)
        if response.status_code == 204 or not response.content:
            return None
        return self._decode_body(response, method, url)

    def _raise_for_status(self, response: httpx.Response) -> None:
        status = response.status_code
        if status < 400:
            return
        detail = f"{response.request.method} {response.request.url.path}: {response.text[:2000]}"
        if status == 400:
            body = _json_or_empty(response)
            message = body.get("message") or "Tryton refused the request."
            raise PermanentError(f"Tryton: {message}", detail=body.get("description") or detail)
        if status == 401:
            raise AuthenticationError(
                "Tryton rejected the API key; create a new REST application key for the user.",
                detail=detail,
            )
        if status == 403:
            raise AuthorizationError(
                "The Tryton user behind the API key may not do this.", detail=detail
            )
        if status == 404:
            raise ConfigError(
                f"Tryton has no database {self.database!r} or no such record; check the "
                "connector's URL, database and company.",
                detail=detail,
            )
        if status == 413:
            raise ReceiptTooLargeError("The file is larger than Tryton accepts.", detail=detail)
        if status == 429:
            raise RateLimitedError(
                "Tryton asked us to slow down.",
                retry_after=parse_retry_after(response.headers.get("Retry-After")),
                detail=detail,
            )
        if status >= 500:
            raise UnreachableError(f"Tryton failed with HTTP {status}.", detail=detail)
        raise PermanentError(f"Tryton answered HTTP {status}.", detail=detail)

    def close(self) -> None:
        self.http.close()
        if self.rpc_http is not None:
            self.rpc_http.close()


def _operation(method: str, url: str, rpc: bool) -> str:
    """A request's kind for counting: "rpc", "search account.move", "create ir.attachment"..."""
    if rpc:
        return "rpc"
    parts = url.split("/")  # model/<name>[/<id>][/<action>]
    if method == "GET":
        return f"{'read' if len(parts) > 2 else 'search'} {parts[1]}"
    if len(parts) == 2:
        return f"create {parts[1]}"
    return f"{parts[-1]} {parts[1]}"


def _json_or_empty(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}

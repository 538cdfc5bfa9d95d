"""A small client for Tryton's REST API (trytond 8.x): user application key, JSON, no magic.

All HTTP to Tryton goes through `TrytonClient._request`, which turns transport and HTTP failures
into the connector error taxonomy. Tryton encodes Decimal, date and bytes values as objects with a
`__class__` key; `_encode`/`_decode` convert them to and from Python values.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
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
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.database = database
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

    def button(self, model: str, record_id: int, name: str) -> Any:
        """Run a button/RPC method on one record, e.g. `button("account.move", 4, "post")`."""
        return self._request("POST", f"model/{model}/{record_id}/{name}")

    def _request(self, method: str, url: str, *, params: Any = None, data: Any = None) -> Any:
        content = json.dumps(_encode(data)).encode() if data is not None else None
        headers = {"Content-Type": "application/json"} if content is not None else None
        try:
            response = self.http.request(
                method, url, params=params, content=content, headers=headers
            )
        except httpx.TimeoutException as exc:
            raise SystemTimeoutError(
                f"Tryton at {self.base_url} did not answer in time.", detail=repr(exc)
            ) from exc
        except httpx.TransportError as exc:
            raise UnreachableError(
                f"Cannot reach Tryton at {self.base_url}.", detail=repr(exc)
            ) from exc
        self._raise_for_status(response)
        if response.status_code == 204 or not response.content:
            return None
        try:
            return json.loads(response.content, object_hook=_decode)
        except (ValueError, RecursionError):
            raise ConfigError(
                f"The server at {self.base_url} did not answer like Tryton's REST API (not JSON); "
                "check the connector's URL.",
                detail=f"{method} {url}: {response.text[:500]}",
            ) from None

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


def _json_or_empty(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}

"""HTTP plumbing shared by the API client and the OAuth token client."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import httpx

from exporthub.pleo.errors import PleoMalformedResponse

USER_AGENT = "exporthub/0.1 (+https://github.com/exporthub)"


def default_timeout(seconds: float) -> httpx.Timeout:
    """`seconds` for reads, writes and the pool; connecting gets at most 10 s of it."""
    return httpx.Timeout(seconds, connect=min(seconds, 10.0))


def decode_json(response: httpx.Response, *, method: str, path: str) -> Any:
    """The body as JSON, non-integers as Decimal (never float); or `PleoMalformedResponse`."""
    try:
        return json.loads(response.content, parse_float=Decimal)
    except (ValueError, UnicodeDecodeError) as error:
        raise PleoMalformedResponse(
            f"Pleo answered HTTP {response.status_code} with a body that is not JSON: {error}",
            status=response.status_code,
            method=method,
            path=path,
        ) from None

"""How requests to Pleo are authenticated, as `httpx.Auth` classes.

* `ApiKeyAuth`: HTTP Basic with the API key as user name and an empty password
  (`Authorization: Basic base64("<key>:")`; the trailing colon matters).
* `OAuthAuth`: `Authorization: Bearer <access token>` from a `TokenSource`; refreshes first when
  the token has expired, and once more (then replays the request) when Pleo answers 401.
"""

from __future__ import annotations

import base64
from collections.abc import Generator
from typing import Protocol

import httpx


class ApiKeyAuth(httpx.Auth):
    """Pleo API key auth: HTTP Basic, the key as user name, empty password."""

    def __init__(self, api_key: str):
        if not api_key:
            raise ValueError("an API key is required")
        credentials = base64.b64encode(f"{api_key}:".encode()).decode("ascii")
        self._header = f"Basic {credentials}"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = self._header
        yield request

    def __repr__(self) -> str:
        return "ApiKeyAuth(api_key=***)"


class TokenSource(Protocol):
    """Hands out OAuth access tokens and refreshes them (see `pleo.tokens.ConnectionTokens`)."""

    def access_token(self) -> str:
        """A current access token, refreshed first if it has expired."""
        ...

    def refresh(self, stale_access_token: str | None) -> str:
        """A new access token; `stale_access_token` is the one Pleo just refused."""
        ...


class OAuthAuth(httpx.Auth):
    """Bearer auth from a `TokenSource`, with one refresh-and-replay on 401."""

    def __init__(self, tokens: TokenSource):
        self.tokens = tokens

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        token = self.tokens.access_token()
        request.headers["Authorization"] = f"Bearer {token}"
        response = yield request
        if response.status_code == 401:
            # Revoked or expired early: refresh once. If the new token is refused too, the 401
            # stands and becomes PleoUnauthorized.
            token = self.tokens.refresh(stale_access_token=token)
            request.headers["Authorization"] = f"Bearer {token}"
            yield request

    def __repr__(self) -> str:
        return f"OAuthAuth(tokens={self.tokens!r})"

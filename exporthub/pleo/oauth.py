"""OAuth 2 with Pleo: authorization code + PKCE (S256), code exchange and token refresh.

Pleo's OAuth server is `https://auth.pleo.io` (staging `https://auth.staging.pleo.io`); the sandbox
serves it under its own base URL. Tokens are opaque strings. Refresh tokens rotate on every
refresh: the answer's refresh token replaces the old one, which is dead from then on.
Storing them, and making sure only one process refreshes at a time, is `pleo/tokens.py`'s job.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import quote, urlencode

import httpx
from django.utils import timezone

from exporthub.pleo.errors import (
    PleoMalformedResponse,
    PleoReauthorizationRequired,
    error_for_status,
)
from exporthub.pleo.retry import Retrier, RetryPolicy
from exporthub.pleo.transport import USER_AGENT, decode_json

_AUTH_SERVERS = {
    "https://external.pleo.io": "https://auth.pleo.io",
    "https://external.staging.pleo.io": "https://auth.staging.pleo.io",
}
# A token request must finish well within a refresh lease (tokens.py), retries included.
TOKEN_TIMEOUT = httpx.Timeout(10.0, connect=5.0)
TOKEN_RETRY_POLICY = RetryPolicy(max_attempts=3, max_total_seconds=20.0)


def oauth_base_url_for(api_base_url: str) -> str:
    """The OAuth server that issues tokens for an API base URL (the sandbox serves both)."""
    api_base_url = api_base_url.rstrip("/")
    return _AUTH_SERVERS.get(api_base_url, api_base_url)


def generate_code_verifier() -> str:
    """A PKCE code verifier: 86 characters of [A-Za-z0-9_-] (RFC 7636 allows 43–128)."""
    return secrets.token_urlsafe(64)


def code_challenge_s256(verifier: str) -> str:
    """BASE64URL(SHA256(verifier)) without padding (RFC 7636 §4.2)."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


@dataclass(frozen=True, repr=False)
class AuthorizationRequest:
    """Where to send the user, plus what to keep (server side) until they come back."""

    url: str
    state: str
    code_verifier: str

    def __repr__(self) -> str:
        return f"AuthorizationRequest(url={self.url!r}, state=***, code_verifier=***)"


def build_authorization_request(
    *,
    oauth_base_url: str,
    client_id: str,
    redirect_uri: str,
    scopes: list[str] | tuple[str, ...] | str = (),
    state: str | None = None,
    code_verifier: str | None = None,
) -> AuthorizationRequest:
    """The authorize URL with a fresh `state` and an S256 PKCE challenge.

    Keep `state` and `code_verifier` in the user's session; check `state` when Pleo redirects
    back, then pass the `code` and the verifier to `OAuthTokenClient.exchange_code`.
    """
    state = state or secrets.token_urlsafe(32)
    code_verifier = code_verifier or generate_code_verifier()
    scope = scopes if isinstance(scopes, str) else " ".join(scopes)
    query = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "state": state,
        "code_challenge": code_challenge_s256(code_verifier),
        "code_challenge_method": "S256",
    }
    if scope:
        query["scope"] = scope
    url = f"{oauth_base_url.rstrip('/')}/oauth/authorize?{urlencode(query)}"
    return AuthorizationRequest(url=url, state=state, code_verifier=code_verifier)


@dataclass(frozen=True, repr=False)
class TokenSet:
    """An access/refresh token pair from the token endpoint."""

    access_token: str
    refresh_token: str
    expires_at: datetime | None
    scope: str = ""

    def __repr__(self) -> str:
        return f"TokenSet(access_token=***, refresh_token=***, expires_at={self.expires_at!r})"


class OAuthTokenClient:
    """Talks to `{oauth_base_url}/oauth/token`, authenticating with the client id and secret."""

    def __init__(
        self,
        *,
        oauth_base_url: str,
        client_id: str,
        client_secret: str,
        http: httpx.Client | None = None,
        transport: httpx.BaseTransport | None = None,
        retrier: Retrier | None = None,
    ):
        self.token_path = "/oauth/token"
        self.client_id = client_id
        self._client_secret = client_secret
        self._owns_http = http is None
        self._http = http or httpx.Client(
            base_url=oauth_base_url.rstrip("/"),
            transport=transport,
            timeout=TOKEN_TIMEOUT,
            headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
        )
        self._retrier = retrier or Retrier(TOKEN_RETRY_POLICY)

    def __repr__(self) -> str:
        return f"OAuthTokenClient(client_id={self.client_id!r})"

    def close(self) -> None:
        """Close the HTTP client if this object created it."""
        if self._owns_http:
            self._http.close()

    def exchange_code(self, *, code: str, redirect_uri: str, code_verifier: str) -> TokenSet:
        """Trade an authorization code (single use) for the first token pair."""
        return self._token_request(
            {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": redirect_uri,
                "code_verifier": code_verifier,
            }
        )

    def refresh(self, refresh_token: str) -> TokenSet:
        """Trade the refresh token for a new pair. The old refresh token is dead afterwards.

        Raises `PleoReauthorizationRequired` when Pleo refuses the grant (`invalid_grant` …).
        Not replayed after a failure that may have reached Pleo (see retry.py).
        """
        return self._token_request({"grant_type": "refresh_token", "refresh_token": refresh_token})

    def _token_request(self, form: dict[str, str]) -> TokenSet:
        form = {**form, "client_id": self.client_id}
        path = self.token_path
        request = self._http.build_request("POST", path, data=form)
        # RFC 6749 §2.3.1: id and secret are form-encoded before going into Basic auth.
        client_auth = httpx.BasicAuth(
            quote(self.client_id, safe=""), quote(self._client_secret, safe="")
        )
        response = self._retrier.run(
            lambda: self._http.send(request, auth=client_auth),
            method="POST",
            path=path,
            replay_safe=False,
        )
        if response.status_code in (400, 401):
            raise _grant_error(response, path)
        if response.status_code >= 400:
            raise error_for_status(response.status_code, response.content, method="POST", path=path)
        return _token_set(decode_json(response, method="POST", path=path), path)


def _grant_error(response: httpx.Response, path: str) -> PleoReauthorizationRequired:
    """RFC 6749 §5.2 error answer: the grant or the client is not (or no longer) valid."""
    try:
        payload = response.json()
    except ValueError:
        payload = {}
    error = payload.get("error") if isinstance(payload, dict) else None
    description = payload.get("error_description") if isinstance(payload, dict) else None
    error = error if isinstance(error, str) else "unauthorized"
    message = f"Pleo refused the OAuth grant: {error}"
    if isinstance(description, str) and description:
        message += f" ({description})"
    return PleoReauthorizationRequired(
        message, status=response.status_code, type=error, method="POST", path=path
    )


def _token_set(payload: object, path: str) -> TokenSet:
    if not isinstance(payload, dict):
        raise PleoMalformedResponse("token answer is not a JSON object", method="POST", path=path)
    access = payload.get("access_token")
    refresh = payload.get("refresh_token")
    expires_in = payload.get("expires_in")
    if not isinstance(access, str) or not access or not isinstance(refresh, str) or not refresh:
        raise PleoMalformedResponse(
            "token answer lacks access_token or refresh_token", method="POST", path=path
        )
    if expires_in is not None and (isinstance(expires_in, bool) or not isinstance(expires_in, int)):
        raise PleoMalformedResponse(
            f"token answer: expires_in: expected whole seconds, got {expires_in!r}",
            method="POST",
            path=path,
        )
    expires_at = timezone.now() + timedelta(seconds=expires_in) if expires_in is not None else None
    scope = payload.get("scope")
    return TokenSet(access, refresh, expires_at, scope if isinstance(scope, str) else "")

"""From a stored `PleoConnection` to a working client, and the OAuth connect flow for it."""

from __future__ import annotations

from typing import Any

import httpx

from exporthub.pleo.auth import ApiKeyAuth, OAuthAuth
from exporthub.pleo.client import PleoClient
from exporthub.pleo.models import PleoConnection
from exporthub.pleo.oauth import (
    AuthorizationRequest,
    OAuthTokenClient,
    build_authorization_request,
    oauth_base_url_for,
)
from exporthub.pleo.tokens import ConnectionTokens, store_tokens


def client_for(
    connection: PleoConnection,
    *,
    transport: httpx.BaseTransport | None = None,
    **kwargs: Any,
) -> PleoClient:
    """A `PleoClient` for the connection: its base URL, company and credentials.

    For OAuth connections the client refreshes tokens through the row (see tokens.py), so any
    number of processes can hold clients for the same connection. `kwargs` go to `PleoClient`.
    """
    close_with = []
    if connection.auth_method == PleoConnection.AuthMethod.API_KEY:
        auth: httpx.Auth = ApiKeyAuth(connection.api_key)
    else:
        token_client = token_client_for(connection, transport)
        close_with.append(token_client)
        auth = OAuthAuth(ConnectionTokens(connection, token_client))
    return PleoClient(
        base_url=connection.base_url,
        auth=auth,
        transport=transport,
        company_id=str(connection.company_id) if connection.company_id else None,
        close_with=close_with,
        **kwargs,
    )


def token_client_for(
    connection: PleoConnection, transport: httpx.BaseTransport | None = None
) -> OAuthTokenClient:
    """The OAuth token endpoint client for the connection's OAuth app."""
    return OAuthTokenClient(
        oauth_base_url=_oauth_base_url(connection),
        client_id=connection.oauth_client_id,
        client_secret=connection.oauth_client_secret,
        transport=transport,
    )


def start_authorization(connection: PleoConnection, *, redirect_uri: str) -> AuthorizationRequest:
    """The Pleo authorize URL for this connection; keep `state` and `code_verifier` server side."""
    return build_authorization_request(
        oauth_base_url=_oauth_base_url(connection),
        client_id=connection.oauth_client_id,
        redirect_uri=redirect_uri,
        scopes=connection.oauth_scopes,
    )


def complete_authorization(
    connection: PleoConnection,
    *,
    code: str,
    redirect_uri: str,
    code_verifier: str,
    transport: httpx.BaseTransport | None = None,
) -> None:
    """Exchange the code Pleo redirected back with, store the tokens, mark the connection active."""
    token_client = token_client_for(connection, transport)
    try:
        tokens = token_client.exchange_code(
            code=code, redirect_uri=redirect_uri, code_verifier=code_verifier
        )
    finally:
        token_client.close()
    store_tokens(connection, tokens)


def _oauth_base_url(connection: PleoConnection) -> str:
    return connection.oauth_base_url or oauth_base_url_for(connection.base_url)

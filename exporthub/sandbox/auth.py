"""Who is calling: an API key (HTTP Basic, key as user, empty password) or an OAuth token."""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass

from django.http import HttpRequest
from django.utils import timezone

from exporthub.sandbox.errors import Forbidden, Unauthorized
from exporthub.sandbox.models import ApiKey, Company, OAuthToken


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class Principal:
    company: Company
    auth_method: str  # "API_KEY" or "OAUTH"
    scopes: frozenset[str] | None  # None: every scope (API keys)

    def require_scope(self, scope: str) -> None:
        if self.scopes is not None and scope not in self.scopes:
            raise Forbidden(f"The access token lacks the scope {scope}.")

    def require_company(self, company_id) -> None:
        """403 when a request names a company other than the credential's own."""
        if company_id is not None and company_id != self.company.uuid:
            raise Forbidden("These credentials do not give access to that company.")


def authenticate(request: HttpRequest) -> Principal:
    header = request.headers.get("Authorization", "")
    scheme, _, credentials = header.partition(" ")
    credentials = credentials.strip()
    if scheme.lower() == "basic" and credentials:
        return _api_key_principal(credentials)
    if scheme.lower() == "bearer" and credentials:
        return _token_principal(credentials)
    raise Unauthorized()


def _api_key_principal(credentials: str) -> Principal:
    try:
        decoded = base64.b64decode(credentials, validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise Unauthorized("The Basic credentials are not valid base64.") from None
    key, _, _password = decoded.partition(":")
    api_key = (
        ApiKey.objects.select_related("company")
        .filter(key_hash=hash_secret(key), revoked_at__isnull=True)
        .first()
    )
    if api_key is None:
        raise Unauthorized("Unknown or revoked API key.")
    return Principal(company=api_key.company, auth_method="API_KEY", scopes=None)


def _token_principal(token: str) -> Principal:
    row = (
        OAuthToken.objects.select_related("client__company")
        .filter(token_hash=hash_secret(token), kind="access", revoked_at__isnull=True)
        .first()
    )
    if row is None or row.expires_at <= timezone.now():
        raise Unauthorized("Unknown, expired or revoked access token.")
    return Principal(
        company=row.client.company, auth_method="OAUTH", scopes=frozenset(row.scope.split())
    )

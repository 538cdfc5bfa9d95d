"""A small OAuth 2 authorisation server: authorization code + PKCE (S256), rotating refresh tokens.

Errors are RFC 6749 `{error, error_description}`; reusing a rotated refresh token revokes every
token of that authorisation, as Pleo documents.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from exporthub.sandbox.auth import hash_secret
from exporthub.sandbox.enums import SCOPES
from exporthub.sandbox.models import (
    AuthorizationCode,
    Company,
    OAuthClient,
    OAuthToken,
    TokenRefresh,
)

CODE_LIFETIME = timedelta(minutes=10)
REFRESH_LIFETIME = timedelta(days=60)
VERIFIER = re.compile(r"^[A-Za-z0-9\-._~]{43,128}$")
CHALLENGE = re.compile(r"^[A-Za-z0-9\-_]{43}$")


class OAuthError(Exception):
    def __init__(self, error: str, description: str, status: int = 400):
        super().__init__(description)
        self.error, self.description, self.status = error, description, status

    def body(self) -> dict:
        return {"error": self.error, "error_description": self.description}


@dataclass(frozen=True)
class AuthorizationRequest:
    client: OAuthClient
    redirect_uri: str
    scope: str
    state: str
    code_challenge: str


def access_token_lifetime() -> timedelta:
    return timedelta(seconds=getattr(settings, "SANDBOX_ACCESS_TOKEN_SECONDS", 3600))


def create_client(company: Company, *, redirect_uri: str) -> tuple[OAuthClient, str]:
    secret = secrets.token_urlsafe(32)
    client = OAuthClient.objects.create(
        company=company,
        client_id=f"sandbox-{secrets.token_hex(8)}",
        secret_hash=hash_secret(secret),
        redirect_uri=redirect_uri,
    )
    return client, secret


def check_authorization_request(params) -> AuthorizationRequest:
    """Validate `/oauth/authorize` query parameters. Client and redirect problems raise with
    status 400 (never redirect to an unverified URI); others raise `invalid_request` etc."""
    client = (
        OAuthClient.objects.select_related("company")
        .filter(client_id=params.get("client_id", ""))
        .first()
    )
    if client is None:
        raise OAuthError("invalid_client", "Unknown client_id.")
    redirect_uri = params.get("redirect_uri") or client.redirect_uri
    if redirect_uri != client.redirect_uri:
        raise OAuthError("invalid_request", "redirect_uri does not match the registered one.")
    if params.get("response_type") != "code":
        raise OAuthError("unsupported_response_type", "Only response_type=code is supported.")
    if params.get("code_challenge_method") != "S256":
        raise OAuthError("invalid_request", "PKCE with code_challenge_method=S256 is required.")
    challenge = params.get("code_challenge", "")
    if not CHALLENGE.fullmatch(challenge):
        raise OAuthError("invalid_request", "code_challenge must be a base64url SHA-256 digest.")
    scope = " ".join(params.get("scope", "").split()) or " ".join(SCOPES)
    unknown = [name for name in scope.split() if name not in SCOPES]
    if unknown:
        raise OAuthError("invalid_scope", f"Unknown scope: {' '.join(unknown)}.")
    return AuthorizationRequest(client, redirect_uri, scope, params.get("state", ""), challenge)


def issue_code(request: AuthorizationRequest) -> str:
    code = secrets.token_urlsafe(32)
    AuthorizationCode.objects.create(
        client=request.client,
        code_hash=hash_secret(code),
        redirect_uri=request.redirect_uri,
        scope=request.scope,
        code_challenge=request.code_challenge,
        expires_at=timezone.now() + CODE_LIFETIME,
    )
    return code


def authenticate_client(client_id: str, client_secret: str) -> OAuthClient:
    client = OAuthClient.objects.filter(client_id=client_id).first()
    if client is None or not secrets.compare_digest(
        client.secret_hash, hash_secret(client_secret or "")
    ):
        raise OAuthError("invalid_client", "Client authentication failed.", status=401)
    return client


def _s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


@transaction.atomic
def exchange_code(client: OAuthClient, *, code: str, redirect_uri: str, verifier: str) -> dict:
    row = (
        AuthorizationCode.objects.select_for_update()
        .filter(client=client, code_hash=hash_secret(code or ""))
        .first()
    )
    now = timezone.now()
    if row is None or row.used_at is not None or row.expires_at <= now:
        raise OAuthError("invalid_grant", "The authorization code is invalid, used or expired.")
    if redirect_uri and redirect_uri != row.redirect_uri:
        raise OAuthError("invalid_grant", "redirect_uri does not match the authorization request.")
    if not VERIFIER.fullmatch(verifier or "") or not secrets.compare_digest(
        _s256(verifier), row.code_challenge
    ):
        raise OAuthError("invalid_grant", "The code_verifier does not match the code_challenge.")
    row.used_at = now
    row.save(update_fields=["used_at"])
    return _issue_tokens(client, scope=row.scope, grant=None)


def refresh(client: OAuthClient, *, refresh_token: str) -> dict:
    """Rotate: the presented refresh token dies, a new pair is issued, the refresh is counted."""
    with transaction.atomic():
        row = (
            OAuthToken.objects.select_for_update()
            .filter(client=client, kind="refresh", token_hash=hash_secret(refresh_token or ""))
            .first()
        )
        now = timezone.now()
        if row is None or row.revoked_at is not None:
            error = OAuthError("invalid_grant", "The refresh token is invalid or revoked.")
        elif row.rotated_at is not None or row.expires_at <= now:
            # Reuse of a spent token means it leaked (or a client raced itself): revoke the
            # whole family, and commit that before answering.
            OAuthToken.objects.filter(grant=row.grant, revoked_at__isnull=True).update(
                revoked_at=now
            )
            error = OAuthError("invalid_grant", "The refresh token was already used or expired.")
        else:
            row.rotated_at = now
            row.save(update_fields=["rotated_at"])
            TokenRefresh.objects.create(client=client)
            return _issue_tokens(client, scope=row.scope, grant=row.grant)
    raise error


def _issue_tokens(client: OAuthClient, *, scope: str, grant) -> dict:
    access, refresh_value = secrets.token_urlsafe(32), secrets.token_urlsafe(48)
    now = timezone.now()
    lifetime = access_token_lifetime()
    common = {"client": client, "scope": scope}
    first = OAuthToken.objects.create(
        kind="access",
        token_hash=hash_secret(access),
        expires_at=now + lifetime,
        **common,
        **({"grant": grant} if grant else {}),
    )
    OAuthToken.objects.create(
        kind="refresh",
        token_hash=hash_secret(refresh_value),
        expires_at=now + REFRESH_LIFETIME,
        grant=first.grant,
        **common,
    )
    return {
        "access_token": access,
        "token_type": "Bearer",
        "expires_in": int(lifetime.total_seconds()),
        "refresh_token": refresh_value,
        "scope": scope,
    }

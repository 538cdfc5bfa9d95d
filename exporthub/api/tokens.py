"""Creating, checking and revoking personal API tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.utils import timezone

from exporthub.api.models import ApiToken
from exporthub.core.activity import log_activity

SCHEME = "ehp_"  # marks the hub's tokens, so secret scanners and people recognise them
PREFIX_LENGTH = 12
# Last use is written at most this often per token: one UPDATE a minute, not one per request.
LAST_USE_RESOLUTION = timedelta(minutes=1)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(user, name: str) -> tuple[ApiToken, str]:
    """A new token for `user`, and its secret: shown this once, stored only as a digest."""
    secret = SCHEME + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name, prefix=secret[:PREFIX_LENGTH], digest=digest(secret)
    )
    log_activity("api.token.created", actor=user, obj=token, name=name, prefix=token.prefix)
    return token, secret


def authenticate(secret: str):
    """The active user a token secret belongs to, or None; records the token's last use."""
    if not secret.startswith(SCHEME):
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(digest=digest(secret), revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USE_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    token.user.api_token = token
    return token.user


def revoke_token(token: ApiToken, *, user) -> None:
    if token.revoked_at is not None:
        return
    token.revoked_at = timezone.now()
    token.revoked_by = user.get_username()
    token.save(update_fields=["revoked_at", "revoked_by"])
    log_activity("api.token.revoked", actor=user, obj=token, name=token.name, prefix=token.prefix)

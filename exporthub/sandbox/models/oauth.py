from __future__ import annotations

import uuid

from django.db import models

from exporthub.sandbox.models.company import Company


class OAuthClient(models.Model):
    """A partner application allowed to ask a company for access; the secret is stored hashed."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="oauth_clients")
    client_id = models.CharField(max_length=64, unique=True)
    secret_hash = models.CharField(max_length=64)
    redirect_uri = models.CharField(max_length=2000)
    name = models.CharField(max_length=200, default="exporthub")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.client_id


class AuthorizationCode(models.Model):
    client = models.ForeignKey(OAuthClient, on_delete=models.CASCADE, related_name="codes")
    code_hash = models.CharField(max_length=64, unique=True)
    redirect_uri = models.CharField(max_length=2000)
    scope = models.TextField(blank=True)
    code_challenge = models.CharField(max_length=128)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"authorization code for {self.client}"


class OAuthToken(models.Model):
    """An access or refresh token. `grant` ties together every token descended from one
    authorisation, so reuse of a rotated refresh token can revoke them all (as Pleo does)."""

    KINDS = ["access", "refresh"]

    client = models.ForeignKey(OAuthClient, on_delete=models.CASCADE, related_name="tokens")
    grant = models.UUIDField(default=uuid.uuid4, db_index=True)
    kind = models.CharField(max_length=7, choices=[(k, k) for k in KINDS])
    token_hash = models.CharField(max_length=64, unique=True)
    scope = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    rotated_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.kind} token of {self.client}"


class TokenRefresh(models.Model):
    """One successful `grant_type=refresh_token` call, so tests can count refreshes."""

    client = models.ForeignKey(OAuthClient, on_delete=models.CASCADE, related_name="refreshes")
    refreshed_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"refresh by {self.client} at {self.refreshed_at}"

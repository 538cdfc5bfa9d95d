from __future__ import annotations

from datetime import datetime, timedelta

from django.db import models
from django.utils import timezone

from exporthub.core.fields import EncryptedTextField, unreadable_secrets

PLEO_PRODUCTION_URL = "https://external.pleo.io"


class PleoConnection(models.Model):
    """How the hub reaches one Pleo company: base URL, credentials (encrypted) and their health.

    Secrets (API key, OAuth client secret, access and refresh tokens) are `EncryptedTextField`s:
    encrypted at rest, hidden from forms and the admin, and never part of `str()`/`repr()`.
    """

    class AuthMethod(models.TextChoices):
        API_KEY = "api_key", "API key"
        OAUTH = "oauth", "OAuth 2"

    class Status(models.TextChoices):
        PENDING_AUTHORIZATION = "pending_authorization", "Waiting for authorisation"
        ACTIVE = "active", "Active"
        NEEDS_REAUTHORIZATION = "needs_reauthorization", "Needs reauthorisation"
        DISABLED = "disabled", "Disabled"

    name = models.CharField(max_length=200)
    company_id = models.UUIDField(null=True, blank=True, help_text="The Pleo company's id.")
    base_url = models.CharField(
        max_length=300,
        default=PLEO_PRODUCTION_URL,
        help_text="Pleo's API root, e.g. https://external.pleo.io or http://host/sandbox/pleo.",
    )
    oauth_base_url = models.CharField(
        max_length=300,
        blank=True,
        help_text="OAuth server root; empty means the one that goes with the base URL.",
    )
    auth_method = models.CharField(max_length=20, choices=AuthMethod.choices)
    api_key = EncryptedTextField()
    oauth_client_id = models.CharField(max_length=200, blank=True)
    oauth_client_secret = EncryptedTextField()
    oauth_scopes = models.CharField(max_length=500, blank=True)
    access_token = EncryptedTextField()
    refresh_token = EncryptedTextField()
    access_token_expires_at = models.DateTimeField(null=True, blank=True)
    # Who is refreshing the OAuth tokens right now (see pleo/tokens.py), so only one does.
    refresh_lease_id = models.CharField(max_length=64, blank=True, editable=False)
    refresh_lease_expires_at = models.DateTimeField(null=True, blank=True, editable=False)
    status = models.CharField(max_length=30, choices=Status.choices, default=Status.ACTIVE)
    status_detail = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        company = f" ({self.company_id})" if self.company_id else ""
        return f"{self.name}{company}"

    @property
    def unreadable_secrets(self) -> list[str]:
        """Stored secrets that no configured key decrypts: the pages ask to re-enter them."""
        return unreadable_secrets(self)

    def access_token_expired(self, now: datetime | None = None, skew: float = 30) -> bool:
        """True when the access token is missing or expires within `skew` seconds."""
        if not self.access_token:
            return True
        if self.access_token_expires_at is None:
            return False
        now = now or timezone.now()
        return self.access_token_expires_at <= now + timedelta(seconds=skew)

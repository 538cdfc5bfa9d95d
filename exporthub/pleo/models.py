from __future__ import annotations

from datetime import datetime, timedelta

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from exporthub.core.fields import EncryptedTextField, unreadable_secrets
from exporthub.core.formatting import validate_locale

PLEO_PRODUCTION_URL = "https://external.pleo.io"


class PleoConnection(models.Model):
    """How the hub reaches one Pleo company: base URL, credentials (encrypted) and their health.

    Secrets (API key, OAuth client secret, access and refresh tokens) are `EncryptedTextField`s:
    encrypted at rest, hidden from forms and the admin, and never part of `str()`/`repr()`.
    """

    class AuthMethod(models.TextChoices):
        API_KEY = "api_key", _("API key")
        OAUTH = "oauth", _("OAuth 2")

    class Status(models.TextChoices):
        PENDING_AUTHORIZATION = "pending_authorization", _("Waiting for authorisation")
        ACTIVE = "active", _("Active")
        NEEDS_REAUTHORIZATION = "needs_reauthorization", _("Needs reauthorisation")
        DISABLED = "disabled", _("Disabled")

    name = models.CharField(max_length=200)
    company_id = models.UUIDField(null=True, blank=True, help_text=_("The Pleo company's id."))
    base_url = models.CharField(
        max_length=300,
        default=PLEO_PRODUCTION_URL,
        help_text=_("Pleo's API root, e.g. https://external.pleo.io or http://host/sandbox/pleo."),
    )
    oauth_base_url = models.CharField(
        max_length=300,
        blank=True,
        help_text=_("OAuth server root; empty means the one that goes with the base URL."),
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
    # How the dashboard writes this company's money and dates (Babel locale, e.g. da_DK);
    # empty until someone picks one or a connection test learns the company's country.
    locale = models.CharField(
        max_length=20,
        blank=True,
        validators=[validate_locale],
        help_text=_("How money and dates of this company are written, e.g. da_DK: 1.234,56 kr."),
    )
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

from __future__ import annotations

import json
import os

from django.db import models
from django.utils.translation import gettext_lazy as _

from exporthub.connectors.registry import connector_choices, find_connector_class
from exporthub.core.fields import EncryptedTextField, unreadable_secrets


class ConnectorConfig(models.Model):
    """One configured accounting system: which connector, its options and its secrets.

    `settings` holds non-secret options (URLs, paths, codes). Secrets (API keys) are kept in
    `secrets`, one encrypted JSON object; a secret not stored there is read from the environment
    variable `EXPORTHUB_<KIND>_<NAME>`. Neither is ever shown in the admin or written to logs.
    """

    name = models.CharField(max_length=100, unique=True)
    kind = models.CharField(max_length=50, choices=connector_choices)
    settings = models.JSONField(default=dict, blank=True)
    secrets = EncryptedTextField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.kind})"

    @property
    def unreadable_secrets(self) -> list[str]:
        """Stored secrets that no configured key decrypts: the pages ask to re-enter them."""
        return unreadable_secrets(self)

    def _secrets(self) -> dict[str, str]:
        return json.loads(self.secrets) if self.secrets else {}

    def secret(self, name: str) -> str:
        """The secret `name` from the database, else from EXPORTHUB_<KIND>_<NAME>; "" if unset."""
        stored = self._secrets().get(name)
        if stored:
            return stored
        return os.environ.get(f"EXPORTHUB_{self.kind}_{name}".upper(), "")

    def set_secret(self, name: str, value: str) -> None:
        """Store (or, with an empty value, forget) a secret; call save() afterwards."""
        secrets = self._secrets()
        if value:
            secrets[name] = value
        else:
            secrets.pop(name, None)
        self.secrets = json.dumps(secrets, sort_keys=True)

    def secrets_set(self) -> list[str]:
        """Names of the connector's secret fields that have a value (for "••• set" displays).

        For a connector that is not installed here, the names of the stored secrets.
        """
        connector = find_connector_class(self.kind)
        if connector is None:
            return sorted(self._secrets())
        fields = connector.secret_fields
        return [name for name in fields if self.secret(name)]


class MasterDataRecord(models.Model):
    """One account, tax, dimension value, party or period as the ERP last reported it.

    A cache refreshed from the connector (`connectors.master_data.refresh_master_data`). A record
    the ERP stopped reporting is kept with `active=False`, so mappings to it can be flagged as
    archived rather than silently breaking.
    """

    class Kind(models.TextChoices):
        ACCOUNT = "account", _("Account")
        TAX = "tax", _("Tax")
        DIMENSION = "dimension", _("Dimension value")
        PARTY = "party", _("Party")
        PERIOD = "period", _("Open period")

    config = models.ForeignKey(
        ConnectorConfig, on_delete=models.CASCADE, related_name="master_data"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    code = models.CharField(max_length=255)
    name = models.CharField(max_length=255, blank=True)
    active = models.BooleanField(default=True)
    fetched_at = models.DateTimeField()

    class Meta:
        ordering = ["kind", "code"]
        constraints = [
            models.UniqueConstraint(fields=["config", "kind", "code"], name="unique_master_record")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.code} {self.name}".strip()

from __future__ import annotations

import json
import os

from django.db import models

from exporthub.connectors.registry import connector_choices, get_connector_class
from exporthub.core.fields import EncryptedTextField


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
        """Names of the connector's secret fields that have a value (for "••• set" displays)."""
        fields = get_connector_class(self.kind).secret_fields
        return [name for name in fields if self.secret(name)]

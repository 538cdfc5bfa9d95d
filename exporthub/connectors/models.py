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
    rate = models.DecimalField(
        max_digits=7, decimal_places=4, null=True, blank=True, help_text="A tax's rate (0.25)."
    )
    active = models.BooleanField(default=True)
    fetched_at = models.DateTimeField()

    class Meta:
        ordering = ["kind", "code"]
        constraints = [
            models.UniqueConstraint(fields=["config", "kind", "code"], name="unique_master_record")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.code} {self.name}".strip()


class FiledBatch(models.Model):
    """One batch file a file-journal connector issued: the register's head (see file_journal).

    The register (batches and their entries) is the truth; the file in the connection's folder
    is rendered from it. `written_entries` and `checksum` describe the file as last written:
    the file is up to date when `written_entries` equals the number of filed entries.
    """

    config = models.ForeignKey(
        ConnectorConfig, on_delete=models.CASCADE, related_name="filed_batches"
    )
    # What the batch collects: the Pleo export job id (JournalEntry.batch_key), or a key of
    # one connector run for entries posted on their own.
    key = models.CharField(max_length=100)
    # A format may split one key's entries over several batches (DATEV: one per fiscal year).
    part = models.CharField(max_length=50, blank=True)
    number = models.PositiveIntegerField()
    name = models.CharField(max_length=100)
    file_name = models.CharField(max_length=255)
    format = models.CharField(max_length=20)
    created_at = models.DateTimeField()
    # Set when the connector run that filed into it ended: a closed batch never changes again
    # (later entries of the same job go into a new batch).
    closed_at = models.DateTimeField(null=True, blank=True)
    entry_count = models.PositiveIntegerField(default=0)
    written_entries = models.PositiveIntegerField(default=0)
    written_at = models.DateTimeField(null=True, blank=True)
    checksum = models.CharField(max_length=64, blank=True)  # SHA-256 of the file as written

    class Meta:
        ordering = ["config", "number"]
        constraints = [
            models.UniqueConstraint(fields=["config", "number"], name="unique_batch_number"),
        ]
        # The job page looks a job's batches up by key alone (whatever connection filed them).
        indexes = [models.Index(fields=["key"], name="filed_batch_key")]

    def __str__(self) -> str:
        return self.file_name

    @property
    def is_written(self) -> bool:
        return self.written_entries == self.entry_count and bool(self.checksum)


class FiledEntry(models.Model):
    """One journal entry filed in a batch: in exactly one batch ever (unique per connection)."""

    config = models.ForeignKey(
        ConnectorConfig, on_delete=models.CASCADE, related_name="filed_entries"
    )
    batch = models.ForeignKey(FiledBatch, on_delete=models.CASCADE, related_name="entries")
    pleo_id = models.CharField(max_length=100)
    position = models.PositiveIntegerField()  # 1, 2, ... within the batch
    locator = models.CharField(max_length=50)  # what follows `#` in `<batch>#<locator>`
    entry = models.JSONField()  # the JournalEntry as filed (connectors.journal_json)
    filed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["batch", "position"]
        constraints = [
            models.UniqueConstraint(fields=["config", "pleo_id"], name="unique_filed_entry"),
            models.UniqueConstraint(fields=["batch", "position"], name="unique_batch_position"),
        ]

    def __str__(self) -> str:
        return f"{self.batch.name}#{self.locator}"

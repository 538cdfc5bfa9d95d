"""Three-way reconciliation's records: each run, and each discrepancy it found.

A discrepancy is one (entry, kind) of an integration; a later run that finds it again updates
it, one that finds it gone resolves it. An accountant may acknowledge one with a reason.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class RunState(models.TextChoices):
    QUEUED = "queued", _("queued")
    RUNNING = "running", _("running")
    DONE = "done", _("done")
    FAILED = "failed", _("failed")


class ReconciliationRun(models.Model):
    integration = models.ForeignKey(
        "sync.Integration", on_delete=models.CASCADE, related_name="reconciliation_runs"
    )
    period_start = models.DateField(null=True, blank=True)
    period_end = models.DateField(null=True, blank=True)
    state = models.CharField(max_length=10, choices=RunState.choices, default=RunState.QUEUED)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    checked = models.PositiveIntegerField(default=0, help_text="Exported entries checked.")
    verified = models.PositiveIntegerField(
        default=0, help_text="Entries found the same in Pleo, in the ERP and in the hub."
    )
    found = models.PositiveIntegerField(default=0, help_text="Discrepancies open after the run.")
    verified_by_month = models.JSONField(
        default=dict, help_text='Verified entries per entry month: {"2026-11": 120}.'
    )
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Reconciliation {self.pk} ({self.state})"


class DiscrepancyKind(models.TextChoices):
    MISSING_IN_ERP = "missing_in_erp", _("Missing in the ERP")
    CHANGED_IN_ERP = "changed_in_erp", _("Changed in the ERP")
    REFERENCE_DIFFERS_IN_PLEO = "reference_differs_in_pleo", _("Reference differs in Pleo")
    UNKNOWN_TO_HUB = "unknown_to_hub", _("Exported in Pleo, unknown to the hub")


class DiscrepancyState(models.TextChoices):
    OPEN = "open", _("open")
    ACKNOWLEDGED = "acknowledged", _("acknowledged")
    RESOLVED = "resolved", _("resolved")


class Discrepancy(models.Model):
    integration = models.ForeignKey(
        "sync.Integration", on_delete=models.CASCADE, related_name="discrepancies"
    )
    run = models.ForeignKey(ReconciliationRun, on_delete=models.CASCADE, related_name="+")
    accounting_entry_id = models.UUIDField()
    item = models.ForeignKey(
        "sync.ExportItem", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=40, choices=DiscrepancyKind.choices)
    detail = models.JSONField(default=dict, help_text="What the hub expected and what was found.")
    state = models.CharField(
        max_length=20, choices=DiscrepancyState.choices, default=DiscrepancyState.OPEN
    )
    reason = models.TextField(blank=True, help_text="Why it was acknowledged.")
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    found_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["kind", "-found_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["integration", "accounting_entry_id", "kind"],
                name="one_discrepancy_per_entry_and_kind",
            )
        ]
        indexes = [models.Index(fields=["integration", "state", "kind"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.accounting_entry_id}"

    @property
    def amount_rows(self) -> list[tuple[str, str, str]]:
        """(account, amount posted, amount in the ERP now) for a changed posting's accounts."""
        amounts = self.detail.get("amounts") or {}
        hub, erp = amounts.get("hub", {}), amounts.get("erp", {})
        return [
            (account, hub.get(account, ""), erp.get(account, "")) for account in sorted(hub | erp)
        ]

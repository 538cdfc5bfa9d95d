"""A correction an accountant asked for: a new reference, or a manual "exported" mark.

Pleo accepts item results only while the item's job runs. A correction of an item whose job has
finished therefore travels in a *correction job*: a non-interactive export job the hub creates for
the pending corrections of an integration, in which the engine writes back the corrected result
without posting anything to the ERP (see `sync/corrections.py` and `sync/correction_jobs.py`).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _


class CorrectionKind(models.TextChoices):
    REFERENCE = "reference", _("Corrected external reference")
    MANUAL = "manual", _("Marked as exported manually")


class CorrectionState(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent to Pleo")
    CONFIRMED = "confirmed", _("Confirmed")
    FAILED = "failed", _("Failed")


OPEN_CORRECTION_STATES = (CorrectionState.PENDING, CorrectionState.SENT)


class Correction(models.Model):
    """One entry's correction, from the accountant's request to Pleo's confirmation."""

    integration = models.ForeignKey(
        "sync.Integration", on_delete=models.CASCADE, related_name="corrections"
    )
    item = models.ForeignKey(
        "sync.ExportItem",
        on_delete=models.CASCADE,
        related_name="corrections",
        help_text="The item the accountant corrected (of a finished job).",
    )
    accounting_entry_id = models.UUIDField()
    kind = models.CharField(max_length=20, choices=CorrectionKind.choices)
    external_id = models.CharField(max_length=255)
    external_url = models.URLField(max_length=2000, blank=True)
    reason = models.TextField(blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    requested_by_label = models.CharField(max_length=150, blank=True)
    state = models.CharField(
        max_length=20, choices=CorrectionState.choices, default=CorrectionState.PENDING
    )
    failure_reason = models.TextField(blank=True)
    batch = models.UUIDField(
        null=True, blank=True, help_text="Set when taken for a correction job (claims the row)."
    )
    pleo_job_id = models.UUIDField(null=True, blank=True)
    job = models.ForeignKey(
        "sync.ExportJob",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="corrections",
        help_text="The correction job that carried it to Pleo.",
    )
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)
    erp_external_id = models.CharField(
        max_length=255, blank=True, help_text="What the ERP's find() answered, for the record."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["integration", "accounting_entry_id"],
                condition=Q(state="pending"),
                name="one_pending_correction_per_entry",
            )
        ]
        indexes = [
            models.Index(fields=["integration", "state"]),
            models.Index(fields=["integration", "pleo_job_id"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {self.accounting_entry_id} ({self.state})"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_CORRECTION_STATES

    def asks_for(self, kind: str, external_id: str, external_url: str) -> bool:
        """Whether this correction asks for exactly that (a second click changes nothing)."""
        return (self.kind, self.external_id, self.external_url) == (kind, external_id, external_url)


def in_correction_job(job: str) -> Exists:
    """Whether the job that `job` names (a field path from the query's rows) is a correction job.

    A correction job re-sends entries another job exported, or records an item's manual mark;
    it posts nothing, so its items never count as exported, failed or newer than a failure.
    """
    return Exists(Correction.objects.filter(job=OuterRef(job)))

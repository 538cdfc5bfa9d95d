"""A push of the ERP's dimensions and tax codes into Pleo: its planned steps, then their outcome.

See `sync/master_data_push.py`. A worker plans it (reading Pleo's tags and tax codes), an admin
reviews the steps and confirms, a worker applies it; each row keeps what was planned and what
happened, so the page can show both.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class PushState(models.TextChoices):
    PLANNED = "planned", _("Planned")
    APPLYING = "applying", _("Being applied")
    APPLIED = "applied", _("Applied")
    SUPERSEDED = "superseded", _("Superseded by a newer plan")


class MasterDataPush(models.Model):
    integration = models.ForeignKey(
        "sync.Integration", on_delete=models.CASCADE, related_name="master_data_pushes"
    )
    state = models.CharField(max_length=20, choices=PushState.choices, default=PushState.PLANNED)
    steps = models.JSONField(default=list, help_text="The planned steps (Step.as_dict()).")
    unpushable = models.JSONField(
        default=list, help_text="ERP records that cannot be pushed, with the reason."
    )
    outcome = models.JSONField(
        default=list, help_text="Per applied step: done, or the error Pleo answered."
    )
    archive_confirmed = models.BooleanField(
        default=False, help_text="The admin allowed archiving Pleo records the ERP lacks."
    )
    planned_at = models.DateTimeField(default=timezone.now)
    applied_at = models.DateTimeField(null=True, blank=True)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )

    class Meta:
        ordering = ["-planned_at", "-id"]

    def __str__(self) -> str:
        return f"Master data push {self.pk} ({self.state})"

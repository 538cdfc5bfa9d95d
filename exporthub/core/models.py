from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from exporthub.core.redaction import redact


class ActivityEntryQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("The activity log is append-only.")

    def delete(self):
        raise TypeError("The activity log is append-only.")


class ActivityEntry(models.Model):
    """One state change or user action: who, when, what, and the state before and after.

    Append-only: rows are never updated or deleted. Secrets are redacted before they are stored.
    """

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(
        max_length=150, help_text=_("Who acted: a user name, or a process.")
    )
    action = models.CharField(max_length=100, db_index=True)
    company_id = models.UUIDField(null=True, blank=True, db_index=True)
    object_type = models.CharField(max_length=100, blank=True)
    object_id = models.CharField(max_length=100, blank=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    data = models.JSONField(default=dict, blank=True)

    objects = ActivityEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id", "created_at"])]
        verbose_name_plural = "activity entries"

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.actor_label} {self.action}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise TypeError("The activity log is append-only.")
        self.before = redact(self.before)
        self.after = redact(self.after)
        self.data = redact(self.data)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("The activity log is append-only.")


class CompanyAccess(models.Model):
    """One Pleo company a user may see. Admins see every company without rows here."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="company_access"
    )
    company_id = models.UUIDField(help_text=_("The Pleo company's id."))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["user_id", "company_id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "company_id"], name="unique_company_access")
        ]
        verbose_name_plural = "company access"

    def __str__(self) -> str:
        return f"{self.user_id} → {self.company_id}"

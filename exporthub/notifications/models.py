"""Subscriptions, the events worth telling someone about, and each event's delivery to each
subscriber (never two deliveries of one event to one subscription: a unique constraint)."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from exporthub.core.fields import EncryptedTextField


class EventKind(models.TextChoices):
    JOB_FAILED = "job_failed", _("An export job failed")
    JOB_COMPLETED_WITH_ERRORS = "job_completed_with_errors", _("An export job ended with errors")
    JOB_STUCK = "job_stuck", _("An export job is stuck")
    MAPPING_DRIFT = "mapping_drift", _("A mapped ERP record was archived or removed")
    CREDENTIALS_REFUSED = "credentials_refused", _("Pleo or the ERP refused the credentials")
    DAILY_DIGEST = "daily_digest", _("Daily digest: queued, failed and waiting")


class Channel(models.TextChoices):
    EMAIL = "email", _("Email")
    WEBHOOK = "webhook", _("Signed webhook")
    SLACK = "slack", _("Slack-compatible webhook")


class Subscription(models.Model):
    """Who hears about which events of one company, and how."""

    integration = models.ForeignKey(
        "sync.Integration", on_delete=models.CASCADE, related_name="subscriptions"
    )
    channel = models.CharField(max_length=20, choices=Channel.choices)
    target = models.CharField(
        max_length=500, help_text=_("The email address, or the URL the webhook is posted to.")
    )
    secret = EncryptedTextField(help_text="Signs webhooks (Standard Webhooks); sent nowhere.")
    events = models.JSONField(default=list, help_text="The EventKind values subscribed to.")
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["integration", "channel", "target"]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.target_display}"

    @property
    def target_display(self) -> str:
        """The target for logs: an address as it is, a webhook URL by its host only (a Slack
        webhook's path is its credential)."""
        if self.channel == Channel.EMAIL:
            return self.target
        parts = urlsplit(self.target)
        return f"{parts.scheme}://{parts.netloc}/…"


class Notification(models.Model):
    """One event, recorded once: `key` tells a new event from one already recorded."""

    integration = models.ForeignKey(
        "sync.Integration", on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=40, choices=EventKind.choices)
    key = models.CharField(max_length=200, help_text="What makes this event the same event.")
    count = models.PositiveIntegerField(default=0, help_text="How many entries it concerns.")
    path = models.CharField(max_length=500, help_text="The page where it is fixed.")
    data = models.JSONField(default=dict, help_text="The event's facts (job, reason, counts).")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["integration", "kind", "key"], name="one_notification_per_event"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.key})"


class DeliveryState(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Gave up")


class Delivery(models.Model):
    notification = models.ForeignKey(
        Notification, on_delete=models.CASCADE, related_name="deliveries"
    )
    subscription = models.ForeignKey(
        Subscription, on_delete=models.CASCADE, related_name="deliveries"
    )
    state = models.CharField(
        max_length=20, choices=DeliveryState.choices, default=DeliveryState.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["notification", "subscription"], name="one_delivery_per_subscriber"
            )
        ]
        indexes = [models.Index(fields=["state", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.notification} → {self.subscription} ({self.state})"

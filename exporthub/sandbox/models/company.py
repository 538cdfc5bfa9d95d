from __future__ import annotations

import uuid

from django.db import models


class Company(models.Model):
    """A Pleo company; its `uuid` is the `companyId` every API payload carries."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=200, unique=True)
    currency = models.CharField(max_length=3, default="DKK", help_text="Wallet currency.")
    organization_id = models.UUIDField(null=True, blank=True)
    registration_number = models.CharField(max_length=40, blank=True)
    country = models.CharField(max_length=2, default="DK")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "companies"

    def __str__(self) -> str:
        return self.name


class ApiKey(models.Model):
    """A company-level API key; only the SHA-256 of the key is kept."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="api_keys")
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=12, help_text="The first characters, for recognition.")
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.company})"


class FaultSettings(models.Model):
    """Per-company misbehaviour switched on by tests or `manage.py sandbox_faults`."""

    company = models.OneToOneField(Company, on_delete=models.CASCADE, related_name="faults")
    rate_limit_per_second = models.PositiveIntegerField(null=True, blank=True)
    error_rate = models.FloatField(default=0.0)
    latency_ms = models.PositiveIntegerField(default=0)
    malformed_rate = models.FloatField(default=0.0)
    fail_next = models.PositiveIntegerField(default=0)
    fail_status = models.PositiveSmallIntegerField(default=429)
    retry_after = models.PositiveIntegerField(default=1)
    # The rate limiter's current one-second window and how many requests it has seen.
    window_second = models.BigIntegerField(default=0)
    window_count = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name_plural = "fault settings"

    def __str__(self) -> str:
        return f"faults of {self.company}"

# Pleo tells "not set" (null) apart from an empty string, e.g. an account code of null means
# "not mapped to the ERP", so nullable text columns are deliberate here.
# ruff: noqa: DJ001
from __future__ import annotations

import uuid

from django.db import models

from exporthub.sandbox.models.company import Company
from exporthub.sandbox.models.entries import AccountingEntry

UNFINISHED_JOB_STATUSES = ("pending", "in_progress")
UNFINISHED_ITEM_STATUSES = ("pending", "in_progress")


class ExportJob(models.Model):
    STATUSES = ["pending", "in_progress", "failed", "completed", "completed_with_errors"]

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="jobs")
    status = models.CharField(max_length=24, default="pending")
    created_at = models.DateTimeField()
    created_by = models.UUIDField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    last_updated_at = models.DateTimeField()
    expired_at = models.DateTimeField(null=True, blank=True)
    failure_reason = models.TextField(null=True, blank=True)
    failure_reason_type = models.CharField(max_length=48, null=True, blank=True)
    is_interactive = models.BooleanField(default=True)
    vendor_based_bookkeeping = models.BooleanField(default=False)
    number_of_items = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["company", "status"])]

    def __str__(self) -> str:
        return f"job {self.uuid} ({self.status})"

    @property
    def is_unfinished(self) -> bool:
        return self.status in UNFINISHED_JOB_STATUSES


class ExportJobItem(models.Model):
    STATUSES = ["pending", "in_progress", "failed", "successful", "abandoned"]

    job = models.ForeignKey(ExportJob, on_delete=models.CASCADE, related_name="items")
    entry = models.ForeignKey(AccountingEntry, on_delete=models.CASCADE, related_name="job_items")
    status = models.CharField(max_length=12, default="pending")
    exported_at = models.DateTimeField(null=True, blank=True)
    external_id = models.CharField(max_length=255, null=True, blank=True)
    external_url = models.CharField(max_length=2000, null=True, blank=True)
    failure_reason = models.TextField(null=True, blank=True)
    failure_reason_type = models.CharField(max_length=48, null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["job", "entry"], name="sandbox_item_once")]
        indexes = [models.Index(fields=["job", "status"])]

    def __str__(self) -> str:
        return f"item {self.entry_id} of job {self.job_id} ({self.status})"

# Pleo tells "not set" (null) apart from an empty string, e.g. an account code of null means
# "not mapped to the ERP", so nullable text columns are deliberate here.
# ruff: noqa: DJ001
from __future__ import annotations

import uuid

from django.db import models

from exporthub.sandbox.models.company import Company
from exporthub.sandbox.models.master_data import Account, TaxCode, Vendor


class AccountingEntry(models.Model):
    """One expense in Pleo's export queue, holding what the v3 export item is built from.

    `lines` is a list of v3 `ExportItemLineV3` objects (amounts already in minor units), frozen
    when the entry is booked, as Pleo freezes bookkeeping when an entry is queued.
    """

    EXPORT_STATUSES = ["CREATED", "EXPORTED", "EXPORTING", "NOT_CREATED", "NOT_EXPORTED", "QUEUED"]

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="entries")
    export_status = models.CharField(max_length=12, default="QUEUED")
    family = models.CharField(max_length=24)
    sub_family = models.CharField(max_length=32, null=True, blank=True)
    status = models.CharField(max_length=24, default="COMPLETED")
    review_status = models.CharField(max_length=32, default="NOT_REQUIRED")
    item_type = models.CharField(max_length=24, help_text="ExportItemTypeV3")
    item_sub_type = models.CharField(max_length=40, null=True, blank=True)
    performed_at = models.DateTimeField()
    bookkeeping_date = models.DateTimeField()
    settled_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    note = models.TextField(null=True, blank=True)
    reconciliation_id = models.CharField(max_length=64)
    supplier_currency = models.CharField(max_length=3)
    supplier_amount = models.BigIntegerField(help_text="Minor units.")
    wallet_currency = models.CharField(max_length=3)
    wallet_amount = models.BigIntegerField(help_text="Minor units.")
    account = models.ForeignKey(
        Account, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    tax_code = models.ForeignKey(
        TaxCode, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    vendor = models.ForeignKey(
        Vendor, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    employee = models.JSONField(null=True, blank=True, help_text="{id, name, code}")
    team = models.JSONField(null=True, blank=True, help_text="{id, name, code}")
    supplier = models.JSONField(null=True, blank=True)
    lines = models.JSONField(default=list)
    additional_information = models.JSONField(default=dict)
    service_period = models.JSONField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "accounting entries"
        indexes = [
            models.Index(fields=["company", "export_status"]),
            models.Index(fields=["company", "performed_at"]),
            models.Index(fields=["company", "family"]),
        ]

    def __str__(self) -> str:
        return f"{self.item_type} {self.wallet_amount} {self.wallet_currency}"


class ReceiptFile(models.Model):
    """A receipt attached to an entry; its bytes are generated on request (see receipts.py)."""

    KINDS = {"pdf": "application/pdf", "png": "image/png"}

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    entry = models.ForeignKey(AccountingEntry, on_delete=models.CASCADE, related_name="receipts")
    kind = models.CharField(max_length=3, choices=[(k, k) for k in KINDS])
    size = models.PositiveIntegerField()
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.kind} receipt of {self.entry_id}"

    @property
    def mime_type(self) -> str:
        return self.KINDS[self.kind]

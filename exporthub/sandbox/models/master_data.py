# Pleo tells "not set" (null) apart from an empty string, e.g. an account code of null means
# "not mapped to the ERP", so nullable text columns are deliberate here.
# ruff: noqa: DJ001
from __future__ import annotations

import uuid

from django.db import models

from exporthub.sandbox.models.company import Company


class Account(models.Model):
    """A chart-of-accounts row. A row with `contra_currency` set is the contra account that
    Pleo maps that wallet currency to (v3 `contraAccount`)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="accounts")
    name = models.CharField(max_length=255)
    code = models.CharField(max_length=255, null=True, blank=True)
    external_id = models.CharField(max_length=255, null=True, blank=True)
    archived = models.BooleanField(default=False)
    tax_code_external_id = models.CharField(max_length=255, null=True, blank=True)
    is_category = models.BooleanField(default=True, help_text="Assigned to an expense category.")
    contra_currency = models.CharField(max_length=3, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.code or '-'} {self.name}"


class TaxCode(models.Model):
    TYPES = ["inclusive", "exclusive", "reverse"]

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="tax_codes")
    name = models.CharField(max_length=200)
    code = models.CharField(max_length=50, null=True, blank=True)
    rate = models.DecimalField(max_digits=6, decimal_places=4)
    type = models.CharField(max_length=10, choices=[(t, t) for t in TYPES])
    archived = models.BooleanField(default=False)
    ingoing_tax_account = models.CharField(max_length=50, null=True, blank=True)
    outgoing_tax_account = models.CharField(max_length=50, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.name


class TagGroup(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="tag_groups")
    code = models.CharField(max_length=100)
    name = models.CharField(max_length=200)
    archived = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.name


class Tag(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    group = models.ForeignKey(TagGroup, on_delete=models.CASCADE, related_name="tags")
    code = models.CharField(max_length=100)
    name = models.CharField(max_length=200)
    archived = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.name


class Vendor(models.Model):
    STATES = ["DRAFT", "ACTIVE", "ARCHIVED"]

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="vendors")
    name = models.CharField(max_length=200)
    code = models.CharField(max_length=100, null=True, blank=True)
    external_id = models.CharField(max_length=100, null=True, blank=True)
    country = models.CharField(max_length=2, default="DK")
    default_currency = models.CharField(max_length=3)
    registration_number = models.CharField(max_length=50, null=True, blank=True)
    tax_registration_number = models.CharField(max_length=50, null=True, blank=True)
    state = models.CharField(max_length=8, default="ACTIVE", choices=[(s, s) for s in STATES])
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.name

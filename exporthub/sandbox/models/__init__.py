"""The sandbox's tables: a small copy of the Pleo data an export integration reads and writes."""

from __future__ import annotations

from exporthub.sandbox.models.company import ApiKey, Company, FaultSettings
from exporthub.sandbox.models.entries import AccountingEntry, ReceiptFile
from exporthub.sandbox.models.jobs import ExportJob, ExportJobItem
from exporthub.sandbox.models.master_data import Account, Tag, TagGroup, TaxCode, Vendor
from exporthub.sandbox.models.oauth import (
    AuthorizationCode,
    OAuthClient,
    OAuthToken,
    TokenRefresh,
)

__all__ = [
    "Account",
    "AccountingEntry",
    "ApiKey",
    "AuthorizationCode",
    "Company",
    "ExportJob",
    "ExportJobItem",
    "FaultSettings",
    "OAuthClient",
    "OAuthToken",
    "ReceiptFile",
    "Tag",
    "TagGroup",
    "TaxCode",
    "TokenRefresh",
    "Vendor",
]

"""Typed Pleo payloads: frozen dataclasses, each with a `from_json` parser.

Field names are Python's snake_case of Pleo's camelCase. Ids are canonical UUID strings; times are
aware `datetime`s; money is `Money` (Pleo's minor units plus the currency, with `.amount` as a
`Decimal` in major units using the currency's real exponent: JPY 0, EUR 2, KWD 3). Enum fields hold
the enum member or an `UnknownValue`; every top-level payload lists the unknown enum values found
anywhere inside it in `unknown_values`. A malformed payload raises `PleoPayloadError` naming the
entity and the field path.
"""

from __future__ import annotations

from exporthub.pleo.schemas.entries import AccountingEntry, EntryTag
from exporthub.pleo.schemas.export_item import (
    AccountRef,
    AdditionalInformation,
    ExportFile,
    ExportItem,
    ExportItemLine,
    InvoiceInformation,
    LineTag,
    LineTax,
    NamedRef,
    ServicePeriod,
    Supplier,
    SupplierBankAccount,
    VendorRef,
)
from exporthub.pleo.schemas.jobs import (
    ExportJob,
    ExportJobItem,
    ItemUpdate,
    ItemUpdateError,
    ItemUpdateResult,
    format_datetime,
)
from exporthub.pleo.schemas.money import AmountPair, Money
from exporthub.pleo.schemas.page import Page, read_data, read_data_list
from exporthub.pleo.schemas.reference import (
    Account,
    Address,
    Company,
    Tag,
    TagGroup,
    TaxCode,
    Vendor,
)

__all__ = [
    "Account",
    "AccountRef",
    "AccountingEntry",
    "AdditionalInformation",
    "Address",
    "AmountPair",
    "Company",
    "EntryTag",
    "ExportFile",
    "ExportItem",
    "ExportItemLine",
    "ExportJob",
    "ExportJobItem",
    "InvoiceInformation",
    "ItemUpdate",
    "ItemUpdateError",
    "ItemUpdateResult",
    "LineTag",
    "LineTax",
    "Money",
    "NamedRef",
    "Page",
    "ServicePeriod",
    "Supplier",
    "SupplierBankAccount",
    "Tag",
    "TagGroup",
    "TaxCode",
    "Vendor",
    "VendorRef",
    "format_datetime",
    "read_data",
    "read_data_list",
]

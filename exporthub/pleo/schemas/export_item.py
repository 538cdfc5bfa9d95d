"""The export item: an accounting entry's full accounting payload (`ExportItemV3`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from exporthub.pleo.enums import (
    BookkeepingMethod,
    ExportItemSubType,
    ExportItemType,
    InvoiceStatus,
    TaxType,
    UnknownValue,
)
from exporthub.pleo.parsing import Reader, parse
from exporthub.pleo.schemas.money import AmountPair


@dataclass(frozen=True)
class AccountRef:
    """A GL account on a line, or the contra account: `code` is the ERP number, `identifier`
    the ERP's internal id."""

    id: str
    name: str
    code: str | None = None
    identifier: str | None = None

    @classmethod
    def read(cls, r: Reader) -> AccountRef:
        return cls(r.uuid("id"), r.str("name"), r.opt_str("code"), r.opt_str("identifier"))


@dataclass(frozen=True)
class NamedRef:
    """A team or a user (spender): `code` is the ERP code (e.g. employee number)."""

    id: str
    name: str
    code: str | None = None

    @classmethod
    def read(cls, r: Reader) -> NamedRef:
        return cls(r.uuid("id"), r.str("name"), r.opt_str("code"))


@dataclass(frozen=True)
class LineTag:
    """A dimension value on a line: `group_code` is the dimension, `code` its value."""

    id: str
    code: str
    group_code: str

    @classmethod
    def read(cls, r: Reader) -> LineTag:
        return cls(r.uuid("id"), r.str("code"), r.str("groupCode"))


@dataclass(frozen=True)
class LineTax:
    """The tax on a line; `rate` is a fraction (0.25 = 25 %)."""

    id: str
    rate: Decimal
    type: TaxType | UnknownValue
    amount: AmountPair
    code: str | None = None
    ingoing_tax_account: str | None = None
    outgoing_tax_account: str | None = None

    @classmethod
    def read(cls, r: Reader) -> LineTax:
        return cls(
            id=r.uuid("id"),
            rate=r.decimal("rate"),
            type=r.enum("type", TaxType),
            amount=AmountPair.read(r.obj("amount")),
            code=r.opt_str("code"),
            ingoing_tax_account=r.opt_str("ingoingTaxAccount"),
            outgoing_tax_account=r.opt_str("outgoingTaxAccount"),
        )


@dataclass(frozen=True)
class ExportItemLine:
    """One line of an entry (a split expense has several)."""

    accounting_entry_line_id: str
    line_amount: AmountPair
    net_amount: AmountPair
    account: AccountRef | None = None
    tags: tuple[LineTag, ...] = ()
    tax: LineTax | None = None

    @classmethod
    def read(cls, r: Reader) -> ExportItemLine:
        account = r.opt_obj("account")
        tax = r.opt_obj("tax")
        return cls(
            accounting_entry_line_id=r.uuid("accountingEntryLineId"),
            line_amount=AmountPair.read(r.obj("lineAmount")),
            net_amount=AmountPair.read(r.obj("netAmount")),
            account=AccountRef.read(account) if account else None,
            tags=tuple(LineTag.read(t) for t in r.objects("tags", required=False)),
            tax=LineTax.read(tax) if tax else None,
        )


@dataclass(frozen=True)
class SupplierBankAccount:
    bank_name: str
    country: str
    account_number: str | None = None
    bank_code: str | None = None
    bic: str | None = None
    iban: str | None = None

    @classmethod
    def read(cls, r: Reader) -> SupplierBankAccount:
        return cls(
            bank_name=r.str("bankName"),
            country=r.str("country"),
            account_number=r.opt_str("accountNumber"),
            bank_code=r.opt_str("bankCode"),
            bic=r.opt_str("bic"),
            iban=r.opt_str("iban"),
        )


@dataclass(frozen=True)
class InvoiceInformation:
    invoice_date: date
    invoice_number: str
    status: InvoiceStatus | UnknownValue
    due_date: date | None = None
    payment_date: date | None = None
    supplier_bank_account: SupplierBankAccount | None = None

    @classmethod
    def read(cls, r: Reader) -> InvoiceInformation:
        bank = r.opt_obj("supplierBankAccount")
        return cls(
            invoice_date=r.date("invoiceDate"),
            invoice_number=r.str("invoiceNumber"),
            status=r.enum("status", InvoiceStatus),
            due_date=r.opt_date("dueDate"),
            payment_date=r.opt_date("paymentDate"),
            supplier_bank_account=SupplierBankAccount.read(bank) if bank else None,
        )


@dataclass(frozen=True)
class AdditionalInformation:
    """`reconciliation_id` is Pleo's book id: map it to an ERP reference field."""

    reconciliation_id: str
    reconciled_entries: tuple[str, ...] = ()
    attendees: tuple[str, ...] = ()
    invoice_information: InvoiceInformation | None = None

    @classmethod
    def read(cls, r: Reader) -> AdditionalInformation:
        invoice = r.opt_obj("invoiceInformation")
        return cls(
            reconciliation_id=r.str("reconciliationId"),
            reconciled_entries=r.strs("reconciledEntries", required=False),
            attendees=r.strs("attendees", required=False),
            invoice_information=InvoiceInformation.read(invoice) if invoice else None,
        )


@dataclass(frozen=True)
class ExportFile:
    """A receipt or attachment; the URL is valid for 24 hours from the fetch."""

    url: str
    type: str
    size: int

    @classmethod
    def read(cls, r: Reader) -> ExportFile:
        return cls(r.str("url"), r.str("type"), r.int("size"))


@dataclass(frozen=True)
class ServicePeriod:
    start: datetime
    end: datetime

    @classmethod
    def read(cls, r: Reader) -> ServicePeriod:
        return cls(r.datetime("from"), r.datetime("to"))


@dataclass(frozen=True)
class Supplier:
    """The merchant as Pleo knows it (used when there is no vendor)."""

    name: str | None = None
    code: str | None = None
    account: str | None = None
    category_code: str | None = None
    country: str | None = None
    tax_identifier: str | None = None

    @classmethod
    def read(cls, r: Reader) -> Supplier:
        return cls(
            name=r.opt_str("name"),
            code=r.opt_str("code"),
            account=r.opt_str("account"),
            category_code=r.opt_str("categoryCode"),
            country=r.opt_str("country"),
            tax_identifier=r.opt_str("taxIdentifier"),
        )


@dataclass(frozen=True)
class VendorRef:
    """The ERP vendor of an entry (vendor-based bookkeeping)."""

    id: str
    name: str
    default_currency: str
    code: str | None = None
    external_id: str | None = None
    country: str | None = None
    registration_number: str | None = None
    tax_registration_number: str | None = None

    @classmethod
    def read(cls, r: Reader) -> VendorRef:
        return cls(
            id=r.uuid("id"),
            name=r.str("name"),
            default_currency=r.str("defaultCurrency"),
            code=r.opt_str("code"),
            external_id=r.opt_str("externalId"),
            country=r.opt_str("country"),
            registration_number=r.opt_str("registrationNumber"),
            tax_registration_number=r.opt_str("taxRegistrationNumber"),
        )


@dataclass(frozen=True)
class ExportItem:
    """An accounting entry ready for export: lines, amounts, accounts, tax, tags, parties, files."""

    accounting_entry_id: str
    company_id: str
    type: ExportItemType | UnknownValue
    date: datetime
    amount: AmountPair
    lines: tuple[ExportItemLine, ...]
    additional_information: AdditionalInformation
    links: dict[str, dict[str, str]]
    sub_type: ExportItemSubType | UnknownValue | None = None
    bookkeeping_method: BookkeepingMethod | UnknownValue | None = None
    contra_account: AccountRef | None = None
    files: tuple[ExportFile, ...] = ()
    note: str | None = None
    service_period: ServicePeriod | None = None
    supplier: Supplier | None = None
    team: NamedRef | None = None
    user: NamedRef | None = None
    vendor: VendorRef | None = None
    unknown_values: tuple[str, ...] = ()

    @classmethod
    def from_json(cls, data: Any, *, where: str | None = None) -> ExportItem:
        return parse("export item", data, cls._read, id_key="accountingEntryId", where=where)

    @classmethod
    def _read(cls, r: Reader) -> ExportItem:
        bookkeeping = r.opt_obj("bookkeeping")
        links = r.obj("_links")
        return cls(
            accounting_entry_id=r.uuid("accountingEntryId"),
            company_id=r.uuid("companyId"),
            type=r.enum("type", ExportItemType),
            date=r.datetime("date"),
            amount=AmountPair.read(r.obj("amount")),
            lines=tuple(ExportItemLine.read(line) for line in r.objects("accountingEntryLines")),
            additional_information=AdditionalInformation.read(r.obj("additionalInformation")),
            links={key: links.str_map(key) for key in ("web", "mobile", "api")},
            sub_type=r.opt_enum("subType", ExportItemSubType),
            bookkeeping_method=bookkeeping.enum("method", BookkeepingMethod)
            if bookkeeping
            else None,
            contra_account=_opt(r, "contraAccount", AccountRef.read),
            files=tuple(ExportFile.read(f) for f in r.objects("files", required=False)),
            note=r.opt_str("note"),
            service_period=_opt(r, "servicePeriod", ServicePeriod.read),
            supplier=_opt(r, "supplier", Supplier.read),
            team=_opt(r, "team", NamedRef.read),
            user=_opt(r, "user", NamedRef.read),
            vendor=_opt(r, "vendor", VendorRef.read),
            unknown_values=tuple(r.unknown),
        )


def _opt(r: Reader, key: str, read):
    nested = r.opt_obj(key)
    return read(nested) if nested is not None else None

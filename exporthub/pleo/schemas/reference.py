"""Reference data an ERP mapping needs: tax codes, tags, accounts, vendors, companies."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from exporthub.pleo.enums import TaxType, UnknownValue, VendorState
from exporthub.pleo.parsing import Reader, parse


@dataclass(frozen=True)
class TaxCode:
    """A tax code (`TaxCodeModel`); `rate` is a fraction (0.25 = 25 %)."""

    id: str
    company_id: str
    name: str
    rate: Decimal
    type: TaxType | UnknownValue
    archived: bool
    code: str | None = None
    ingoing_tax_account: str | None = None
    outgoing_tax_account: str | None = None
    accounting_integration_system: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    unknown_values: tuple[str, ...] = ()

    @classmethod
    def from_json(cls, data: Any, *, where: str | None = None) -> TaxCode:
        return parse("tax code", data, cls._read, id_key="id", where=where)

    @classmethod
    def _read(cls, r: Reader) -> TaxCode:
        return cls(
            id=r.uuid("id"),
            company_id=r.uuid("companyId"),
            name=r.str("name"),
            rate=r.decimal("rate"),
            type=r.enum("type", TaxType),
            archived=r.bool("archived"),
            code=r.opt_str("code"),
            ingoing_tax_account=r.opt_str("ingoingTaxAccount"),
            outgoing_tax_account=r.opt_str("outgoingTaxAccount"),
            accounting_integration_system=r.opt_str("accountingIntegrationSystem"),
            created_at=r.opt_datetime("createdAt"),
            updated_at=r.opt_datetime("updatedAt"),
            unknown_values=tuple(r.unknown),
        )


@dataclass(frozen=True)
class TagGroup:
    """A tag group, i.e. an ERP dimension (`TagGroupModel`)."""

    id: str
    company_id: str
    code: str
    name: str
    archived: bool
    metadata: dict[str, str]
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @classmethod
    def from_json(cls, data: Any, *, where: str | None = None) -> TagGroup:
        return parse("tag group", data, cls._read, id_key="id", where=where)

    @classmethod
    def _read(cls, r: Reader) -> TagGroup:
        return cls(
            id=r.uuid("id"),
            company_id=r.uuid("companyId"),
            code=r.str("code"),
            name=r.str("name"),
            archived=r.bool("archived"),
            metadata=r.str_map("metadata"),
            created_at=r.opt_datetime("createdAt"),
            updated_at=r.opt_datetime("updatedAt"),
        )


@dataclass(frozen=True)
class Tag:
    """A tag, i.e. a dimension value (`TagModel`)."""

    id: str
    group_id: str
    code: str
    archived: bool
    name: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @classmethod
    def from_json(cls, data: Any, *, where: str | None = None) -> Tag:
        return parse("tag", data, cls._read, id_key="id", where=where)

    @classmethod
    def _read(cls, r: Reader) -> Tag:
        return cls(
            id=r.uuid("id"),
            group_id=r.uuid("groupId"),
            code=r.str("code"),
            archived=r.bool("archived"),
            name=r.opt_str("name"),
            created_at=r.opt_datetime("createdAt"),
            updated_at=r.opt_datetime("updatedAt"),
        )


@dataclass(frozen=True)
class Account:
    """A chart-of-accounts entry (GL account)."""

    id: str
    company_id: str
    name: str
    archived: bool
    external_id: str | None = None
    code: str | None = None
    tax_code_external_id: str | None = None
    accounting_system: str | None = None
    metadata: dict[str, str] | None = None

    @classmethod
    def from_json(cls, data: Any, *, where: str | None = None) -> Account:
        return parse("account", data, cls._read, id_key="id", where=where)

    @classmethod
    def _read(cls, r: Reader) -> Account:
        return cls(
            id=r.uuid("id"),
            company_id=r.uuid("companyId"),
            name=r.str("name"),
            archived=r.opt_bool("archived", False),
            external_id=r.opt_str("externalId"),
            code=r.opt_str("code"),
            tax_code_external_id=r.opt_str("taxCodeExternalId"),
            accounting_system=r.opt_str("accountingSystem"),
            metadata=r.str_map("metadata"),
        )


@dataclass(frozen=True)
class Vendor:
    """A vendor (`VendorResponse`); a DRAFT one exists only in Pleo, not yet in the ERP."""

    id: str
    company_id: str
    name: str
    default_currency: str
    state: VendorState | UnknownValue | None = None
    code: str | None = None
    external_id: str | None = None
    country: str | None = None
    registration_number: str | None = None
    tax_registration_number: str | None = None
    accounting_system: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    unknown_values: tuple[str, ...] = ()

    @classmethod
    def from_json(cls, data: Any, *, where: str | None = None) -> Vendor:
        return parse("vendor", data, cls._read, id_key="id", where=where)

    @classmethod
    def _read(cls, r: Reader) -> Vendor:
        return cls(
            id=r.uuid("id"),
            company_id=r.uuid("companyId"),
            name=r.str("name"),
            default_currency=r.str("defaultCurrency"),
            state=r.opt_enum("state", VendorState),
            code=r.opt_str("code"),
            external_id=r.opt_str("externalId"),
            country=r.opt_str("country"),
            registration_number=r.opt_str("registrationNumber"),
            tax_registration_number=r.opt_str("taxRegistrationNumber"),
            accounting_system=r.opt_str("accountingSystem"),
            created_at=r.opt_datetime("createdAt"),
            updated_at=r.opt_datetime("updatedAt"),
            unknown_values=tuple(r.unknown),
        )


@dataclass(frozen=True)
class Address:
    address_line1: str | None = None
    address_line2: str | None = None
    locality: str | None = None
    region: str | None = None
    postal_code: str | None = None
    country: str | None = None

    @classmethod
    def read(cls, r: Reader) -> Address:
        return cls(
            address_line1=r.opt_str("addressLine1"),
            address_line2=r.opt_str("addressLine2"),
            locality=r.opt_str("locality"),
            region=r.opt_str("region"),
            postal_code=r.opt_str("postalCode"),
            country=r.opt_str("country"),
        )


@dataclass(frozen=True)
class Company:
    """A Pleo company (legal entity)."""

    id: str
    name: str
    organization_id: str | None = None
    registration_number: str | None = None
    address: Address | None = None

    @classmethod
    def from_json(cls, data: Any, *, where: str | None = None) -> Company:
        return parse("company", data, cls._read, id_key="id", where=where)

    @classmethod
    def _read(cls, r: Reader) -> Company:
        address = r.opt_obj("address")
        return cls(
            id=r.uuid("id"),
            name=r.str("name"),
            organization_id=r.opt_uuid("organizationId"),
            registration_number=r.opt_str("registrationNumber"),
            address=Address.read(address) if address else None,
        )

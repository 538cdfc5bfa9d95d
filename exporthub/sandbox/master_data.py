"""Master data of a seeded company: accounts, contra account, tax codes, tags, vendors."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from exporthub.sandbox.models import Account, Company, Tag, TagGroup, TaxCode, Vendor

# (code, name); a code of None is a category nobody has mapped to an ERP account yet.
EXPENSE_ACCOUNTS = [
    ("6000", "Meals and entertainment"),
    ("6010", "Travel"),
    ("6020", "Software subscriptions"),
    ("6030", "Office supplies"),
    ("6040", "Mileage allowance"),
    ("6050", "Per diem"),
    ("6060", "Marketing"),
    ("6070", "Consulting"),
    ("6080", "Bank and card fees"),
    (None, "Miscellaneous (unmapped)"),
]
# (code, name, rate, type, ingoing account, outgoing account)
TAX_CODES = [
    ("I25", "Standard VAT 25% (inclusive)", "0.25", "inclusive", None, None),
    ("E25", "Standard VAT 25% (exclusive)", "0.25", "exclusive", None, None),
    ("RC25", "EU reverse charge 25%", "0.25", "reverse", "6910", "6920"),
    ("Z0", "VAT exempt", "0.00", "inclusive", None, None),
    (None, "Foreign VAT (unmapped)", "0.20", "inclusive", None, None),
]
TAG_GROUPS = {
    ("DEPT", "Department"): [("SALES", "Sales"), ("MKT", "Marketing"), ("ENG", "Engineering")],
    ("PROJECT", "Project"): [("P100", "Website"), ("P200", "Launch"), ("P300", "Office move")],
}
# (name, code, country, currency, state)
VENDORS = [
    ("Atlassian Pty Ltd", "V1001", "AU", "USD", "ACTIVE"),
    ("Lufthansa AG", "V1002", "DE", "EUR", "ACTIVE"),
    ("IKEA Svenska AB", "V1003", "SE", "SEK", "ACTIVE"),
    ("Nordic Office ApS", "V1004", "DK", "DKK", "ACTIVE"),
    ("Adobe Ireland Ltd", "V1005", "IE", "EUR", "ACTIVE"),
    ("Tokyo Sushi KK", "V1006", "JP", "JPY", "ACTIVE"),
    ("New Supplier Ltd", None, "GB", "GBP", "DRAFT"),
]


@dataclass
class MasterData:
    accounts: dict[str, Account]  # by name
    contra: Account
    tax_codes: dict[str, TaxCode]  # by name
    tags: dict[str, list[Tag]]  # by group code
    vendors: list[Vendor]
    group_codes: dict[int, str]  # tag group pk -> code
    group_uuids: dict[int, object]  # tag group pk -> uuid

    @property
    def accounts_by_uuid(self) -> dict[str, Account]:
        return {str(account.uuid): account for account in self.accounts.values()}

    @property
    def tax_by_uuid(self) -> dict[str, TaxCode]:
        return {str(code.uuid): code for code in self.tax_codes.values()}


def ensure_master_data(company: Company) -> MasterData:
    """Create the master data once; later calls return what exists."""
    if not Account.objects.filter(company=company).exists():
        _create(company)
    accounts = Account.objects.filter(company=company)
    groups = list(TagGroup.objects.filter(company=company).order_by("pk"))
    return MasterData(
        accounts={account.name: account for account in accounts if account.is_category},
        contra=next(account for account in accounts if account.contra_currency),
        tax_codes={code.name: code for code in TaxCode.objects.filter(company=company)},
        tags={group.code: list(group.tags.order_by("pk")) for group in groups},
        vendors=list(Vendor.objects.filter(company=company).order_by("pk")),
        group_codes={group.pk: group.code for group in groups},
        group_uuids={group.pk: group.uuid for group in groups},
    )


def _create(company: Company) -> None:
    for code, name in EXPENSE_ACCOUNTS:
        Account.objects.create(company=company, code=code, name=name, external_id=code)
    Account.objects.create(
        company=company,
        code="5820",
        name=f"Pleo {company.currency} Account",
        external_id="5820",
        is_category=False,
        contra_currency=company.currency,
    )
    for code, name, rate, kind, ingoing, outgoing in TAX_CODES:
        TaxCode.objects.create(
            company=company,
            code=code,
            name=name,
            rate=Decimal(rate),
            type=kind,
            ingoing_tax_account=ingoing,
            outgoing_tax_account=outgoing,
        )
    for (group_code, group_name), tags in TAG_GROUPS.items():
        group = TagGroup.objects.create(company=company, code=group_code, name=group_name)
        Tag.objects.bulk_create(Tag(group=group, code=code, name=name) for code, name in tags)
    for name, code, country, currency, state in VENDORS:
        Vendor.objects.create(
            company=company,
            name=name,
            code=code,
            external_id=code,
            country=country,
            default_currency=currency,
            registration_number=f"REG-{code}" if code else None,
            tax_registration_number=f"{country}{code[1:]}000" if code else None,
            state=state,
        )

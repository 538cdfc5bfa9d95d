"""Turning one Pleo export item into a neutral, balanced journal entry for a connector.

All amounts are booked in the wallet (company) currency; the supplier-currency totals travel
along for connectors that record the original currency. A line's `lineAmount` is what was paid
for it; for `inclusive` and `exclusive` tax the tax part is booked on the input-VAT account and
the rest on the expense account; for `reverse` (EU reverse charge) the whole line is the expense
and the tax is booked both as input and as output VAT, which nets to zero. Negative amounts
(refunds, chargebacks) simply turn debits into credits. The contra line takes the total.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal

from exporthub.connectors.base import Amount, JournalEntry, JournalLine, Party, Receipt
from exporthub.pleo.schemas.export_item import ExportItem, ExportItemLine
from exporthub.pleo.schemas.money import Money
from exporthub.sync.mapping import MappingTable
from exporthub.sync.models import Mapping

Kind = Mapping.Kind


@dataclass(frozen=True)
class PostingProblem:
    """Why an item cannot become a journal entry: Pleo's item reason type and a message."""

    reason_type: str
    message: str


class UnpostableItem(Exception):
    """The item cannot be posted until its problems are fixed (usually a mapping)."""

    def __init__(self, problems: list[PostingProblem]):
        super().__init__(" ".join(problem.message for problem in problems))
        self.problems = problems

    @property
    def reason_type(self) -> str:
        return self.problems[0].reason_type


def _split(amount: Decimal) -> dict[str, Decimal]:
    return (
        {"debit": amount, "credit": Decimal(0)}
        if amount >= 0
        else {
            "debit": Decimal(0),
            "credit": -amount,
        }
    )


def _amount(money: Money) -> Amount:
    return Amount(money.amount, money.currency)


class _Builder:
    def __init__(self, item: ExportItem, mappings: MappingTable, fallback_to_pleo_codes: bool):
        self.item = item
        self.mappings = mappings
        self.fallback = fallback_to_pleo_codes
        self.problems: list[PostingProblem] = []

    def resolve(
        self,
        kind: str,
        keys: Iterable[str | None],
        code: str | None,
        problem: str,
        reason_type: str,
    ) -> str:
        found = self.mappings.resolve(kind, *keys)
        if found:
            return found
        if self.fallback and code:
            return code
        self.problems.append(PostingProblem(reason_type, problem))
        return ""

    def line_account(self, number: int, line: ExportItemLine) -> str:
        account = line.account
        if account is None:
            default = self.mappings.resolve(Kind.ACCOUNT)  # e.g. a suspense account
            if default:
                return default
            self.problems.append(
                PostingProblem(
                    "account_unknown",
                    f"Line {number} has no account (category) in Pleo; "
                    "choose one, then export again.",
                )
            )
            return ""
        return self.resolve(
            Kind.ACCOUNT,
            (account.code, account.identifier, account.id),
            account.code,
            f"Pleo account {account.code or account.id} ({account.name}) is not mapped to an ERP "
            "account; add an account mapping.",
            "account_unknown",
        )

    def dimensions(self, line: ExportItemLine) -> dict[str, str]:
        found = {}
        for tag in line.tags:
            key = f"{tag.group_code}:{tag.code}"
            found[tag.group_code] = self.resolve(
                Kind.TAG,
                (key, tag.id),
                tag.code,
                f"Tag {key} is not mapped to an ERP dimension; add a tag mapping.",
                "tag_unknown",
            )
        return found

    def vat_account(self, code: str | None, direction: str, tax_label: str) -> str:
        """The tax's own VAT account (mapped, else Pleo's code), else the `vat:in`/`vat:out` one."""
        found = self.mappings.find(Kind.ACCOUNT, code)
        if found:
            return found
        if code and self.fallback:
            return code
        found = self.mappings.find(Kind.ACCOUNT, f"vat:{direction}")
        if found:
            return found
        self.problems.append(
            PostingProblem(
                "missing_configuration",
                f"Tax {tax_label} has no {direction}put VAT account; map Pleo account "
                f"{code or f'vat:{direction}'} to an ERP account.",
            )
        )
        return ""

    def lines_for(self, number: int, line: ExportItemLine) -> list[JournalLine]:
        account = self.line_account(number, line)
        dimensions = self.dimensions(line)
        paid = line.line_amount.in_wallet_currency.amount
        text = self.item.note or ""
        tax = line.tax
        if tax is None:
            return [JournalLine(account=account, text=text, dimensions=dimensions, **_split(paid))]
        tax_label = tax.code or tax.id
        tax_code = self.resolve(
            Kind.TAX_CODE,
            (tax.code, tax.id),
            tax.code,
            f"Pleo tax code {tax_label} is not mapped to an ERP tax; add a tax code mapping.",
            "tax_code_unknown",
        )
        tax_amount = tax.amount.in_wallet_currency.amount
        vat_in = self.vat_account(tax.ingoing_tax_account, "in", tax_label)
        vat_line = JournalLine(
            account=vat_in, tax_code=tax_code, is_tax=True, text=text, **_split(tax_amount)
        )
        if tax.type == "reverse":
            vat_out = self.vat_account(tax.outgoing_tax_account, "out", tax_label)
            return [
                JournalLine(
                    account=account,
                    tax_code=tax_code,
                    tax_amount=tax_amount,
                    text=text,
                    dimensions=dimensions,
                    **_split(paid),
                ),
                vat_line,
                JournalLine(
                    account=vat_out,
                    tax_code=tax_code,
                    is_tax=True,
                    text=text,
                    **_split(-tax_amount),
                ),
            ]
        if not tax.type.is_known:
            self.problems.append(
                PostingProblem(
                    "validation_failure",
                    f"Line {number}: Pleo sent tax type {str(tax.type)!r}, "
                    "which exporthub does not know how to book yet.",
                )
            )
        return [
            JournalLine(
                account=account,
                tax_code=tax_code,
                tax_amount=tax_amount,
                text=text,
                dimensions=dimensions,
                **_split(paid - tax_amount),
            ),
            vat_line,
        ]

    def contra_account(self) -> str:
        contra = self.item.contra_account
        currency = self.item.amount.in_wallet_currency.currency
        keys = (contra.code, contra.identifier, contra.id) if contra else ()
        label = f"{contra.code or contra.name}" if contra else f"{self.item.type} entries"
        return self.resolve(
            Kind.CONTRA_ACCOUNT,
            (*keys, str(self.item.type), currency),
            contra.code if contra else None,
            f"No contra account is mapped for {label} in {currency}; add a contra account mapping.",
            "missing_configuration",
        )

    def party(self) -> Party | None:
        vendor, supplier = self.item.vendor, self.item.supplier
        if vendor is not None:
            code = self.resolve(
                Kind.VENDOR,
                (vendor.code, vendor.external_id, vendor.id),
                vendor.code or vendor.external_id,
                f"Vendor {vendor.name} is not mapped to an ERP party; add a vendor mapping.",
                "vendor_unknown",
            )
            return Party(
                name=vendor.name,
                code=code,
                country=vendor.country or "",
                tax_id=vendor.tax_registration_number or "",
                registration_number=vendor.registration_number or "",
            )
        if supplier is not None and supplier.name:
            # A merchant is not an ERP vendor: only an explicit mapping gives it a party code.
            code = self.mappings.find(Kind.VENDOR, supplier.code, supplier.name) or ""
            return Party(
                name=supplier.name,
                code=code,
                country=supplier.country or "",
                tax_id=supplier.tax_identifier or "",
            )
        if self.item.user is not None:
            # Out-of-pocket, mileage and per diem: what is owed is owed to the spender.
            return Party(name=self.item.user.name)
        return None


def build_journal_entry(
    item: ExportItem,
    mappings: MappingTable,
    *,
    fallback_to_pleo_codes: bool = True,
    fetch_file: Callable[[str], bytes] | None = None,
) -> JournalEntry:
    """The journal entry for `item`, or `UnpostableItem` naming everything that is missing."""
    builder = _Builder(item, mappings, fallback_to_pleo_codes)
    lines: list[JournalLine] = []
    for number, line in enumerate(item.lines, start=1):
        lines.extend(builder.lines_for(number, line))
    total = item.amount.in_wallet_currency
    lines.append(
        JournalLine(account=builder.contra_account(), text=item.note or "", **_split(-total.amount))
    )
    party = builder.party()
    if builder.problems:
        raise UnpostableItem(builder.problems)
    invoice = item.additional_information.invoice_information
    receipts = tuple(
        Receipt(
            name=f"receipt-{index}{_extension(file.type)}",
            content_type=file.type,
            fetch=(lambda url=file.url: fetch_file(url)) if fetch_file else None,
        )
        for index, file in enumerate(item.files, start=1)
    )
    entry = JournalEntry(
        pleo_id=item.accounting_entry_id,
        date=item.date.date(),
        currency=total.currency,
        lines=tuple(lines),
        text=item.note or (party.name if party else "") or str(item.type),
        kind=str(item.type),
        reference=item.additional_information.reconciliation_id,
        company_ref=item.company_id,
        party=party,
        wallet_amount=_amount(total),
        supplier_amount=_amount(item.amount.in_supplier_currency),
        receipts=receipts,
        invoice_number=invoice.invoice_number if invoice else "",
        due_date=invoice.due_date if invoice else None,
        source_url=item.links.get("web", {}).get("exportItem", ""),
        metadata={
            key: value
            for key, value in {
                "spender": item.user.name if item.user else "",
                "team": item.team.name if item.team else "",
                "attendees": ", ".join(item.additional_information.attendees),
            }.items()
            if value
        },
    )
    problems = entry.problems()
    if problems:
        raise UnpostableItem([PostingProblem("validation_failure", text) for text in problems])
    return entry


def _extension(content_type: str) -> str:
    return {
        "application/pdf": ".pdf",
        "image/jpeg": ".jpg",
        "image/png": ".png",
        "image/heic": ".heic",
        "image/gif": ".gif",
    }.get(content_type.split(";")[0].strip().lower(), "")

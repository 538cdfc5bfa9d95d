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

from django.utils.translation import gettext as _

from exporthub.connectors.base import Amount, JournalEntry, JournalLine, Party, Receipt
from exporthub.pleo.schemas.export_item import ExportItem, ExportItemLine
from exporthub.pleo.schemas.money import Money
from exporthub.sync.mapping import MappingTable, Resolution
from exporthub.sync.models import Mapping

Kind = Mapping.Kind


@dataclass(frozen=True)
class PostingProblem:
    """Why an item cannot be posted, as data: Pleo's item reason type, what to map (mapping kind,
    the Pleo key and label; empty when the fix is not a mapping), the ERP key at fault (if any),
    and a message for people. Code reads the fields, never the message."""

    reason_type: str
    message: str
    mapping_kind: str = ""
    pleo_key: str = ""
    pleo_label: str = ""
    erp_key: str = ""

    def as_dict(self) -> dict[str, str]:
        return {
            "reason_type": self.reason_type,
            "mapping_kind": self.mapping_kind,
            "pleo_key": self.pleo_key,
            "pleo_label": self.pleo_label,
            "erp_key": self.erp_key,
            "message": self.message,
        }


class UnpostableItem(Exception):
    """The item cannot be posted until its problems are fixed (usually a mapping)."""

    def __init__(self, problems: list[PostingProblem], *, unbalanced: bool = False):
        super().__init__(" ".join(problem.message for problem in problems))
        self.problems = problems
        self.unbalanced = unbalanced  # the lines Pleo sent do not add up to the total

    @property
    def reason_type(self) -> str:
        return self.problems[0].reason_type


def _named(template: str, name: str, code: str | None) -> str:
    """A Pleo value as accountants know it: 'Name' (code), or 'Name' when it has no code."""
    value = f"'{name}' ({code})" if code else f"'{name}'"
    return template % {"value": value}


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
        self.resolutions: list[Resolution] = []

    def resolve(
        self,
        kind: str,
        sent: Iterable[str | None],
        *,
        code: str | None,
        label: str,
        reason_type: str,
        message: Callable[[Resolution], str],
        explicit_keys: Iterable[str | None] = (),
        required: bool = True,
    ) -> str:
        """The ERP key for one Pleo value (see sync/mapping.py), or "" with a problem noted."""
        found = self.mappings.resolve(
            kind,
            sent,
            code=code,
            label=label,
            explicit_keys=explicit_keys,
            fallback=self.fallback,
        )
        self.resolutions.append(found)
        if not found.resolved and required:
            self.problems.append(
                PostingProblem(
                    reason_type,
                    message(found),
                    mapping_kind=kind,
                    pleo_key=found.pleo_key,
                    pleo_label=label,
                )
            )
        return found.erp_key

    def line_account(self, number: int, line: ExportItemLine) -> str:
        account = line.account
        if account is None:
            return self.resolve(
                Kind.ACCOUNT,
                (),
                code=None,
                label="",
                reason_type="account_unknown",
                message=lambda _found: (
                    _(
                        "Line %(number)s has no category in Pleo: fix the category in Pleo, "
                        "then export again."
                    )
                    % {"number": number}
                ),
            )
        return self.resolve(
            Kind.ACCOUNT,
            (account.code, account.identifier, account.id),
            code=account.code,
            label=account.name,
            reason_type="account_unknown",
            message=lambda _found: _named(
                _("Map Pleo category %(value)s to an ERP account."), account.name, account.code
            ),
        )

    def dimensions(self, line: ExportItemLine) -> dict[str, str]:
        found = {}
        for tag in line.tags:
            key = f"{tag.group_code}:{tag.code}"
            found[tag.group_code] = self.resolve(
                Kind.TAG,
                (key, tag.id),
                code=tag.code,
                label=key,
                reason_type="tag_unknown",
                message=lambda _found, key=key: (
                    _("Map Pleo tag %(tag)s to an ERP dimension.") % {"tag": key}
                ),
            )
        # A group's default (`GROUP:*`) applies where the line has no tag of that group.
        for group, default in self.mappings.tag_group_defaults().items():
            found.setdefault(group, default.erp_key)
        return found

    def vat_account(self, code: str | None, direction: str, tax_label: str) -> str:
        """The tax's own VAT account (mapped, else Pleo's code); a tax without one takes the
        explicit `vat:in`/`vat:out` mapping."""
        vat_key = f"vat:{direction}"
        if code:
            return self.resolve(
                Kind.ACCOUNT,
                (code,),
                code=code,
                label=code,
                reason_type="account_unknown",
                message=lambda _found: (
                    _(
                        "Map Pleo account %(code)s (the %(direction)sput VAT account of tax "
                        "%(tax)s) to an ERP account."
                    )
                    % {"code": code, "direction": direction, "tax": tax_label}
                ),
            )
        return self.resolve(
            Kind.ACCOUNT,
            (),
            code=None,
            label=vat_key,
            explicit_keys=(vat_key,),
            reason_type="missing_configuration",
            message=lambda _found: (
                _(
                    "Map %(key)s to an ERP account: the %(direction)sput VAT account for taxes "
                    "such as %(tax)s that carry none of their own."
                )
                % {"key": vat_key, "direction": direction, "tax": tax_label}
            ),
        )

    def lines_for(self, number: int, line: ExportItemLine) -> list[JournalLine]:
        account = self.line_account(number, line)
        dimensions = self.dimensions(line)
        paid = line.line_amount.in_wallet_currency.amount
        text = self.item.note or ""
        tax = line.tax
        if tax is None:
            # No tax from Pleo: the default tax code (e.g. "no VAT"), if any, names the line's tax.
            default = self.mappings.default(Kind.TAX_CODE)
            taxed = {"tax_code": default.erp_key, "tax_amount": Decimal(0)} if default else {}
            return [
                JournalLine(
                    account=account, text=text, dimensions=dimensions, **taxed, **_split(paid)
                )
            ]
        tax_label = tax.code or _("without a code (%(rate)s %%)") % {"rate": f"{tax.rate * 100:g}"}
        tax_code = self.resolve(
            Kind.TAX_CODE,
            (tax.code, tax.id),
            code=tax.code,
            label=tax_label,
            reason_type="tax_code_unknown",
            message=lambda _found: (
                _("Map Pleo tax code %(code)s to an ERP tax code.") % {"code": tax_label}
            ),
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
        """Pleo's contra account for the entry (e.g. 5820 "Pleo DKK Account" for wallet entries)
        mapped explicitly, else the entry's type or currency mapped explicitly (entries Pleo
        sends without one: out-of-pocket, mileage, per diem, invoices), else Pleo's code."""
        contra = self.item.contra_account
        currency = self.item.amount.in_wallet_currency.currency
        item_type = str(self.item.type)
        if contra is not None:
            return self.resolve(
                Kind.CONTRA_ACCOUNT,
                (contra.code, contra.identifier, contra.id),
                code=contra.code,
                label=contra.name,
                explicit_keys=(item_type, currency),
                reason_type="missing_configuration",
                message=lambda found: _named(
                    _("Map Pleo contra account %(value)s to an ERP account."),
                    contra.name,
                    contra.code,
                ),
            )
        return self.resolve(
            Kind.CONTRA_ACCOUNT,
            (),
            code=None,
            label=item_type.replace("_", " "),
            explicit_keys=(item_type, currency),
            reason_type="missing_configuration",
            message=lambda _found: (
                _(
                    "Map the contra account for %(type)s entries (Pleo sends none for them) to an "
                    "ERP account."
                )
                % {"type": item_type.replace("_", " ")}
            ),
        )

    def party(self) -> Party | None:
        vendor, supplier = self.item.vendor, self.item.supplier
        if vendor is not None:
            code = self.resolve(
                Kind.VENDOR,
                (vendor.code, vendor.external_id, vendor.id),
                code=vendor.code or vendor.external_id,
                label=vendor.name,
                reason_type="vendor_unknown",
                message=lambda found: _named(
                    _("Map Pleo vendor %(value)s to an ERP party."),
                    vendor.name,
                    vendor.code or vendor.external_id,
                ),
            )
            return Party(
                name=vendor.name,
                code=code,
                country=vendor.country or "",
                tax_id=vendor.tax_registration_number or "",
                registration_number=vendor.registration_number or "",
            )
        merchant = supplier.name if supplier is not None else None
        if not merchant and self.item.user is not None:
            # Out-of-pocket, mileage and per diem: what is owed is owed to the spender, a
            # person; a default vendor party never stands in for them.
            return Party(name=self.item.user.name)
        # No vendor from Pleo: a merchant's name or code mapped explicitly, else the default
        # party (if any); a party is optional, so nothing fails here.
        code = self.resolve(
            Kind.VENDOR,
            (),
            code=None,
            label=merchant or "",
            explicit_keys=(supplier.code, merchant) if supplier is not None else (),
            reason_type="vendor_unknown",
            message=str,
            required=False,
        )
        if merchant:
            return Party(
                name=merchant,
                code=code,
                country=supplier.country or "",
                tax_id=supplier.tax_identifier or "",
            )
        return None


def build_journal_entry(
    item: ExportItem,
    mappings: MappingTable,
    *,
    fallback_to_pleo_codes: bool = True,
    fetch_file: Callable[[str], bytes] | None = None,
    trace: list[Resolution] | None = None,
    batch_key: str = "",
) -> JournalEntry:
    """The journal entry for `item`, or `UnpostableItem` naming everything that is missing.

    `batch_key` is the export job the entry goes out with (file journals file one batch per job).

    `trace`, when given, receives every mapping resolution made (to tell which Pleo value an
    ERP key came from when the ERP refuses it)."""
    builder = _Builder(item, mappings, fallback_to_pleo_codes)
    lines: list[JournalLine] = []
    for number, line in enumerate(item.lines, start=1):
        lines.extend(builder.lines_for(number, line))
    total = item.amount.in_wallet_currency
    lines.append(
        JournalLine(account=builder.contra_account(), text=item.note or "", **_split(-total.amount))
    )
    party = builder.party()
    if trace is not None:
        trace.extend(builder.resolutions)
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
        batch_key=batch_key,
    )
    problems = entry.problems()
    if problems:
        raise UnpostableItem(
            [PostingProblem("validation_failure", text) for text in problems],
            unbalanced=not entry.is_balanced,
        )
    return entry


def _extension(content_type: str) -> str:
    return {
        "application/pdf": ".pdf",
        "image/jpeg": ".jpg",
        "image/png": ".png",
        "image/heic": ".heic",
        "image/gif": ".gif",
    }.get(content_type.split(";")[0].strip().lower(), "")

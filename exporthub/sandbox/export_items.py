"""`ExportItemV3`: the data layer an integration posts into its ERP."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import HttpRequest

from exporthub.sandbox.models import Account, AccountingEntry, ExportJob
from exporthub.sandbox.payloads import iso
from exporthub.sandbox.receipts import receipt_url

# Types whose entries move the wallet balance and therefore carry a `contraAccount` (spec text).
WALLET_TYPES = {
    "card_purchase",
    "fee",
    "cashback",
    "refund",
    "chargeback",
    "direct_reimbursement",
    "invoice_payment",
    "card_invoice",
    "atm_withdrawal",
    "personal_spend",
    "wallet_topup",
    "wallet_unload",
}


def export_item_entries(jobs: list[ExportJob]) -> QuerySet:
    return (
        AccountingEntry.objects.filter(job_items__job__in=jobs)
        .select_related("company", "vendor")
        .prefetch_related("receipts")
    )


def contra_accounts(company) -> dict[str, dict]:
    return {
        account.contra_currency: {
            "id": str(account.uuid),
            "name": account.name,
            "code": account.code,
            "identifier": account.external_id,
        }
        for account in Account.objects.filter(
            company=company, contra_currency__isnull=False, archived=False
        )
    }


def export_item_payload(
    entry: AccountingEntry,
    *,
    request: HttpRequest,
    vendor_based_bookkeeping: bool,
    contra: dict[str, dict],
) -> dict:
    files = [
        {"url": receipt_url(request, receipt), "type": receipt.mime_type, "size": receipt.size}
        for receipt in entry.receipts.all()
    ]
    payload = {
        "_links": {
            "web": {"exportItem": f"https://app.pleo.io/export/{entry.uuid}"},
            "api": {
                "exportItem": request.build_absolute_uri(
                    f"/sandbox/pleo/v1/accounting-entries/{entry.uuid}"
                )
            },
        },
        "accountingEntryId": str(entry.uuid),
        "companyId": str(entry.company.uuid),
        "type": entry.item_type,
        "date": iso(entry.bookkeeping_date),
        "amount": {
            "inSupplierCurrency": {
                "currency": entry.supplier_currency,
                "value": entry.supplier_amount,
            },
            "inWalletCurrency": {"currency": entry.wallet_currency, "value": entry.wallet_amount},
        },
        "accountingEntryLines": [
            {key: value for key, value in line.items() if key != "tagRefs"} for line in entry.lines
        ],
        "additionalInformation": {
            "reconciliationId": entry.reconciliation_id,
            "reconciledEntries": None,
            "attendees": None,
            "invoiceInformation": None,
            **entry.additional_information,
        },
        "bookkeeping": _bookkeeping(entry) if vendor_based_bookkeeping else None,
        "contraAccount": contra.get(entry.wallet_currency)
        if entry.item_type in WALLET_TYPES
        else None,
        "files": files or None,
        "note": entry.note,
        "servicePeriod": entry.service_period,
        "supplier": entry.supplier,
        "team": entry.team,
        "user": entry.employee,
        "vendor": _vendor(entry) if vendor_based_bookkeeping else None,
    }
    # `subType` is a plain, non-nullable string in the spec: leave it out when there is none.
    if entry.item_sub_type:
        payload["subType"] = entry.item_sub_type
    return payload


def _bookkeeping(entry: AccountingEntry) -> dict:
    if entry.item_type in ("wallet_topup", "wallet_unload"):
        return {"method": "none"}
    if entry.item_type == "invoice" and entry.vendor is not None:
        return {"method": "accounts_payable"}
    return {"method": "journal"}


def _vendor(entry: AccountingEntry) -> dict | None:
    vendor = entry.vendor
    if vendor is None:
        return None
    payload = {
        "id": str(vendor.uuid),
        "name": vendor.name,
        "country": vendor.country,
        "defaultCurrency": vendor.default_currency,
    }
    # VendorV3's optional strings are not nullable: omit the ones the vendor lacks.
    optional = {
        "code": vendor.code,
        "externalId": vendor.external_id,
        "registrationNumber": vendor.registration_number,
        "taxRegistrationNumber": vendor.tax_registration_number,
    }
    payload.update({key: value for key, value in optional.items() if value is not None})
    return payload

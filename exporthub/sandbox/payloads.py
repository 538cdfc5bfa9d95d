"""JSON shapes of the sandbox's rows, exactly as Pleo's schemas name and type them."""

from __future__ import annotations

from datetime import UTC, datetime

from django.conf import settings

from exporthub.sandbox.models import (
    Account,
    AccountingEntry,
    Company,
    ExportJob,
    ExportJobItem,
    Tag,
    TagGroup,
    TaxCode,
    Vendor,
)


def iso(moment: datetime | None) -> str | None:
    """UTC, second precision, trailing Z (the spec's `YYYY-MM-DDTHH:mi:ssZ`)."""
    if moment is None:
        return None
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def expires_in(job: ExportJob, now: datetime) -> int:
    """Seconds until the job expires, counted from `lastUpdatedAt`; 0 once it is finished."""
    if not job.is_unfinished:
        return 0
    idle = (now - job.last_updated_at).total_seconds()
    return max(0, int(settings.SANDBOX_JOB_EXPIRY_SECONDS - idle))


def job_payload(job: ExportJob, now: datetime) -> dict:
    """`ExportJobV3`."""
    payload = {
        "id": str(job.uuid),
        "companyId": str(job.company.uuid),
        "status": job.status,
        "createdAt": iso(job.created_at),
        "createdBy": str(job.created_by) if job.created_by else None,
        "startedAt": iso(job.started_at),
        "completedAt": iso(job.completed_at),
        "lastUpdatedAt": iso(job.last_updated_at),
        "expiresIn": expires_in(job, now),
        "expiredAt": iso(job.expired_at),
        "failureReason": job.failure_reason,
        "isInteractive": job.is_interactive,
        "numberOfItems": job.number_of_items,
        "vendorBasedBookkeeping": job.vendor_based_bookkeeping,
    }
    # The spec does not mark `failureReasonType` nullable: leave it out while it is unset.
    if job.failure_reason_type:
        payload["failureReasonType"] = job.failure_reason_type
    return payload


def job_item_payload(item: ExportJobItem) -> dict:
    """`ExportJobItemV3`; needs `entry` and `job` selected."""
    payload = {
        "accountingEntryId": str(item.entry.uuid),
        "exportJobId": str(item.job.uuid),
        "status": item.status,
        "exportedAt": iso(item.exported_at),
        "externalId": item.external_id,
        "externalUrl": item.external_url,
        "failureReason": item.failure_reason,
    }
    # `failureReasonType` is the one field the spec does not mark nullable: omit it when unset.
    if item.failure_reason_type:
        payload["failureReasonType"] = item.failure_reason_type
    return payload


def tax_code_payload(tax_code: TaxCode) -> dict:
    """`TaxCodeModel`."""
    return {
        "id": str(tax_code.uuid),
        "companyId": str(tax_code.company.uuid),
        "name": tax_code.name,
        "code": tax_code.code,
        "rate": float(tax_code.rate),
        "type": tax_code.type,
        "archived": tax_code.archived,
        "ingoingTaxAccount": tax_code.ingoing_tax_account,
        "outgoingTaxAccount": tax_code.outgoing_tax_account,
        "accountingIntegrationSystem": None,
        "createdAt": iso(tax_code.created_at),
        "updatedAt": iso(tax_code.updated_at),
    }


def tag_group_payload(group: TagGroup, *, tags_count: int | None = None) -> dict:
    """`TagGroupModel`."""
    payload = {
        "id": str(group.uuid),
        "companyId": str(group.company.uuid),
        "code": group.code,
        "name": group.name,
        "archived": group.archived,
        "metadata": {},
        "createdAt": iso(group.created_at),
        "updatedAt": iso(group.updated_at),
    }
    if tags_count is not None:
        payload["totalTagsCount"] = tags_count
    return payload


def tag_payload(tag: Tag) -> dict:
    """`TagModel`."""
    return {
        "id": str(tag.uuid),
        "groupId": str(tag.group.uuid),
        "code": tag.code,
        "name": tag.name,
        "archived": tag.archived,
        "createdAt": iso(tag.created_at),
        "updatedAt": iso(tag.updated_at),
    }


def account_payload(account: Account) -> dict:
    """A chart-of-accounts row (reference §5.5)."""
    return {
        "id": str(account.uuid),
        "companyId": str(account.company.uuid),
        "externalId": account.external_id,
        "code": account.code,
        "name": account.name,
        "archived": account.archived,
        "taxCodeExternalId": account.tax_code_external_id,
        "metadata": {},
        "accountingSystem": "sandbox",
    }


def vendor_payload(vendor: Vendor) -> dict:
    """`VendorResponse` (reference §5.6)."""
    return {
        "id": str(vendor.uuid),
        "companyId": str(vendor.company.uuid),
        "name": vendor.name,
        "code": vendor.code,
        "externalId": vendor.external_id,
        "country": vendor.country,
        "defaultCurrency": vendor.default_currency,
        "registrationNumber": vendor.registration_number,
        "taxRegistrationNumber": vendor.tax_registration_number,
        "state": vendor.state,
        "accountingSystem": "sandbox",
        "createdAt": iso(vendor.created_at),
        "updatedAt": iso(vendor.updated_at),
    }


def company_payload(company: Company) -> dict:
    """A company (reference §5.7)."""
    return {
        "id": str(company.uuid),
        "name": company.name,
        "organizationId": str(company.organization_id) if company.organization_id else None,
        "registrationNumber": company.registration_number or None,
        "address": {
            "addressLine1": "Sandbox Street 1",
            "addressLine2": None,
            "locality": "Copenhagen",
            "region": None,
            "postalCode": "1000",
            "country": company.country,
        },
    }


def _money(amount: int, currency: str) -> dict:
    return {"currency": currency, "minors": amount}


def accounting_entry_payload(entry: AccountingEntry) -> dict:
    """`AccountingEntryV1` (reference §5.1); money here is `{currency, minors}`."""
    split_items = []
    if len(entry.lines) > 1:
        for line in entry.lines:
            account, tax = line.get("account"), line.get("tax")
            split_items.append(
                {
                    "id": line["accountingEntryLineId"],
                    "accountId": account["id"] if account else None,
                    "accountCode": account.get("code") if account else None,
                    "taxCodeId": tax["id"] if tax else None,
                    "tags": line.get("tagRefs") or [],
                    "totalBillValue": _line_money(line, "inWalletCurrency"),
                    "transactionValue": _line_money(line, "inSupplierCurrency"),
                    "createdAt": iso(entry.created_at),
                    "updatedAt": iso(entry.updated_at),
                }
            )
    first = entry.lines[0] if entry.lines else {}
    account = first.get("account")
    tax = first.get("tax")
    return {
        "id": str(entry.uuid),
        "companyId": str(entry.company.uuid),
        "employeeId": (entry.employee or {}).get("id"),
        "teamId": (entry.team or {}).get("id"),
        "accountId": account["id"] if account else None,
        "accountCode": account.get("code") if account else None,
        "taxCodeId": tax["id"] if tax else None,
        "note": entry.note,
        "performedAt": iso(entry.performed_at),
        "settledAt": iso(entry.settled_at),
        "bookkeepingDate": iso(entry.bookkeeping_date),
        "createdAt": iso(entry.created_at),
        "updatedAt": iso(entry.updated_at),
        "deletedAt": iso(entry.deleted_at),
        "foreignExtensionId": None,
        "receiptIds": [str(receipt.uuid) for receipt in entry.receipts.all()],
        "tags": first.get("tagRefs") or [],
        "attendees": [],
        "splitItems": split_items,
        "supplier": None,
        "transactionValue": _money(entry.supplier_amount, entry.supplier_currency),
        "totalBillValue": _money(entry.wallet_amount, entry.wallet_currency),
        "family": entry.family,
        "subFamily": entry.sub_family,
        "status": entry.status,
        "exportStatus": entry.export_status,
        "reviewStatus": entry.review_status,
    }


def _line_money(line: dict, which: str) -> dict:
    money = line["lineAmount"][which]
    return {"currency": money["currency"], "minors": money["value"]}

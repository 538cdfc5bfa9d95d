"""Read APIs an ERP integration needs next to the Export API: tax codes, tags, accounts,
vendors, companies and the accounting entries (the export queue)."""

from __future__ import annotations

from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse

from exporthub.sandbox.auth import Principal
from exporthub.sandbox.enums import EXPORT_STATUSES, FAMILIES, TAX_TYPES, VENDOR_STATES
from exporthub.sandbox.errors import BadRequest, NotFound
from exporthub.sandbox.http import json_response, pleo_api
from exporthub.sandbox.models import (
    Account,
    AccountingEntry,
    Company,
    Tag,
    TagGroup,
    TaxCode,
    Vendor,
)
from exporthub.sandbox.pagination import page_request, paginate
from exporthub.sandbox.parsing import (
    enum_list,
    json_body,
    optional_bool,
    optional_datetime,
    optional_enum,
    optional_str,
    parse_uuid,
    query_bool,
    query_uuid,
    uuid_list,
)
from exporthub.sandbox.payloads import (
    account_payload,
    accounting_entry_payload,
    company_payload,
    tag_group_payload,
    tag_payload,
    tax_code_payload,
    vendor_payload,
)


def _page(request, rows_query, to_payload, **limits) -> HttpResponse:
    rows, pagination = paginate(rows_query, page_request(request, **limits), request)
    return json_response({"data": [to_payload(row) for row in rows], "pagination": pagination})


def _company_scope(request: HttpRequest, principal: Principal, *, required: bool) -> None:
    """Check `company_id` / `organization_id` against the credential (400 when required and
    neither is given, 403 when they name someone else)."""
    company_id = query_uuid(request, "company_id")
    organization_id = query_uuid(request, "organization_id")
    if company_id is not None:
        principal.require_company(company_id)
    elif organization_id is not None:
        if organization_id != principal.company.organization_id:
            principal.require_company(organization_id)  # never equal: 403
    elif required:
        raise BadRequest("Supply company_id or organization_id.")


def search_tax_codes(request: HttpRequest, principal: Principal) -> HttpResponse:
    _company_scope(request, principal, required=False)
    body = json_body(request)
    found = TaxCode.objects.filter(company=principal.company).select_related("company")
    archived = optional_bool(body.get("archived"), "archived")
    if archived is not None:
        found = found.filter(archived=archived)
    if body.get("taxCodeIds"):
        found = found.filter(uuid__in=uuid_list(body["taxCodeIds"], "taxCodeIds"))
    kind = optional_enum(body.get("type"), TAX_TYPES, "type")
    if kind:
        found = found.filter(type=kind)
    return _page(request, found, tax_code_payload)


def get_tax_code(request: HttpRequest, principal: Principal, tax_code_id: str) -> HttpResponse:
    tax_code = (
        TaxCode.objects.select_related("company")
        .filter(company=principal.company, uuid=parse_uuid(tax_code_id, "taxCodeId"))
        .first()
    )
    if tax_code is None:
        raise NotFound("Tax code not found.")
    return json_response({"data": tax_code_payload(tax_code)})


def list_tag_groups(request: HttpRequest, principal: Principal) -> HttpResponse:
    _company_scope(request, principal, required=True)
    groups = TagGroup.objects.filter(company=principal.company).select_related("company")
    if not query_bool(request, "include_archived"):
        groups = groups.filter(archived=False)
    with_counts = query_bool(request, "include_tags_count")
    if with_counts:
        groups = groups.annotate(tags_count=Count("tags"))
    data = [
        tag_group_payload(group, tags_count=group.tags_count if with_counts else None)
        for group in groups.order_by("pk")
    ]
    return json_response({"data": data})


def list_tags(request: HttpRequest, principal: Principal, group_id: str) -> HttpResponse:
    group = TagGroup.objects.filter(
        company=principal.company, uuid=parse_uuid(group_id, "groupId")
    ).first()
    if group is None:
        raise NotFound("Tag group not found.")
    tags = Tag.objects.filter(group=group).select_related("group")
    if not query_bool(request, "include_archived"):
        tags = tags.filter(archived=False)
    return _page(request, tags, tag_payload)


def search_accounts(request: HttpRequest, principal: Principal) -> HttpResponse:
    body = json_body(request)
    for name in ("companyId", "excludeIfAssignedToCategory", "excludeIfAssignedToContraAccount"):
        if name not in body:
            raise BadRequest(f"{name} is required.")
    principal.require_company(parse_uuid(body["companyId"], "companyId"))
    found = Account.objects.filter(company=principal.company).select_related("company")
    if optional_bool(body["excludeIfAssignedToCategory"], "excludeIfAssignedToCategory"):
        found = found.filter(is_category=False)
    if optional_bool(body["excludeIfAssignedToContraAccount"], "excludeIfAssignedToContraAccount"):
        found = found.filter(contra_currency__isnull=True)
    archived = optional_bool(body.get("archived"), "archived")
    if archived is not None:
        found = found.filter(archived=archived)
    codes = body.get("codes") or ([body["code"]] if body.get("code") else [])
    if codes:
        found = found.filter(code__in=[str(code) for code in codes])
    if body.get("externalId") is not None:
        found = found.filter(external_id=optional_str(body["externalId"], "externalId"))
    if body.get("ids"):
        found = found.filter(uuid__in=uuid_list(body["ids"], "ids"))
    if body.get("name"):
        found = found.filter(name__icontains=optional_str(body["name"], "name"))
    return _page(request, found, account_payload)


def search_vendors(request: HttpRequest, principal: Principal) -> HttpResponse:
    if request.GET.get("company_id") is None:
        raise BadRequest("company_id is required.")
    _company_scope(request, principal, required=True)
    body = json_body(request)
    found = Vendor.objects.filter(company=principal.company).select_related("company")
    filters = {
        "codes": "code__in",
        "countries": "country__in",
        "externalIds": "external_id__in",
        "taxRegistrationNumbers": "tax_registration_number__in",
    }
    for name, lookup in filters.items():
        if body.get(name):
            if not isinstance(body[name], list):
                raise BadRequest(f"{name} must be an array.")
            found = found.filter(**{lookup: body[name]})
    if body.get("ids"):
        found = found.filter(uuid__in=uuid_list(body["ids"], "ids"))
    if body.get("states"):
        found = found.filter(state__in=enum_list(body["states"], VENDOR_STATES, "states"))
    if body.get("name"):
        found = found.filter(name__icontains=optional_str(body["name"], "name"))
    return _page(request, found, vendor_payload)


def list_companies(request: HttpRequest, principal: Principal) -> HttpResponse:
    organization_id = query_uuid(request, "organization_id")
    found = Company.objects.filter(pk=principal.company.pk)
    if organization_id is not None:
        found = found.filter(organization_id=organization_id)
    return _page(request, found, company_payload)


def get_company(request: HttpRequest, principal: Principal, company_id: str) -> HttpResponse:
    if parse_uuid(company_id, "companyId") != principal.company.uuid:
        raise NotFound("Company not found.")
    return json_response({"data": company_payload(principal.company)})


_DATE_FILTERS = {
    "performedAt": "performed_at",
    "bookkeepingDate": "bookkeeping_date",
    "settledAt": "settled_at",
}


def search_entries(request: HttpRequest, principal: Principal) -> HttpResponse:
    _company_scope(request, principal, required=True)
    body = json_body(request)
    if "includeDeleted" not in body:
        raise BadRequest("includeDeleted is required.")
    found = AccountingEntry.objects.filter(company=principal.company)
    if not optional_bool(body["includeDeleted"], "includeDeleted"):
        found = found.filter(deleted_at__isnull=True)
    found = found.select_related("company").prefetch_related("receipts")
    found = found.filter(_entry_filters(body))
    return _page(
        request, found, accounting_entry_payload, default_limit=20, max_limit=100, min_limit=1
    )


def _entry_filters(body: dict) -> Q:
    q = Q()
    enums = {
        "exportStatus": ("export_status__in", EXPORT_STATUSES),
        "families": ("family__in", FAMILIES),
    }
    for name, (lookup, allowed) in enums.items():
        if body.get(name):
            q &= Q(**{lookup: enum_list(body[name], allowed, name)})
    for name, lookup in (("subFamilies", "sub_family__in"), ("status", "status__in"),
                         ("reviewStatus", "review_status__in"),
                         ("transactionValueCurrencies", "supplier_currency__in")):  # fmt: skip
        if body.get(name):
            if not isinstance(body[name], list) or len(body[name]) > 100:
                raise BadRequest(f"{name} must be an array of at most 100 values.")
            q &= Q(**{lookup: body[name]})
    if body.get("accountIds"):
        q &= Q(account__uuid__in=uuid_list(body["accountIds"], "accountIds"))
    if body.get("taxCodeIds"):
        q &= Q(tax_code__uuid__in=uuid_list(body["taxCodeIds"], "taxCodeIds"))
    has_account = optional_bool(body.get("hasAccount"), "hasAccount")
    if has_account is not None:
        q &= Q(account__isnull=not has_account)
    settled = optional_bool(body.get("settled"), "settled")
    if settled is not None:
        q &= Q(settled_at__isnull=not settled)
    used = [name for name in _DATE_FILTERS if body.get(f"{name}Start") or body.get(f"{name}End")]
    if len(used) > 1:
        raise BadRequest("Filter on only one date family at a time.")
    for name in used:
        start = optional_datetime(body.get(f"{name}Start"), f"{name}Start")
        end = optional_datetime(body.get(f"{name}End"), f"{name}End")
        if start:
            q &= Q(**{f"{_DATE_FILTERS[name]}__gte": start})
        if end:
            q &= Q(**{f"{_DATE_FILTERS[name]}__lte": end})
    return q


def get_entry(request: HttpRequest, principal: Principal, entry_id: str) -> HttpResponse:
    entry = (
        AccountingEntry.objects.select_related("company")
        .filter(company=principal.company, uuid=parse_uuid(entry_id, "accountingEntryId"))
        .first()
    )
    if entry is None:
        raise NotFound("Accounting entry not found.")
    return json_response({"data": accounting_entry_payload(entry)})


tax_codes_search = pleo_api("tax-codes:read", POST=search_tax_codes)
accounts_search = pleo_api("accounts:read", POST=search_accounts)
vendors_search = pleo_api("vendors:read", POST=search_vendors)
companies = pleo_api("companies:read", GET=list_companies)
company = pleo_api("companies:read", GET=get_company)
entries_search = pleo_api("accounting-entries:read", POST=search_entries)
entry = pleo_api("accounting-entries:read", GET=get_entry)

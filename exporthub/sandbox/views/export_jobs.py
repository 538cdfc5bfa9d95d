"""Export API v3: jobs, job events, job items and export items."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from exporthub.sandbox import jobs
from exporthub.sandbox.auth import Principal
from exporthub.sandbox.enums import (
    ITEM_FAILURE_REASON_TYPES,
    ITEM_STATUSES,
    JOB_EVENTS,
    JOB_FAILURE_REASON_TYPES,
    JOB_STATUSES,
)
from exporthub.sandbox.errors import BadRequest, ItemsUpdateLimit
from exporthub.sandbox.export_items import contra_accounts, export_item_entries, export_item_payload
from exporthub.sandbox.http import json_response, pleo_api
from exporthub.sandbox.models import ExportJob, ExportJobItem
from exporthub.sandbox.pagination import page_request, paginate
from exporthub.sandbox.parsing import (
    json_body,
    optional_bool,
    optional_datetime,
    optional_enum,
    optional_str,
    optional_uuid,
    parse_enum,
    parse_uuid,
    query_uuid,
    uuid_list,
)
from exporthub.sandbox.payloads import job_item_payload, job_payload

MAX_ITEMS_PER_UPDATE = 100


def list_jobs(request: HttpRequest, principal: Principal) -> HttpResponse:
    principal.require_company(query_uuid(request, "company_id"))
    statuses = [parse_enum(s, JOB_STATUSES, "statuses") for s in request.GET.getlist("statuses")]
    page = page_request(request)
    jobs.expire_idle_jobs(company=principal.company)
    found = ExportJob.objects.filter(company=principal.company).select_related("company")
    if statuses:
        found = found.filter(status__in=statuses)
    rows, pagination = paginate(found, page, request)
    now = timezone.now()
    return json_response(
        {"data": [job_payload(job, now) for job in rows], "pagination": pagination}
    )


def create_job(request: HttpRequest, principal: Principal) -> HttpResponse:
    body = json_body(request)
    principal.require_company(parse_uuid(body.get("companyId"), "companyId"))
    if "accountingEntryIds" not in body:
        raise BadRequest("accountingEntryIds is required.")
    options = body.get("options") or {}
    if not isinstance(options, dict):
        raise BadRequest("options must be an object.")
    interactive = optional_bool(body.get("isInteractive"), "isInteractive")
    job = jobs.create_job(
        principal.company,
        entry_ids=uuid_list(body["accountingEntryIds"], "accountingEntryIds"),
        is_interactive=True if interactive is None else interactive,
        vendor_based_bookkeeping=bool(
            optional_bool(options.get("vendorBasedBookkeeping"), "options.vendorBasedBookkeeping")
        ),
        created_by=optional_uuid(body.get("employeeId"), "employeeId"),
    )
    return json_response({"data": job_payload(job, timezone.now())}, status=201)


def get_job(request: HttpRequest, principal: Principal, job_id: str) -> HttpResponse:
    job = jobs.get_job(principal.company, parse_uuid(job_id, "jobId"))
    return json_response({"data": job_payload(job, timezone.now())})


def create_event(request: HttpRequest, principal: Principal) -> HttpResponse:
    body = json_body(request)
    jobs.apply_event(
        principal.company,
        parse_uuid(body.get("jobId"), "jobId"),
        parse_enum(body.get("event"), JOB_EVENTS, "event"),
        failure_reason_type=optional_enum(
            body.get("failureReasonType"), JOB_FAILURE_REASON_TYPES, "failureReasonType"
        ),
        failure_reason=optional_str(body.get("failureReason"), "failureReason"),
    )
    return HttpResponse(status=202)


def list_items(request: HttpRequest, principal: Principal, job_id: str) -> HttpResponse:
    status = optional_enum(request.GET.get("status"), ITEM_STATUSES, "status")
    page = page_request(request)
    job = jobs.get_job(principal.company, parse_uuid(job_id, "jobId"))
    items = (
        ExportJobItem.objects.filter(job=job)
        .select_related("entry", "job")
        .only(*jobs.ITEM_RESULT_FIELDS, "entry__uuid", "job__uuid")
    )
    if status:
        items = items.filter(status=status)
    rows, pagination = paginate(items, page, request)
    return json_response(
        {"data": [job_item_payload(item) for item in rows], "pagination": pagination}
    )


def update_items(request: HttpRequest, principal: Principal, job_id: str) -> HttpResponse:
    job_uuid = parse_uuid(job_id, "jobId")
    body = json_body(request, expect=list)
    if len(body) > MAX_ITEMS_PER_UPDATE:
        raise ItemsUpdateLimit()
    updates = [_item_update(element, n) for n, element in enumerate(body)]
    items, errors = jobs.update_items(principal.company, job_uuid, updates)
    return json_response({"data": [job_item_payload(item) for item in items], "errors": errors})


def _item_update(element, n: int) -> jobs.ItemUpdate:
    if not isinstance(element, dict):
        raise BadRequest(f"Element {n} of the body must be an object.")
    where = f"[{n}]."
    return jobs.ItemUpdate(
        entry_id=parse_uuid(element.get("accountingEntryId"), where + "accountingEntryId"),
        status=parse_enum(element.get("status"), ITEM_STATUSES, where + "status"),
        exported_at=optional_datetime(element.get("exportedAt"), where + "exportedAt"),
        external_id=optional_str(element.get("externalId"), where + "externalId"),
        external_url=optional_str(element.get("externalUrl"), where + "externalUrl"),
        failure_reason=optional_str(element.get("failureReason"), where + "failureReason"),
        failure_reason_type=optional_enum(
            element.get("failureReasonType"), ITEM_FAILURE_REASON_TYPES, where + "failureReasonType"
        ),
    )


def list_export_items(request: HttpRequest, principal: Principal) -> HttpResponse:
    job_id = query_uuid(request, "job_id")
    page = page_request(request)
    open_jobs = jobs.open_job_for_items(principal.company, job_id)
    rows, pagination = paginate(export_item_entries(open_jobs), page, request)
    contra = contra_accounts(principal.company)
    vendor_based = any(job.vendor_based_bookkeeping for job in open_jobs)
    data = [
        export_item_payload(
            entry, request=request, vendor_based_bookkeeping=vendor_based, contra=contra
        )
        for entry in rows
    ]
    return json_response({"data": data, "pagination": pagination})


export_jobs = pleo_api(GET=("export-jobs:read", list_jobs), POST=("export-jobs:write", create_job))
export_job = pleo_api("export-jobs:read", GET=get_job)
export_job_events = pleo_api("export-jobs:write", POST=create_event)
export_job_items = pleo_api(
    GET=("export-jobs:read", list_items), PUT=("export-jobs:write", update_items)
)
export_items = pleo_api("export-items:read", GET=list_export_items)

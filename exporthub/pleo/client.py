"""`PleoClient`: every call the hub makes to Pleo, one method per endpoint.

Methods return `schemas` dataclasses and raise `errors.PleoError` subclasses. List methods return
lazy iterators that fetch one page at a time (see `pagination.py`); nothing is sent until the
iterator is consumed. Transient failures are retried inside each call (see `retry.py`).

    with PleoClient(base_url="https://external.pleo.io", auth=ApiKeyAuth(key)) as pleo:
        for job in pleo.list_jobs(statuses=["pending", "in_progress"]):
            ...
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from decimal import Decimal
from itertools import islice
from typing import TYPE_CHECKING, Any, TypeVar

import httpx
from django.conf import settings

from exporthub.pleo.enums import EVENT_TARGET_STATUS, JobEvent, JobFailureReasonType
from exporthub.pleo.errors import (
    InvalidExportJobStatusChange,
    PleoMalformedResponse,
    error_for_status,
)
from exporthub.pleo.pagination import paginate
from exporthub.pleo.parsing import Reader, parse
from exporthub.pleo.retry import AMBIGUOUS_ERRORS, Retrier, RetryPolicy, parse_retry_after
from exporthub.pleo.schemas import (
    Account,
    AccountingEntry,
    Company,
    ExportItem,
    ExportJob,
    ExportJobItem,
    ItemUpdate,
    ItemUpdateError,
    ItemUpdateResult,
    Page,
    Tag,
    TagGroup,
    TaxCode,
    Vendor,
    read_data,
    read_data_list,
)
from exporthub.pleo.transport import USER_AGENT, decode_json, default_timeout

if TYPE_CHECKING:
    from exporthub.pleo.models import PleoConnection

logger = logging.getLogger(__name__)

T = TypeVar("T")
JSON_CONTENT_TYPE = "application/json;charset=UTF-8"  # what Pleo's specs declare
MAX_ITEMS_PER_UPDATE = 100  # PUT /v3/export-jobs/{jobId}/items refuses more (413)
MAX_SEARCH_PAGE_SIZE = 100  # accounting-entries search: limit 1–100


class PleoClient:
    """A client for Pleo's external API (Export API v3 and the reads an ERP integration needs).

    Give it either `http` (an `httpx.Client` you own and close) or let it build its own client
    from `base_url` (+ optional `transport`), with explicit timeouts and a User-Agent, closed by
    `close()` or the `with` block. `auth` is an `httpx.Auth` (`ApiKeyAuth`, `OAuthAuth`).
    `company_id` is sent where Pleo takes one (needed for organisation-level credentials).
    """

    def __init__(
        self,
        *,
        base_url: str | None = None,
        auth: httpx.Auth | None = None,
        http: httpx.Client | None = None,
        transport: httpx.BaseTransport | None = None,
        company_id: str | None = None,
        page_size: int | None = None,
        timeout: float | None = None,
        retry_policy: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        close_with: Iterable[Any] = (),
    ):
        if http is None and not base_url:
            raise ValueError("PleoClient needs a base_url or an httpx.Client")
        self._owns_http = http is None
        self._http = http or httpx.Client(
            base_url=base_url.rstrip("/"),
            transport=transport,
            timeout=default_timeout(timeout or settings.PLEO_TIMEOUT_SECONDS),
            follow_redirects=False,
        )
        self._auth = auth
        self.company_id = str(company_id) if company_id else None
        self.page_size = page_size or settings.PLEO_PAGE_SIZE
        self._retrier = Retrier(retry_policy or RetryPolicy.from_settings(), sleep=sleep)
        self._close_with = list(close_with)  # e.g. the OAuth token client of `for_connection`

    @classmethod
    def for_connection(cls, connection: PleoConnection, **kwargs: Any) -> PleoClient:
        """A client for a stored `PleoConnection` (its base URL, credentials and company)."""
        from exporthub.pleo.connections import client_for

        return client_for(connection, **kwargs)

    def __repr__(self) -> str:
        return f"PleoClient(base_url={str(self._http.base_url)!r}, company_id={self.company_id!r})"

    def __enter__(self) -> PleoClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the HTTP client (if this object created it) and what was handed over to close."""
        if self._owns_http:
            self._http.close()
        for resource in self._close_with:
            resource.close()

    # Export jobs ---------------------------------------------------------------------------

    def list_jobs(
        self, *, statuses: Iterable[str] | None = None, company_id: str | None = None
    ) -> Iterator[ExportJob]:
        """Export jobs, optionally only those in `statuses` (GET /v3/export-jobs)."""
        params = self._company({}, company_id)
        if statuses:
            params["statuses"] = [str(status) for status in statuses]
        return self._paginate("GET", "/v3/export-jobs", ExportJob.from_json, params=params)

    def get_job(self, job_id: str) -> ExportJob:
        """One export job (GET /v3/export-jobs/{jobId}); `ExportNotFound` if there is none."""
        path = f"/v3/export-jobs/{job_id}"
        data = self.request("GET", path)
        with _answer_to("GET", path):
            return read_data(data, ExportJob.from_json, what="export job answer")

    def create_job(
        self,
        accounting_entry_ids: Iterable[str],
        *,
        company_id: str | None = None,
        employee_id: str | None = None,
        is_interactive: bool = True,
        vendor_based_bookkeeping: bool = False,
    ) -> ExportJob:
        """Create a pending export job for the given entries (POST /v3/export-jobs).

        Not replayed after a failure that may have reached Pleo: on `PleoServerError` or
        `PleoTransportError`, list the company's pending jobs before trying again.
        Raises `ExportAlreadyInProgress` or `MissingContraAccounts`.
        """
        body: dict[str, Any] = {
            "accountingEntryIds": [str(entry_id) for entry_id in accounting_entry_ids],
            "companyId": str(company_id or self._require_company()),
            "isInteractive": is_interactive,
            "options": {"vendorBasedBookkeeping": vendor_based_bookkeeping},
        }
        if employee_id:
            body["employeeId"] = str(employee_id)
        data = self.request("POST", "/v3/export-jobs", json=body, replay_safe=False)
        with _answer_to("POST", "/v3/export-jobs"):
            return read_data(data, ExportJob.from_json, what="export job answer")

    def create_job_event(
        self,
        job_id: str,
        event: JobEvent | str,
        *,
        failure_reason_type: JobFailureReasonType | str | None = None,
        failure_reason: str | None = None,
    ) -> None:
        """Move a job through its lifecycle (POST /v3/export-job-events).

        `event` is started, completed, completed_with_errors or failed (with a reason type and a
        reason). Raises `InvalidExportJobStatusChange` if the job's status does not allow it —
        except when an earlier attempt of this same call may have been applied (timeout, 5xx):
        then the job is fetched, and if it already is where the event leads, that is success.
        """
        body: dict[str, Any] = {"event": str(event), "jobId": str(job_id)}
        if failure_reason_type:
            body["failureReasonType"] = str(failure_reason_type)
        if failure_reason:
            body["failureReason"] = failure_reason
        try:
            self.request("POST", "/v3/export-job-events", json=body, replay_safe=True)
        except InvalidExportJobStatusChange as error:
            target = EVENT_TARGET_STATUS.get(JobEvent(str(event)))
            if not error.after_ambiguous_attempt or target is None:
                raise
            if self.get_job(job_id).status != target:
                raise
            logger.info("Job %s event %s was applied by an earlier attempt", job_id, event)

    def start_job(self, job_id: str) -> None:
        """Claim a pending job: event `started` (pending → in_progress)."""
        self.create_job_event(job_id, JobEvent.STARTED)

    def complete_job(self, job_id: str, *, with_errors: bool = False) -> None:
        """Close a job: `completed`, or `completed_with_errors` when some items failed."""
        self.create_job_event(
            job_id, JobEvent.COMPLETED_WITH_ERRORS if with_errors else JobEvent.COMPLETED
        )

    def fail_job(
        self, job_id: str, *, reason_type: JobFailureReasonType | str, reason: str
    ) -> None:
        """Give up on a job: event `failed` with a job-level reason type and a readable reason."""
        self.create_job_event(
            job_id, JobEvent.FAILED, failure_reason_type=reason_type, failure_reason=reason
        )

    # Job items and export items ------------------------------------------------------------

    def list_job_items(
        self, job_id: str, *, status: str | None = None, offset: int = 0
    ) -> Iterator[ExportJobItem]:
        """The job's items, optionally in one status, from the `offset`-th on
        (GET /v3/export-jobs/{jobId}/items)."""
        params = {"status": str(status)} if status else {}
        return self._paginate(
            "GET",
            f"/v3/export-jobs/{job_id}/items",
            ExportJobItem.from_json,
            params=params,
            offset=offset,
        )

    def update_job_items(
        self, job_id: str, updates: Iterable[ItemUpdate], *, chunk_size: int = MAX_ITEMS_PER_UPDATE
    ) -> ItemUpdateResult:
        """Write item results back (PUT /v3/export-jobs/{jobId}/items), ≤100 per request.

        Pleo answers 200 even when some items were refused; those per-item errors are collected
        over all chunks into `ItemUpdateResult.errors`. Chunks sent before an error raised by a
        later chunk stay applied; re-sending them is harmless (the last write per entry wins).
        """
        if not 1 <= chunk_size <= MAX_ITEMS_PER_UPDATE:
            raise ValueError(f"chunk_size must be between 1 and {MAX_ITEMS_PER_UPDATE}")
        path = f"/v3/export-jobs/{job_id}/items"
        items: list[ExportJobItem] = []
        errors: list[ItemUpdateError] = []
        pending = iter(updates)
        while chunk := list(islice(pending, chunk_size)):
            data = self.request("PUT", path, json=[update.to_json() for update in chunk])
            with _answer_to("PUT", path):
                chunk_items, chunk_errors = parse("item update answer", data, _read_update_answer)
                items.extend(ExportJobItem.from_json(d, where=f"data[{i}]") for i, d in chunk_items)
                errors.extend(
                    ItemUpdateError.from_json(e, where=f"errors[{i}]") for i, e in chunk_errors
                )
        return ItemUpdateResult(items=tuple(items), errors=tuple(errors))

    def list_export_items(self, job_id: str) -> Iterator[ExportItem]:
        """The accounting payload of each entry in a running job (GET /v3/export-items).

        Raises `MissingContraAccounts` or, for a finished job, `ExportJobStatusUnprocessable`.
        """
        return self._paginate(
            "GET", "/v3/export-items", ExportItem.from_json, params={"job_id": str(job_id)}
        )

    def list_export_item_payloads(
        self, job_id: str, *, offset: int = 0
    ) -> Iterator[dict[str, Any]]:
        """Like `list_export_items`, but each item's JSON as Pleo sent it, unparsed; from the
        `offset`-th item on.

        For callers that keep the original payload and parse each item on its own
        (`ExportItem.from_json`), so one malformed item cannot hide the others on its page.
        """
        return self._paginate(
            "GET", "/v3/export-items", _as_sent, params={"job_id": str(job_id)}, offset=offset
        )

    def download_file(self, url: str) -> bytes:
        """Download a receipt from an export item's `files[].url` (pre-signed, valid 24 hours).

        The URL carries its own authorisation, so no Pleo credentials are sent with it.
        """
        request = self._http.build_request("GET", url)
        response = self._retrier.run(
            lambda: self._http.send(request),
            method="GET",
            path=url.split("?")[0],
            replay_safe=True,
        )
        if response.status_code >= 400:
            raise error_for_status(
                response.status_code, response.content, method="GET", path=url.split("?")[0]
            )
        return response.content

    # Reference data ------------------------------------------------------------------------

    def list_tax_codes(
        self,
        *,
        company_id: str | None = None,
        archived: bool | None = None,
        tax_code_ids: Iterable[str] | None = None,
    ) -> Iterator[TaxCode]:
        """Tax codes (POST /v0/tax-codes:search)."""
        body: dict[str, Any] = {}
        if archived is not None:
            body["archived"] = archived
        if tax_code_ids is not None:
            body["taxCodeIds"] = [str(i) for i in tax_code_ids]
        params = self._company({}, company_id)
        return self._paginate(
            "POST", "/v0/tax-codes:search", TaxCode.from_json, params=params, json=body
        )

    def list_tag_groups(
        self, *, company_id: str | None = None, include_archived: bool = False
    ) -> tuple[TagGroup, ...]:
        """Tag groups, i.e. ERP dimensions (GET /v0/tag-groups; not paginated by Pleo)."""
        params = self._company({}, company_id)
        if include_archived:
            params["include_archived"] = "true"
        data = self.request("GET", "/v0/tag-groups", params=params)
        with _answer_to("GET", "/v0/tag-groups"):
            return read_data_list(data, TagGroup.from_json, what="tag groups answer")

    def list_tags(self, group_id: str, *, include_archived: bool = False) -> Iterator[Tag]:
        """The tags (dimension values) of one tag group (GET /v0/tag-groups/{groupId}/tags)."""
        params = {"include_archived": "true"} if include_archived else {}
        return self._paginate(
            "GET", f"/v0/tag-groups/{group_id}/tags", Tag.from_json, params=params
        )

    # Writing tags and tax codes (pushing the ERP's master data into Pleo) --------------------
    # Creations are POSTs and not replayed after an ambiguous failure: list again before retrying.

    def create_tag_group(
        self, code: str, name: str, *, company_id: str | None = None, archived: bool = False
    ) -> TagGroup:
        """Create a tag group, i.e. a dimension (POST /v0/tag-groups)."""
        params = {"company_id": str(company_id or self._require_company())}
        body = {"archived": archived, "code": code, "name": name, "metadata": {}}
        return self._write_one("POST", "/v0/tag-groups", TagGroup, params=params, json=body)

    def update_tag_group(self, group: TagGroup, *, name: str, archived: bool) -> TagGroup:
        """Rename or (un)archive a tag group (PUT /v0/tag-groups/{groupId})."""
        body = {"archived": archived, "code": group.code, "name": name, "metadata": group.metadata}
        path = f"/v0/tag-groups/{group.id}"
        return self._write_one("PUT", path, TagGroup, json=body)

    def create_tag(self, group_id: str, code: str, name: str, *, archived: bool = False) -> Tag:
        """Create a tag, i.e. a dimension value (POST /v0/tag-groups/{groupId}/tags)."""
        body = {"archived": archived, "code": code, "name": name}
        return self._write_one("POST", f"/v0/tag-groups/{group_id}/tags", Tag, json=body)

    def update_tag(self, tag: Tag, *, name: str, archived: bool) -> Tag:
        """Rename or (un)archive a tag (PUT /v0/tags/{tagId})."""
        body = {"archived": archived, "code": tag.code, "name": name}
        return self._write_one("PUT", f"/v0/tags/{tag.id}", Tag, json=body)

    def create_tax_code(
        self,
        *,
        code: str,
        name: str,
        rate: Decimal,
        type: str,
        company_id: str | None = None,
        archived: bool = False,
    ) -> TaxCode:
        """Create a tax code (POST /v0/tax-codes); `rate` is a fraction (0.25 = 25 %)."""
        company = company_id or self._require_company()
        body = _tax_code_body(code, name, rate, type, company, archived)
        return self._write_one("POST", "/v0/tax-codes", TaxCode, json=body)

    def update_tax_code(
        self, tax_code: TaxCode, *, name: str, rate: Decimal, type: str, archived: bool
    ) -> TaxCode:
        """Rename, re-rate or (un)archive a tax code (PUT /v0/tax-codes/{taxCodeId})."""
        body = _tax_code_body(tax_code.code or "", name, rate, type, tax_code.company_id, archived)
        body["ingoingTaxAccount"] = tax_code.ingoing_tax_account
        body["outgoingTaxAccount"] = tax_code.outgoing_tax_account
        return self._write_one("PUT", f"/v0/tax-codes/{tax_code.id}", TaxCode, json=body)

    def _write_one(self, method: str, path: str, schema: Any, **kwargs: Any) -> Any:
        data = self.request(method, path, **kwargs)
        with _answer_to(method, path):
            return read_data(data, schema.from_json, what=f"{schema.__name__} answer")

    def list_accounts(
        self,
        *,
        company_id: str | None = None,
        archived: bool | None = None,
        exclude_if_assigned_to_category: bool = False,
        exclude_if_assigned_to_contra_account: bool = False,
    ) -> Iterator[Account]:
        """The chart of accounts (POST /v1/chart-of-accounts:search)."""
        body: dict[str, Any] = {
            "companyId": str(company_id or self._require_company()),
            "excludeIfAssignedToCategory": exclude_if_assigned_to_category,
            "excludeIfAssignedToContraAccount": exclude_if_assigned_to_contra_account,
        }
        if archived is not None:
            body["archived"] = archived
        return self._paginate("POST", "/v1/chart-of-accounts:search", Account.from_json, json=body)

    def list_vendors(
        self, *, company_id: str | None = None, states: Iterable[str] | None = None
    ) -> Iterator[Vendor]:
        """Vendors, optionally only in some `states` (POST /v1/vendors:search)."""
        params = {"company_id": str(company_id or self._require_company())}
        body = {"states": [str(state) for state in states]} if states else {}
        return self._paginate(
            "POST", "/v1/vendors:search", Vendor.from_json, params=params, json=body
        )

    def list_companies(self, *, organization_id: str | None = None) -> Iterator[Company]:
        """The companies these credentials can see (GET /v1/companies)."""
        params = {"organization_id": str(organization_id)} if organization_id else {}
        return self._paginate("GET", "/v1/companies", Company.from_json, params=params)

    def get_company(self, company_id: str) -> Company:
        """One company (GET /v1/companies/{companyId})."""
        path = f"/v1/companies/{company_id}"
        data = self.request("GET", path)
        with _answer_to("GET", path):
            return read_data(data, Company.from_json, what="company answer")

    def search_accounting_entries(
        self,
        *,
        company_id: str | None = None,
        export_statuses: Iterable[str] | None = None,
        include_deleted: bool = False,
        filters: Mapping[str, Any] | None = None,
    ) -> Iterator[AccountingEntry]:
        """Accounting entries (POST /v1/accounting-entries:search); `filters` adds body fields."""
        params = {"company_id": str(company_id or self._require_company())}
        body: dict[str, Any] = {"includeDeleted": include_deleted, **(filters or {})}
        if export_statuses:
            body["exportStatus"] = [str(status) for status in export_statuses]
        return self._paginate(
            "POST",
            "/v1/accounting-entries:search",
            AccountingEntry.from_json,
            params=params,
            json=body,
            max_page_size=MAX_SEARCH_PAGE_SIZE,
        )

    def list_export_queue(self, *, company_id: str | None = None) -> Iterator[AccountingEntry]:
        """The export queue: entries waiting to be exported (exportStatus QUEUED)."""
        return self.search_accounting_entries(company_id=company_id, export_statuses=["QUEUED"])

    # Plumbing ------------------------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        replay_safe: bool | None = None,
        extensions: dict[str, Any] | None = None,
    ) -> Any:
        """Send one request (with retries) and return the decoded JSON body, or None if empty.

        Raises the `PleoError` subclass matching the answer. `replay_safe` defaults to True for
        GET/PUT/DELETE and for POSTs to `…:search`; see retry.py for what that changes.
        """
        if replay_safe is None:
            replay_safe = method in ("GET", "PUT", "DELETE") or path.endswith(":search")
        request = self._build(method, path, params, json, extensions)
        ambiguous = False

        def send() -> httpx.Response:
            nonlocal ambiguous
            started = time.monotonic()
            try:
                response = self._http.send(request, auth=self._auth)
            except AMBIGUOUS_ERRORS:
                ambiguous = True
                raise
            if response.status_code >= 500 and response.status_code != 503:
                ambiguous = True
            logger.debug(
                "Pleo %s %s -> %d in %.0f ms",
                method,
                path,
                response.status_code,
                (time.monotonic() - started) * 1000,
            )
            return response

        response = self._retrier.run(send, method=method, path=path, replay_safe=replay_safe)
        if response.status_code >= 400:
            error = error_for_status(
                response.status_code,
                response.content,
                method=method,
                path=path,
                retry_after=parse_retry_after(response.headers.get("retry-after")),
            )
            error.after_ambiguous_attempt = ambiguous
            raise error
        if not response.content:
            return None
        return decode_json(response, method=method, path=path)

    def _build(
        self,
        method: str,
        path: str,
        params: Mapping[str, Any] | None,
        body: Any,
        extensions: dict[str, Any] | None,
    ) -> httpx.Request:
        headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
        content = None
        if body is not None:
            headers["Content-Type"] = JSON_CONTENT_TYPE
            content = json.dumps(body, separators=(",", ":")).encode()
        return self._http.build_request(
            method,
            path,
            params=dict(params) if params else None,
            content=content,
            headers=headers,
            extensions=extensions,
        )

    def _paginate(
        self,
        method: str,
        path: str,
        parse_item: Callable[..., T],
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        max_page_size: int | None = None,
        offset: int = 0,
    ) -> Iterator[T]:
        """Every item of every page; the first page starts at `offset`, the next ones follow
        the previous page's end cursor (Pleo takes one of `offset` and `after`)."""
        limit = min(self.page_size, max_page_size) if max_page_size else self.page_size

        def fetch(cursor: str | None) -> Page[T]:
            query = {**(params or {}), "limit": limit}
            if cursor:
                query["after"] = cursor
            elif offset:
                query["offset"] = offset
            data = self.request(method, path, params=query, json=json)
            with _answer_to(method, path):
                return Page.from_json(data, parse_item, what=f"page of {path}")

        return paginate(fetch)

    def _company(self, params: dict[str, Any], company_id: str | None) -> dict[str, Any]:
        company = company_id or self.company_id
        if company:
            params["company_id"] = str(company)
        return params

    def _require_company(self) -> str:
        if not self.company_id:
            raise ValueError("this call needs a company_id (pass it, or give the client one)")
        return self.company_id


@contextmanager
def _answer_to(method: str, path: str) -> Iterator[None]:
    """Name the request in a payload error raised while parsing its answer."""
    try:
        yield
    except PleoMalformedResponse as error:
        error.method, error.path = error.method or method, error.path or path
        raise


def _read_update_answer(r: Reader) -> tuple[list[tuple[int, Any]], list[tuple[int, Any]]]:
    return list(enumerate(r.list("data"))), list(enumerate(r.list("errors", required=False)))


def _as_sent(element: Any, *, where: str | None = None) -> Any:
    return element


def _tax_code_body(
    code: str, name: str, rate: Decimal, type: str, company_id: str, archived: bool
) -> dict[str, Any]:
    """`TaxCodeCreateUpdateModel`; the rate is a JSON number, a fraction (4 decimals at most)."""
    return {
        "archived": archived,
        "code": code,
        "companyId": str(company_id),
        "name": name,
        "rate": float(rate),
        "type": type,
    }

"""What the API sends and takes. Connections carry whether each secret is set, never its value."""

from __future__ import annotations

import datetime as dt
from typing import Any
from uuid import UUID

from ninja import Schema

from exporthub.api.pagination import page_schema
from exporthub.notifications.models import DeliveryState
from exporthub.sync.reconciliation_models import DiscrepancyKind, DiscrepancyState


class OperationOut(Schema):
    """A background operation (sync/operations.py): poll it until `state` is done or failed."""

    id: int
    kind: str
    state: str
    progress: int
    result: int | None
    error: str
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None


class StartedOperationOut(Schema):
    operation: OperationOut
    started: bool  # False: one was already under way and is returned instead


class IntegrationOut(Schema):
    id: int
    name: str
    company_id: UUID | None
    pleo_connection_id: int
    erp_connection_id: int
    erp_company: str
    fallback_to_pleo_codes: bool
    enabled: bool
    poll_interval_seconds: int
    last_polled_at: dt.datetime | None
    last_poll_error: str

    @staticmethod
    def resolve_company_id(obj):
        return obj.pleo_connection.company_id


class IntegrationIn(Schema):
    name: str
    pleo_connection_id: int
    erp_connection_id: int
    erp_company: str = ""
    fallback_to_pleo_codes: bool = False
    enabled: bool = True
    poll_interval_seconds: int = 60


class QueueFilters(Schema):
    """The queue page's filters, with the same names and meanings."""

    q: str | None = None
    date_from: str | None = None
    date_to: str | None = None
    family: str | None = None
    amount_min: str | None = None
    amount_max: str | None = None
    supplier: str | None = None
    account: str | None = None
    status: str | None = None
    receipt: str | None = None
    problems: str | None = None
    sort: str | None = None


class QueuedEntryOut(Schema):
    entry_id: UUID
    export_status: str
    family: str
    sub_family: str
    review_status: str
    performed_at: dt.datetime
    entry_date: dt.date | None
    amount_minor: int
    currency: str
    account_code: str
    tax_code: str
    category_name: str
    supplier: str
    employee: str
    note: str
    receipt_count: int
    problems: list[str]
    last_failure_reason_type: str

    @staticmethod
    def resolve_problems(obj):
        return obj.problems.split()


class QueuePage(page_schema(QueuedEntryOut, "QueuedEntryList")):
    """`total` is exact when the filters are ones the queue's totals count by; otherwise the
    matches are counted up to 1,000 (`total_capped`: more, and no `total_amount_minor`)."""

    total: int
    total_capped: bool
    total_amount_minor: int | None


class ExportIn(Schema):
    """Either `entry_ids`, or `all_matching` with `filters`. With pre-flight problems among
    them the answer is a 409 problem listing them; send again with `confirm` (export them
    all) or `skip_problems` (only those without known problems)."""

    entry_ids: list[UUID] = []
    all_matching: bool = False
    filters: QueueFilters = QueueFilters()
    confirm: bool = False
    skip_problems: bool = False


class BatchFileOut(Schema):
    """A file journal's batch file holding a job's entries (download it by its id)."""

    id: int
    name: str
    file_name: str
    format: str
    entry_count: int
    created_at: dt.datetime
    closed_at: dt.datetime | None


class JobOut(Schema):
    id: int
    pleo_id: UUID
    integration_id: int
    company_id: UUID
    status: str
    is_finished: bool
    number_of_items: int
    items_pending: int
    items_successful: int
    items_failed: int
    items_abandoned: int
    pleo_created_at: dt.datetime
    started_at: dt.datetime | None
    completed_at: dt.datetime | None
    failure_reason_type: str
    failure_reason: str
    dismissed_at: dt.datetime | None
    dismissed_reason: str


class DismissIn(Schema):
    reason: str


class ItemOut(Schema):
    id: int
    job_id: int
    accounting_entry_id: UUID
    status: str
    entry_date: dt.date | None
    amount_minor: int | None
    currency: str
    supplier: str
    category_code: str
    category_name: str
    employee: str
    external_id: str
    external_url: str
    failure_reason_type: str
    failure_reason: str
    failure_mapping_kind: str
    failure_pleo_key: str


ITEM_FIELDS = tuple(ItemOut.model_fields)


class CorrectionOut(Schema):
    id: int
    kind: str
    state: str
    external_id: str
    external_url: str
    reason: str
    failure_reason: str
    created_at: dt.datetime
    sent_at: dt.datetime | None
    finished_at: dt.datetime | None


class ItemDetailOut(ItemOut):
    exported_at: dt.datetime | None
    payload: dict[str, Any] | None
    corrections: list[CorrectionOut]  # the newest 20, newest first

    @staticmethod
    def resolve_corrections(obj):
        return obj.latest_corrections


class TimelineLineOut(Schema):
    id: int
    at: dt.datetime
    action: str
    text: str
    tone: str


class ReferenceIn(Schema):
    external_id: str
    external_url: str = ""


class MarkExportedIn(ReferenceIn):
    reason: str


class OutcomeOut(Schema):
    """What became of a correction: `applied` in the still running job, or recorded as
    `correction` for a correction job; `unchanged` when it was asked for already."""

    item_id: int
    kind: str
    applied: bool
    unchanged: bool
    correction: CorrectionOut | None


class BulkRowIn(Schema):
    item_id: int
    external_id: str = ""
    external_url: str = ""


class BulkIn(Schema):
    items: list[BulkRowIn]
    reason: str = ""


class RefusedOut(Schema):
    item_id: int
    reason: str


class BulkOut(Schema):
    outcomes: list[OutcomeOut]
    refused: list[RefusedOut]
    waiting: list[str]


class FixOut(Schema):
    label: str
    kind: str
    mapping_kind: str
    pleo_key: str


class FailureGroupOut(Schema):
    integration_id: int
    reason_type: str
    mapping_kind: str
    pleo_key: str
    pleo_label: str
    count: int
    ready: int
    can_retry: bool
    example_item_id: int | None
    failure_reason: str
    fix: FixOut


class FailureGroupKey(Schema):
    integration_id: int
    reason_type: str = ""
    mapping_kind: str = ""
    pleo_key: str = ""


class MappingOut(Schema):
    id: int
    kind: str
    pleo_key: str
    pleo_label: str
    erp_key: str
    erp_label: str
    updated_at: dt.datetime


class MappingIn(Schema):
    kind: str
    pleo_key: str
    erp_key: str
    pleo_label: str = ""
    erp_label: str = ""


class ImportOut(Schema):
    imported: int


class ActivityOut(Schema):
    """One activity row; before, after and data as the CSV export writes them (JSON text,
    secrets in free text hidden)."""

    id: int
    created_at: dt.datetime
    actor: str
    action: str
    text: str
    company_id: UUID | None
    object_type: str
    object_id: str
    before: str
    after: str
    data: str


class PleoConnectionOut(Schema):
    id: int
    name: str
    company_id: UUID | None
    base_url: str
    oauth_base_url: str
    auth_method: str
    oauth_client_id: str
    oauth_scopes: str
    locale: str
    status: str
    status_detail: str
    api_key_set: bool
    oauth_client_secret_set: bool
    authorized: bool
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_api_key_set(obj):
        return bool(obj.api_key)

    @staticmethod
    def resolve_oauth_client_secret_set(obj):
        return bool(obj.oauth_client_secret)

    @staticmethod
    def resolve_authorized(obj):
        return bool(obj.access_token)


class PleoConnectionIn(Schema):
    """Secrets are write-only: left empty, the stored one is kept (unless a URL changes)."""

    name: str
    company_id: UUID | None = None
    base_url: str
    oauth_base_url: str = ""
    auth_method: str
    oauth_client_id: str = ""
    oauth_scopes: str = ""
    locale: str = ""
    api_key: str = ""
    oauth_client_secret: str = ""


class ErpConnectionOut(Schema):
    id: int
    name: str
    kind: str
    settings: dict[str, Any]
    secrets_set: list[str]
    created_at: dt.datetime
    updated_at: dt.datetime


class ErpConnectionIn(Schema):
    """`settings` as the connector's settings form names them; secret fields are write-only."""

    name: str
    kind: str
    settings: dict[str, Any] = {}


class ErpConnectionUpdate(Schema):
    name: str
    settings: dict[str, Any] = {}


class CheckOut(Schema):
    ok: bool
    message: str


class JournalLineOut(Schema):
    account: str
    debit: str
    credit: str
    text: str
    tax_code: str
    is_tax: bool


class PostingProblemOut(Schema):
    reason_type: str
    message: str
    mapping_kind: str
    pleo_key: str


class PreviewOut(Schema):
    """The dry-run posting of one entry; `available` is False for an entry never exported
    (Pleo shares its accounting data only inside an export job)."""

    available: bool
    source_item_id: int | None
    date: dt.date | None
    currency: str
    lines: list[JournalLineOut]
    problems: list[PostingProblemOut]
    erp_problems: list[str]


class MeOut(Schema):
    username: str
    role: str
    company_ids: list[UUID] | None  # None: every company (admins)
    token_name: str
    token_prefix: str


class PushStepOut(Schema):
    """One planned change to one Pleo record; an applied push's steps carry `result` (done,
    failed, skipped) and a failed one Pleo's `error`."""

    target: str  # tag_group, tag or tax_code
    action: str  # create, update or archive
    code: str
    name: str
    rate: str = ""
    before: str = ""
    pleo_id: str = ""
    result: str = ""
    error: str = ""


class UnpushableOut(Schema):
    code: str
    reason: str


class MasterDataPushOut(Schema):
    id: int
    state: str
    steps: list[PushStepOut]
    unpushable: list[UnpushableOut]
    outcome: list[PushStepOut]
    archive_confirmed: bool
    planned_at: dt.datetime
    applied_at: dt.datetime | None
    applied_by_id: int | None


class MasterDataPushStateOut(Schema):
    """The open plan (planned, or being applied), the last applied push, and the newest
    comparison and apply operations (poll them while they run)."""

    plan: MasterDataPushOut | None
    applied: MasterDataPushOut | None
    plan_operation: OperationOut | None
    apply_operation: OperationOut | None


class ApplyPushIn(Schema):
    archive: bool = False  # also archive the Pleo records the ERP no longer has


class ReconciliationRunOut(Schema):
    id: int
    integration_id: int
    state: str  # queued, running, done, failed
    period_start: dt.date | None
    period_end: dt.date | None
    checked: int
    verified: int
    found: int
    verified_by_month: dict[str, int]
    error: str
    requested_by_id: int | None
    created_at: dt.datetime
    finished_at: dt.datetime | None


class ReconciliationIn(Schema):
    start: dt.date | None = None
    end: dt.date | None = None


class DiscrepancyFilters(Schema):
    kind: DiscrepancyKind | None = None
    state: DiscrepancyState | None = None


class DiscrepancyOut(Schema):
    id: int
    integration_id: int
    run_id: int
    accounting_entry_id: UUID
    item_id: int | None
    kind: str
    detail: dict[str, Any]
    state: str  # open, acknowledged, resolved
    reason: str
    acknowledged_by_id: int | None
    found_at: dt.datetime
    resolved_at: dt.datetime | None


class AcknowledgeIn(Schema):
    reason: str


class SubscriptionOut(Schema):
    """A notification subscription. A webhook's signing secret is never sent again after the
    answer that created it; `signed` says whether it has one."""

    id: int
    integration_id: int
    channel: str  # email, webhook, slack
    target: str
    events: list[str]
    active: bool
    signed: bool
    created_by_id: int | None
    created_at: dt.datetime

    @staticmethod
    def resolve_signed(obj) -> bool:
        return bool(obj.secret)


class SubscriptionCreatedOut(SubscriptionOut):
    secret: str | None  # a webhook's signing secret (Standard Webhooks): only in this answer

    @staticmethod
    def resolve_secret(obj) -> str | None:
        return obj.secret or None


class SubscriptionIn(Schema):
    integration_id: int
    channel: str
    target: str
    events: list[str]


class DeliveryFilters(Schema):
    state: DeliveryState | None = None


class NotificationOut(Schema):
    id: int
    integration_id: int
    kind: str
    count: int
    path: str
    data: dict[str, Any]
    created_at: dt.datetime


class DeliveryOut(Schema):
    id: int
    subscription_id: int
    notification: NotificationOut
    state: str  # pending, sent, failed
    attempts: int
    next_attempt_at: dt.datetime
    last_error: str
    sent_at: dt.datetime | None
    created_at: dt.datetime

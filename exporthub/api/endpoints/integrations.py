"""Companies (integrations), their export queue, run now, and background operations."""

from __future__ import annotations

from uuid import UUID

from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from exporthub.api.auth import role
from exporthub.api.common import integration_of, one, pleo_problem
from exporthub.api.pagination import DEFAULT_LIMIT, page_schema, paginate
from exporthub.api.problems import Problem, invalid
from exporthub.api.schemas import (
    ExportIn,
    IntegrationIn,
    IntegrationOut,
    JobOut,
    OperationOut,
    PreviewOut,
    QueueFilters,
    QueuePage,
    StartedOperationOut,
)
from exporthub.core.access import ACCOUNTANT, ADMIN, VIEWER
from exporthub.dashboard import scope
from exporthub.dashboard.connections import save_company
from exporthub.dashboard.forms import IntegrationForm, QueueFilterForm
from exporthub.dashboard.preview import preview_posting
from exporthub.dashboard.queue_export import (
    MAX_EXPORT,
    PROBLEM_LABELS,
    export_entries,
    problem_keys,
)
from exporthub.dashboard.queue_summary import queue_totals, wallet_currency
from exporthub.pleo.errors import PleoError
from exporthub.sync.models import Integration, OperationKind
from exporthub.sync.operations import start_operation

router = Router(tags=["companies"])


@router.get(
    "/integrations",
    response=page_schema(IntegrationOut, "IntegrationList"),
    auth=role(VIEWER),
)
def list_integrations(request, cursor: str | None = None, limit: int = DEFAULT_LIMIT):
    rows = scope.integrations(request.auth)
    return paginate(rows, ["id"], cursor=cursor, limit=limit)


@router.get("/integrations/{int:pk}", response=IntegrationOut, auth=role(VIEWER))
def get_integration(request, pk: int):
    return integration_of(request, pk)


def _company_form(data: IntegrationIn, instance=None) -> IntegrationForm:
    values = data.dict()
    values["pleo_connection"] = values.pop("pleo_connection_id")
    values["erp_connection"] = values.pop("erp_connection_id")
    return IntegrationForm(values, instance=instance)


@router.post("/integrations", response={201: IntegrationOut}, auth=role(ADMIN))
def create_integration(request, data: IntegrationIn):
    form = _company_form(data)
    if not form.is_valid():
        raise invalid(form)
    return Status(201, save_company(form, user=request.auth))


@router.put("/integrations/{int:pk}", response=IntegrationOut, auth=role(ADMIN))
def update_integration(request, pk: int, data: IntegrationIn):
    form = _company_form(data, one(Integration.objects.all(), "company", pk=pk))
    if not form.is_valid():
        raise invalid(form)
    return save_company(form, user=request.auth)


def _filter_form(filters: QueueFilters) -> QueueFilterForm:
    """The queue page's filter form; any invalid filter is a 422 problem."""
    form = QueueFilterForm({k: v for k, v in filters.dict().items() if v is not None})
    if not form.is_valid():
        raise invalid(form, _("Fix the filter."))
    return form


@router.get("/integrations/{int:pk}/queue", response=QueuePage, auth=role(VIEWER))
def list_queue(
    request,
    pk: int,
    filters: Query[QueueFilters],
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
):
    """What waits in Pleo's export queue (the hub's mirror), with the queue page's filters."""
    integration = integration_of(request, pk)
    form = _filter_form(filters)
    rows = form.filter(integration.queued_entries.all(), wallet_currency(integration))
    totals = queue_totals(integration, form, rows)
    page = paginate(rows, form.ordering, cursor=cursor, limit=limit)
    return {
        **page,
        "total": totals["n"],
        "total_capped": totals["capped"],
        "total_amount_minor": totals["minor"],
    }


@router.post(
    "/integrations/{int:pk}/queue/refresh",
    response={202: StartedOperationOut},
    auth=role(ACCOUNTANT),
)
def refresh_queue(request, pk: int):
    """Read the export queue from Pleo again, in the background."""
    integration = integration_of(request, pk)
    operation, started = start_operation(
        OperationKind.REFRESH_QUEUE, integration=integration, user=request.auth
    )
    return Status(202, {"operation": operation, "started": started})


@router.post("/integrations/{int:pk}/queue/export", response={201: JobOut}, auth=role(ACCOUNTANT))
def export_queue(request, pk: int, data: ExportIn):
    """Export the chosen (or all matching) queued entries in one new Pleo export job."""
    integration = integration_of(request, pk)
    queued = integration.queued_entries.filter(export_status="QUEUED")
    if data.skip_problems:
        queued = queued.filter(problems="")
    if data.all_matching:
        form = _filter_form(data.filters)
        rows = form.order(form.filter(queued, wallet_currency(integration)))
        ids = [str(i) for i in rows.values_list("entry_id", flat=True)[: MAX_EXPORT + 1]]
    else:
        rows = queued.filter(entry_id__in=data.entry_ids)
        ids = [str(i) for i in rows.values_list("entry_id", flat=True)]
    if not ids:
        raise Problem(422, _("No queued entry matches."), slug="nothing-to-export")
    if len(ids) > MAX_EXPORT:
        raise Problem(
            422,
            _("At most %(limit)s entries go into one export job.") % {"limit": MAX_EXPORT},
            slug="too-many-entries",
        )
    if not data.confirm and (problems := problem_keys(rows)):
        with_problems = rows.exclude(problems="").count()
        raise Problem(
            409,
            _(
                "Some entries have known pre-flight problems: send again with confirm (export "
                "them all) or skip_problems (only those without)."
            ),
            slug="preflight-problems",
            extra={
                "problems": [
                    {"problem": key, "label": str(PROBLEM_LABELS.get(key, key)), "count": n}
                    for key, n in problems
                ],
                "with_problems": with_problems,
                "without_problems": len(ids) - with_problems,
            },
        )
    try:
        job = export_entries(integration, ids, user=request.auth)
    except PleoError as error:
        raise pleo_problem(error) from None
    return Status(201, job)


@router.get(
    "/integrations/{int:pk}/queue/{uuid:entry_id}/preview",
    response=PreviewOut,
    auth=role(VIEWER),
)
def preview_entry(request, pk: int, entry_id: UUID):
    """The exact ERP posting the entry would get with today's mappings (nothing is written)."""
    preview = preview_posting(integration_of(request, pk), str(entry_id))
    entry = preview.entry
    return {
        "available": preview.available,
        "source_item_id": preview.source.pk if preview.source else None,
        "date": entry.date if entry else None,
        "currency": entry.currency if entry else "",
        "lines": [
            {
                "account": line.account,
                "debit": str(line.debit),
                "credit": str(line.credit),
                "text": line.text,
                "tax_code": line.tax_code,
                "is_tax": line.is_tax,
            }
            for line in (entry.lines if entry else ())
        ],
        "problems": [
            {
                "reason_type": p.reason_type,
                "message": p.message,
                "mapping_kind": p.mapping_kind,
                "pleo_key": p.pleo_key,
            }
            for p in preview.problems
        ],
        "erp_problems": list(preview.erp_problems),
    }


@router.post(
    "/integrations/{int:pk}/run-now", response={202: StartedOperationOut}, auth=role(ACCOUNTANT)
)
def run_integration_now(request, pk: int):
    """Check Pleo for export jobs now, in the background; a worker processes what waits."""
    integration = integration_of(request, pk)
    operation, started = start_operation(
        OperationKind.RUN_NOW, integration=integration, user=request.auth
    )
    return Status(202, {"operation": operation, "started": started})


@router.get(
    "/integrations/{int:pk}/operations/{int:operation_pk}",
    response=OperationOut,
    auth=role(VIEWER),
)
def get_operation(request, pk: int, operation_pk: int):
    integration = integration_of(request, pk)
    return one(integration.operations.all(), "operation", pk=operation_pk)

"""Reconciliation: runs comparing the hub, Pleo and the ERP, and the discrepancies they find."""

from __future__ import annotations

from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from exporthub.api.auth import role
from exporthub.api.common import integration_of, one, pleo_problem
from exporthub.api.pagination import DEFAULT_LIMIT, page_schema, paginate
from exporthub.api.problems import Problem, invalid
from exporthub.api.schemas import (
    AcknowledgeIn,
    DiscrepancyFilters,
    DiscrepancyOut,
    JobOut,
    ReconciliationIn,
    ReconciliationRunOut,
)
from exporthub.core.access import ACCOUNTANT, VIEWER
from exporthub.dashboard.forms import AcknowledgeForm, PeriodForm
from exporthub.pleo.errors import PleoError
from exporthub.sync.reconciliation import (
    acknowledge,
    reexport,
    reexportable,
    start_run_unless_under_way,
)

router = Router(tags=["reconciliation"])


@router.get(
    "/integrations/{int:pk}/reconciliation/runs",
    response=page_schema(ReconciliationRunOut, "ReconciliationRunList"),
    auth=role(VIEWER),
)
def list_reconciliation_runs(
    request, pk: int, cursor: str | None = None, limit: int = DEFAULT_LIMIT
):
    """The company's reconciliation runs, newest first."""
    integration = integration_of(request, pk)
    return paginate(
        integration.reconciliation_runs.all(), ["-created_at", "-id"], cursor=cursor, limit=limit
    )


@router.get(
    "/integrations/{int:pk}/reconciliation/runs/latest",
    response=ReconciliationRunOut,
    auth=role(VIEWER),
)
def get_latest_reconciliation_run(request, pk: int):
    """The newest run, whatever its state (404 before the first)."""
    integration = integration_of(request, pk)
    run = integration.reconciliation_runs.first()
    if run is None:
        raise Problem(404, _("This company was not reconciled yet."), slug="not-found")
    return run


@router.post(
    "/integrations/{int:pk}/reconciliation/runs",
    response={202: ReconciliationRunOut},
    auth=role(ACCOUNTANT),
)
def start_reconciliation(request, pk: int, data: ReconciliationIn):
    """Reconcile the entries exported in the period (either end open) in the background; poll
    the run. While a run is queued or running, another answers 409."""
    integration = integration_of(request, pk)
    form = PeriodForm({k: v for k, v in data.dict().items() if v is not None})
    if not form.is_valid():
        raise invalid(form)
    run = start_run_unless_under_way(
        integration,
        user=request.auth,
        start=form.cleaned_data["start"],
        end=form.cleaned_data["end"],
    )
    if run is None:
        raise Problem(
            409, _("A reconciliation is already under way."), slug="reconciliation-under-way"
        )
    return Status(202, run)


@router.get(
    "/integrations/{int:pk}/discrepancies",
    response=page_schema(DiscrepancyOut, "DiscrepancyList"),
    auth=role(VIEWER),
)
def list_discrepancies(
    request,
    pk: int,
    filters: Query[DiscrepancyFilters],
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
):
    """What reconciliation found, by kind, newest first within a kind; filter by kind, state."""
    integration = integration_of(request, pk)
    rows = integration.discrepancies.all()
    if filters.kind:
        rows = rows.filter(kind=filters.kind)
    if filters.state:
        rows = rows.filter(state=filters.state)
    return paginate(rows, ["kind", "-found_at", "-id"], cursor=cursor, limit=limit)


def _discrepancies(request, pk: int):
    return integration_of(request, pk).discrepancies.all()


@router.post(
    "/integrations/{int:pk}/discrepancies/{int:discrepancy_pk}/acknowledge",
    response=DiscrepancyOut,
    auth=role(ACCOUNTANT),
)
def acknowledge_discrepancy(request, pk: int, discrepancy_pk: int, data: AcknowledgeIn):
    """Say why the difference is right (the reason is required and kept in the activity log)."""
    discrepancy = one(_discrepancies(request, pk), "discrepancy", pk=discrepancy_pk)
    form = AcknowledgeForm(data.dict())
    if not form.is_valid():
        raise invalid(form, _("Say why this is right before acknowledging it."))
    acknowledge(discrepancy, user=request.auth, reason=form.cleaned_data["reason"])
    return discrepancy


@router.post(
    "/integrations/{int:pk}/discrepancies/{int:discrepancy_pk}/reexport",
    response={201: JobOut},
    auth=role(ACCOUNTANT),
)
def reexport_discrepancy(request, pk: int, discrepancy_pk: int):
    """Export an entry the ERP lost again, in a new Pleo export job (posted once more: it is
    gone from the books). Only an open "missing in the ERP" discrepancy; others answer 409."""
    rows = _discrepancies(request, pk)
    discrepancy = one(rows, "discrepancy", pk=discrepancy_pk)
    if not reexportable(rows.filter(pk=discrepancy.pk)).exists():
        raise Problem(
            409,
            _("Only an open discrepancy missing in the ERP is exported again."),
            slug="not-reexportable",
            extra={"kind": discrepancy.kind, "state": discrepancy.state},
        )
    try:
        job = reexport(discrepancy, user=request.auth)
    except PleoError as error:
        raise pleo_problem(error) from None
    return Status(201, job)

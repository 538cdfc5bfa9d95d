"""The reconciliation page: what a run found, by kind, with the action that fixes each."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from exporthub.core.access import ACCOUNTANT, VIEWER, role_required
from exporthub.dashboard import scope
from exporthub.dashboard.forms import AcknowledgeForm, PeriodForm
from exporthub.pleo.errors import PleoError
from exporthub.sync.reconciliation import (
    acknowledge,
    reexport,
    reexportable,
    start_run_unless_under_way,
)
from exporthub.sync.reconciliation_models import DiscrepancyKind, DiscrepancyState


@role_required(VIEWER)
def reconciliation(request: HttpRequest, pk: int) -> HttpResponse:
    integration = get_object_or_404(scope.integrations(request.user), pk=pk)
    discrepancies = integration.discrepancies.select_related("item", "acknowledged_by")
    open_rows = list(discrepancies.filter(state=DiscrepancyState.OPEN)[:500])
    groups = [
        (kind, label, [row for row in open_rows if row.kind == kind])
        for kind, label in DiscrepancyKind.choices
    ]
    context = {
        "integration": integration,
        "run": integration.reconciliation_runs.first(),
        "groups": [group for group in groups if group[2]],
        "acknowledged": discrepancies.filter(state=DiscrepancyState.ACKNOWLEDGED)[:100],
        "form": PeriodForm(),
    }
    return render(request, "dashboard/reconciliation/reconciliation.html", context)


@require_POST
@role_required(ACCOUNTANT)
def reconciliation_run(request: HttpRequest, pk: int) -> HttpResponse:
    integration = get_object_or_404(scope.integrations(request.user), pk=pk)
    form = PeriodForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect("dashboard:reconciliation", pk=integration.pk)
    data = form.cleaned_data
    run = start_run_unless_under_way(
        integration, user=request.user, start=data["start"], end=data["end"]
    )
    if run is None:
        messages.info(request, _("A reconciliation is already under way."))
    else:
        messages.success(request, _("Reconciliation started; this page shows what it finds."))
    return redirect("dashboard:reconciliation", pk=integration.pk)


@require_POST
@role_required(ACCOUNTANT)
def discrepancy_acknowledge(request: HttpRequest, pk: int, discrepancy_pk: int) -> HttpResponse:
    integration = get_object_or_404(scope.integrations(request.user), pk=pk)
    discrepancy = get_object_or_404(integration.discrepancies, pk=discrepancy_pk)
    form = AcknowledgeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why this is right before acknowledging it."))
        return redirect("dashboard:reconciliation", pk=integration.pk)
    acknowledge(discrepancy, user=request.user, reason=form.cleaned_data["reason"])
    messages.success(request, _("Acknowledged."))
    return redirect("dashboard:reconciliation", pk=integration.pk)


@require_POST
@role_required(ACCOUNTANT)
def discrepancy_reexport(request: HttpRequest, pk: int, discrepancy_pk: int) -> HttpResponse:
    """Export an entry the ERP lost again, in a new Pleo job (posted once more: it is gone)."""
    integration = get_object_or_404(scope.integrations(request.user), pk=pk)
    discrepancy = get_object_or_404(reexportable(integration.discrepancies), pk=discrepancy_pk)
    try:
        job = reexport(discrepancy, user=request.user)
    except PleoError as error:
        messages.error(
            request, _("Pleo did not create the export job: %(error)s") % {"error": error}
        )
        return redirect("dashboard:reconciliation", pk=integration.pk)
    messages.success(request, _("Export job created; reconcile again to check the result."))
    return redirect("dashboard:job-detail", pk=job.pk)

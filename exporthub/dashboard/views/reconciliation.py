"""The reconciliation page: what a run found, by kind, with the action that fixes each."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from exporthub.core.access import ACCOUNTANT, VIEWER, role_required
from exporthub.core.activity import log_activity
from exporthub.dashboard import scope
from exporthub.pleo.errors import PleoError
from exporthub.sync.actions import create_export_job
from exporthub.sync.reconciliation import acknowledge, start_run
from exporthub.sync.reconciliation_models import (
    DiscrepancyKind,
    DiscrepancyState,
    RunState,
)


class PeriodForm(forms.Form):
    start = forms.DateField(label=gettext_lazy("From"), required=False)
    end = forms.DateField(label=gettext_lazy("To"), required=False)

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            raise forms.ValidationError(_("The period ends before it starts."))
        return data


class AcknowledgeForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Why this is right"), max_length=500)


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
    unfinished = integration.reconciliation_runs.filter(
        state__in=[RunState.QUEUED, RunState.RUNNING]
    ).exists()
    if unfinished:
        messages.info(request, _("A reconciliation is already under way."))
    else:
        data = form.cleaned_data
        start_run(integration, user=request.user, start=data["start"], end=data["end"])
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
    log_activity(
        "dashboard.discrepancy.acknowledged",
        actor=request.user,
        company_id=integration.pleo_connection.company_id,
        obj=discrepancy,
        after={"kind": discrepancy.kind, "reason": discrepancy.reason},
    )
    messages.success(request, _("Acknowledged."))
    return redirect("dashboard:reconciliation", pk=integration.pk)


@require_POST
@role_required(ACCOUNTANT)
def discrepancy_reexport(request: HttpRequest, pk: int, discrepancy_pk: int) -> HttpResponse:
    """Export an entry the ERP lost again, in a new Pleo job (posted once more: it is gone)."""
    integration = get_object_or_404(scope.integrations(request.user), pk=pk)
    discrepancy = get_object_or_404(
        integration.discrepancies,
        pk=discrepancy_pk,
        kind=DiscrepancyKind.MISSING_IN_ERP,
        state=DiscrepancyState.OPEN,
    )
    try:
        job = create_export_job(
            integration, [str(discrepancy.accounting_entry_id)], user=request.user
        )
    except PleoError as error:
        messages.error(
            request, _("Pleo did not create the export job: %(error)s") % {"error": error}
        )
        return redirect("dashboard:reconciliation", pk=integration.pk)
    messages.success(request, _("Export job created; reconcile again to check the result."))
    return redirect("dashboard:job-detail", pk=job.pk)

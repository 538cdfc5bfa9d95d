from __future__ import annotations

from django.contrib import messages
from django.db.models import Count, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from exporthub.core.access import ACCOUNTANT, VIEWER, has_role, role_required
from exporthub.dashboard import scope
from exporthub.dashboard.forms import QueueFilterForm
from exporthub.dashboard.preview import preview_posting
from exporthub.dashboard.views.common import (
    page_of,
    query_without_page,
    render_page,
    safe_next,
)
from exporthub.pleo.errors import PleoError
from exporthub.sync.actions import create_export_job, run_now
from exporthub.sync.models import OperationKind
from exporthub.sync.operations import latest as latest_operation
from exporthub.sync.operations import start_operation
from exporthub.sync.queue_mirror import apply_job_results, record_export_request

MAX_EXPORT = 10_000


@role_required(VIEWER)
def queue(request: HttpRequest, pk: int) -> HttpResponse:
    integration = get_object_or_404(scope.integrations(request.user), pk=pk)
    form = QueueFilterForm(request.GET)
    currency = wallet_currency(integration)
    rows = form.filter(integration.queued_entries.all(), currency)
    totals = rows.order_by().aggregate(n=Count("id"), minor=Sum("amount_minor"))
    page = page_of(request, rows, form.page_size, count=totals["n"])
    context = {
        "integration": integration,
        "form": form,
        "currency": currency,
        "page": page,
        "totals": totals,
        "families": _families(integration),
        "query": query_without_page(request),
        "can_export": has_role(request.user, ACCOUNTANT),
        "refresh": latest_operation(OperationKind.REFRESH_QUEUE, integration=integration),
    }
    return render_page(request, "dashboard/queue/queue.html", context, "queue-table")


def _families(integration) -> list[str]:
    return list(
        integration.queued_entries.order_by("family").values_list("family", flat=True).distinct()
    )


@require_POST
@role_required(ACCOUNTANT)
def queue_refresh(request: HttpRequest, pk: int) -> HttpResponse:
    integration = get_object_or_404(scope.integrations(request.user), pk=pk)
    _operation, started = start_operation(
        OperationKind.REFRESH_QUEUE, integration=integration, user=request.user
    )
    if not started:
        messages.info(request, _("A refresh from Pleo is already under way."))
    return redirect("dashboard:queue", pk=integration.pk)


@require_POST
@role_required(ACCOUNTANT)
def queue_export(request: HttpRequest, pk: int) -> HttpResponse:
    integration = get_object_or_404(scope.integrations(request.user), pk=pk)
    back = reverse("dashboard:queue", args=[integration.pk]) + "?" + request.POST.get("query", "")
    if request.POST.get("all_matching"):
        form = QueueFilterForm(request.POST)
        rows = form.filter(
            integration.queued_entries.filter(export_status="QUEUED"), wallet_currency(integration)
        )
        ids = [str(i) for i in rows.values_list("entry_id", flat=True)[: MAX_EXPORT + 1]]
    else:
        chosen = request.POST.getlist("entry")
        rows = integration.queued_entries.filter(entry_id__in=chosen, export_status="QUEUED")
        ids = [str(i) for i in rows.values_list("entry_id", flat=True)]
    if not ids:
        messages.error(request, "Select at least one queued entry to export.")
        return redirect(back)
    if len(ids) > MAX_EXPORT:
        messages.error(request, f"At most {MAX_EXPORT:,} entries go into one export job.")
        return redirect(back)
    try:
        job = create_export_job(integration, ids, user=request.user)
    except PleoError as error:
        messages.error(request, f"Pleo did not create the export job: {error}")
        return redirect(back)
    record_export_request(integration, ids)
    job.refresh_from_db()
    apply_job_results(job)
    messages.success(request, f"Export job created for {len(ids)} entries.")
    return redirect("dashboard:job-detail", pk=job.pk)


@require_POST
@role_required(ACCOUNTANT)
def integration_run_now(request: HttpRequest, pk: int) -> HttpResponse:
    integration = get_object_or_404(scope.integrations(request.user), pk=pk)
    try:
        waiting = run_now(integration, user=request.user)
    except PleoError as error:
        messages.error(request, f"Pleo did not answer: {error}")
    else:
        messages.success(request, f"Checked Pleo: {len(waiting)} export job(s) to process.")
    return redirect(safe_next(request, reverse("dashboard:job-list")))


@role_required(VIEWER)
def entry_preview(request: HttpRequest, pk: int, entry_id) -> HttpResponse:
    integration = get_object_or_404(scope.integrations(request.user), pk=pk)
    entry = integration.queued_entries.filter(entry_id=entry_id).first()
    context = {
        "integration": integration,
        "entry": entry,
        "entry_id": entry_id,
        "preview": preview_posting(integration, str(entry_id)),
    }
    return render_page(request, "dashboard/queue/entry_preview.html", context, "entry-preview")


def wallet_currency(integration) -> str:
    """The company's wallet currency, as its queued entries carry it ("" when none is queued)."""
    return integration.queued_entries.values_list("currency", flat=True).first() or ""

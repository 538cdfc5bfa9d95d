from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST

from exporthub.core.access import ACCOUNTANT, VIEWER, has_role, role_required
from exporthub.dashboard import scope
from exporthub.dashboard.corrections import (
    CorrectionRefused,
    correct_external_reference,
    mark_exported_manually,
)
from exporthub.dashboard.forms import ExternalReferenceForm, MarkExportedForm
from exporthub.dashboard.views.common import render_page
from exporthub.sync.models import ItemStatus

TEMPLATE = "dashboard/items/item_detail.html"


def _context(request: HttpRequest, item, **forms) -> dict:
    history = scope.items(request.user).filter(
        job__integration_id=item.job.integration_id, accounting_entry_id=item.accounting_entry_id
    )
    activity = scope.activity(request.user).filter(
        object_type="sync.exportitem", object_id=str(item.pk)
    )
    return {
        "item": item,
        "payload": item.payload or {},
        "history": history.order_by("id"),
        "activity": activity.order_by("created_at", "id")[:100],
        "can_correct": has_role(request.user, ACCOUNTANT),
        "reference_form": forms.get("reference_form")
        or ExternalReferenceForm(
            initial={"external_id": item.external_id, "external_url": item.external_url}
        ),
        "mark_form": forms.get("mark_form") or MarkExportedForm(),
    }


@role_required(VIEWER)
def item_detail(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(scope.items(request.user), pk=pk)
    return render_page(request, TEMPLATE, _context(request, item))


@require_POST
@role_required(ACCOUNTANT)
def item_reference(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(scope.items(request.user), pk=pk)
    form = ExternalReferenceForm(request.POST)
    if form.is_valid():
        try:
            correct_external_reference(item, **form.cleaned_data, user=request.user)
        except CorrectionRefused as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, "The external reference is corrected, here and in Pleo.")
            return redirect("dashboard:item-detail", pk=item.pk)
    context = _context(request, item, reference_form=form)
    return render_page(request, TEMPLATE, context, status=422)


@require_POST
@role_required(ACCOUNTANT)
def item_mark_exported(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(scope.items(request.user), pk=pk)
    form = MarkExportedForm(request.POST)
    if item.status == ItemStatus.SUCCESSFUL:
        form.add_error(None, "This item is already exported.")
    elif form.is_valid():
        try:
            mark_exported_manually(item, **form.cleaned_data, user=request.user)
        except CorrectionRefused as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, "The item is marked as exported, here and in Pleo.")
            return redirect("dashboard:item-detail", pk=item.pk)
    context = _context(request, item, mark_form=form)
    return render_page(request, TEMPLATE, context, status=422)

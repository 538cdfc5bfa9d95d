from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from exporthub.core.access import ACCOUNTANT, VIEWER, has_role, role_required
from exporthub.dashboard import scope
from exporthub.dashboard.corrections import (
    CorrectionRefused,
    Outcome,
    correct,
)
from exporthub.dashboard.forms import ExternalReferenceForm, MarkExportedForm
from exporthub.dashboard.job_timeline import timeline
from exporthub.dashboard.views.common import render_page
from exporthub.sync.correction_models import Correction, CorrectionKind, CorrectionState

TEMPLATE = "dashboard/items/item_detail.html"


def _context(request: HttpRequest, item, **forms) -> dict:
    history = scope.items(request.user).filter(
        job__integration_id=item.job.integration_id, accounting_entry_id=item.accounting_entry_id
    )
    activity = scope.activity(request.user).filter(
        object_type="sync.exportitem", object_id=str(item.pk)
    )
    corrections = Correction.objects.filter(item=item).select_related("job")
    return {
        "item": item,
        "payload": item.payload or {},
        "history": history.order_by("id"),
        "activity": timeline(activity.select_related("actor").order_by("created_at", "id")[:100]),
        "corrections": corrections.order_by("-id")[:20],
        "can_correct": has_role(request.user, ACCOUNTANT),
        "reference_form": forms.get("reference_form")
        or ExternalReferenceForm(
            initial={"external_id": item.external_id, "external_url": item.external_url}
        ),
        "mark_form": forms.get("mark_form") or MarkExportedForm(),
    }


def outcome_message(outcome: Outcome) -> str:
    """What the accountant is told after asking for a correction."""
    if outcome.applied:
        if outcome.unchanged:
            return _("The item already has this reference; nothing was changed.")
        if outcome.kind == CorrectionKind.MANUAL:
            return _("The item is marked as exported, here and in Pleo.")
        return _("The external reference is corrected, here and in Pleo.")
    correction = outcome.correction
    if outcome.unchanged:
        return _("This correction was already asked for; nothing new was sent.")
    if correction.state == CorrectionState.CONFIRMED:
        return _("Pleo has the correction: it was written back in a correction job.")
    if correction.state == CorrectionState.SENT:
        return _(
            "The correction is sent to Pleo in a correction job; it shows as confirmed once "
            "the hub has written it back."
        )
    if correction.state == CorrectionState.FAILED:
        return _("The correction failed: %(reason)s") % {"reason": correction.failure_reason}
    return _("The correction is recorded and waits to be sent to Pleo (another export is running).")


def _announce(request: HttpRequest, outcome: Outcome) -> None:
    failed = outcome.correction is not None and outcome.correction.state == CorrectionState.FAILED
    (messages.error if failed else messages.success)(request, outcome_message(outcome))


@role_required(VIEWER)
def item_detail(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(scope.items(request.user), pk=pk)
    return render_page(request, TEMPLATE, _context(request, item))


@require_POST
@role_required(ACCOUNTANT)
def item_reference(request: HttpRequest, pk: int) -> HttpResponse:
    return _correct(request, pk, ExternalReferenceForm, "reference_form", CorrectionKind.REFERENCE)


@require_POST
@role_required(ACCOUNTANT)
def item_mark_exported(request: HttpRequest, pk: int) -> HttpResponse:
    return _correct(request, pk, MarkExportedForm, "mark_form", CorrectionKind.MANUAL)


def _correct(request: HttpRequest, pk: int, form_class, form_name: str, kind: str) -> HttpResponse:
    """Apply the posted correction of `kind` and go back to the item, or show the form again
    (as `form_name`) with what was wrong."""
    item = get_object_or_404(scope.items(request.user), pk=pk)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            outcome = correct(item, kind=kind, **form.cleaned_data, user=request.user)
        except CorrectionRefused as refused:
            form.add_error(None, str(refused))
        else:
            _announce(request, outcome)
            return redirect("dashboard:item-detail", pk=item.pk)
    context = _context(request, item, **{form_name: form})
    return render_page(request, TEMPLATE, context, status=422)

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from exporthub.core.access import ACCOUNTANT, VIEWER, has_role, role_required
from exporthub.dashboard import scope
from exporthub.dashboard.forms import QueueFilterForm, entry_ids
from exporthub.dashboard.keyset import keyset_page
from exporthub.dashboard.preview import preview_posting
from exporthub.dashboard.queue_export import MAX_EXPORT, export_entries, problem_counts
from exporthub.dashboard.queue_summary import queue_totals, wallet_currency
from exporthub.dashboard.templatetags.dashboard import money
from exporthub.dashboard.views.common import query_without_page, render_page, safe_next
from exporthub.pleo.errors import PleoError
from exporthub.sync.models import OperationKind
from exporthub.sync.operations import latest as latest_operation
from exporthub.sync.operations import start_operation

QUEUE_COLUMNS = 9  # columns of a queue row besides the checkbox (the preview row spans them)


@role_required(VIEWER)
def queue(request: HttpRequest, pk: int) -> HttpResponse:
    integration = get_object_or_404(scope.integrations(request.user), pk=pk)
    form = QueueFilterForm(request.GET)
    currency = wallet_currency(integration)
    rows = form.filter(integration.queued_entries.all(), currency)
    if form.filter_errors() and not request.htmx:
        messages.error(
            request,
            _("Left out of the filter: %(errors)s") % {"errors": "; ".join(form.filter_errors())},
        )
    field, descending = form.sort_key
    page = keyset_page(
        rows,
        field,
        descending,
        form.page_size,
        after=request.GET.get("after", ""),
        before=request.GET.get("before", ""),
    )
    context = {
        "integration": integration,
        "form": form,
        "currency": currency,
        "page": page,
        "totals": queue_totals(integration, form, rows),
        "families": _families(integration),
        "query": query_without_page(request),
        "can_export": has_role(request.user, ACCOUNTANT),
        "refresh": latest_operation(OperationKind.REFRESH_QUEUE, integration=integration),
    }
    return render_page(request, "dashboard/queue/queue.html", context, "queue-table")


def _families(integration) -> list[str]:
    """The entry types in the queue, from its totals (a few hundred rows, not the mirror)."""
    return list(
        integration.queue_day_totals.exclude(family="")
        .order_by("family")
        .values_list("family", flat=True)
        .distinct()
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
    """Export the chosen (or all matching) queued entries in one new Pleo job.

    When some of them have known pre-flight problems, the first POST shows how many have which
    problem and exports nothing; the same form posted again with `confirm=1` exports them all,
    and with `skip_problems=1` only those without known problems.
    """
    integration = get_object_or_404(scope.integrations(request.user), pk=pk)
    back = reverse("dashboard:queue", args=[integration.pk]) + "?" + request.POST.get("query", "")
    queued = integration.queued_entries.filter(export_status="QUEUED")
    if request.POST.get("skip_problems"):  # the confirmation step's "only those without problems"
        queued = queued.filter(problems="")
    if request.POST.get("all_matching"):
        form = QueueFilterForm(request.POST)
        if form.filter_errors():
            messages.error(
                request,
                _("Nothing exported; fix the filter: %(errors)s")
                % {"errors": "; ".join(form.filter_errors())},
            )
            return redirect(back)
        rows = form.order(form.filter(queued, wallet_currency(integration)))
        ids = [str(i) for i in rows.values_list("entry_id", flat=True)[: MAX_EXPORT + 1]]
    else:
        chosen = entry_ids(request.POST.getlist("entry"))
        if chosen is None:
            messages.error(request, _("Nothing exported: the selection holds an unknown entry id."))
            return redirect(back)
        rows = queued.filter(entry_id__in=chosen)
        ids = [str(i) for i in rows.values_list("entry_id", flat=True)]
    if not ids:
        messages.error(request, _("Select at least one queued entry to export."))
        return redirect(back)
    if len(ids) > MAX_EXPORT:
        messages.error(
            request,
            _("At most %(limit)s entries go into one export job.") % {"limit": f"{MAX_EXPORT:,}"},
        )
        return redirect(back)
    if request.POST.get("confirm") != "1":
        problems = problem_counts(rows)
        if problems:
            context = {
                "integration": integration,
                "count": len(ids),
                "problems": problems,
                "with_problems": (with_problems := rows.exclude(problems="").count()),
                "without_problems": len(ids) - with_problems,
                "posted": [
                    (key, value)
                    for key in request.POST
                    if key not in ("csrfmiddlewaretoken", "confirm", "skip_problems")
                    for value in request.POST.getlist(key)
                ],
                "back": back,
            }
            return render(request, "dashboard/queue/export_confirm.html", context)
    try:
        job = export_entries(integration, ids, user=request.user)
    except PleoError as error:
        messages.error(
            request, _("Pleo did not create the export job: %(error)s") % {"error": error}
        )
        return redirect(back)
    messages.success(
        request,
        ngettext(
            "Export job created for %(count)d entry.",
            "Export job created for %(count)d entries.",
            len(ids),
        )
        % {"count": len(ids)},
    )
    return redirect("dashboard:job-detail", pk=job.pk)


@require_POST
@role_required(ACCOUNTANT)
def integration_run_now(request: HttpRequest, pk: int) -> HttpResponse:
    integration = get_object_or_404(scope.integrations(request.user), pk=pk)
    _operation, started = start_operation(
        OperationKind.RUN_NOW, integration=integration, user=request.user
    )
    if started:
        messages.success(
            request, _("Checking Pleo for export jobs; they show here as a worker takes them.")
        )
    else:
        messages.info(request, _("A check of Pleo for export jobs is already under way."))
    return redirect(safe_next(request, reverse("dashboard:job-list")))


@role_required(VIEWER)
def entry_preview(request: HttpRequest, pk: int, entry_id) -> HttpResponse:
    """The dry-run posting of one entry: a page, or (for htmx) a table row placed right after
    the entry's row in the queue."""
    integration = get_object_or_404(scope.integrations(request.user), pk=pk)
    entry = integration.queued_entries.filter(entry_id=entry_id).first()
    preview = preview_posting(integration, str(entry_id))
    context = {
        "integration": integration,
        "entry": entry,
        "entry_id": entry_id,
        "preview": preview,
        "title": preview_title(entry, preview),
        "columns": QUEUE_COLUMNS + has_role(request.user, ACCOUNTANT),
    }
    template = "dashboard/queue/entry_preview.html"
    if request.htmx and (request.htmx.target or "").startswith("preview-row-"):
        return render(request, f"{template}#entry-preview-row", {**context, "in_row": True})
    return render_page(request, template, context, "entry-preview")


def preview_title(entry, preview) -> str:
    """ "Hotel Adlon · 1,234.50 DKK": the entry as the queue names it (or as its export item
    does, once it has left the queue)."""
    source = entry if entry is not None else preview.source
    if source is None or source.amount_minor is None:
        return _("an entry not in the queue")
    supplier = source.supplier or _("Unknown supplier")
    return f"{supplier} · {money(source.amount_minor, source.currency)}"

from __future__ import annotations

import io

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from exporthub.core.access import ADMIN, role_required
from exporthub.core.activity import log_activity
from exporthub.dashboard import scope
from exporthub.dashboard.connections import erp_choices
from exporthub.dashboard.forms import MappingForm, MappingImportForm
from exporthub.dashboard.mapping_usage import mapping_usage
from exporthub.sync.mapping_csv import MappingImportError, export_mappings, import_mappings
from exporthub.sync.mapping_health import items_at_risk, mapping_flags
from exporthub.sync.models import Mapping, OperationKind
from exporthub.sync.operations import latest as latest_operation
from exporthub.sync.operations import start_operation


@role_required(ADMIN)
def mapping_list(request: HttpRequest, pk: int) -> HttpResponse:
    integration = get_object_or_404(scope.integrations(request.user), pk=pk)
    form = MappingForm(
        request.POST or None,
        initial={"kind": request.GET.get("kind", ""), "pleo_key": request.GET.get("pleo_key", "")},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        mapping, created = Mapping.objects.update_or_create(
            integration=integration,
            kind=data["kind"],
            pleo_key=data["pleo_key"],
            defaults={k: data[k] for k in ("pleo_label", "erp_key", "erp_label")},
        )
        log_activity(
            "dashboard.mapping.saved",
            actor=request.user,
            company_id=integration.pleo_connection.company_id,
            obj=mapping,
            after={"kind": mapping.kind, "pleo_key": mapping.pleo_key, "erp_key": mapping.erp_key},
        )
        _recheck(integration, request.user)
        messages.success(request, f"Mapping saved: {mapping}.")
        return redirect("dashboard:mapping-list", pk=integration.pk)
    mappings = list(integration.mappings.order_by("kind", "pleo_key"))
    usage = mapping_usage(integration)
    flags = {flag.mapping.pk: flag for flag in mapping_flags(integration)}
    at_risk = items_at_risk(integration) if flags else {}
    context = {
        "integration": integration,
        "form": form,
        "import_form": MappingImportForm(),
        "rows": [(m, usage.get(m.pk), flags.get(m.pk), at_risk.get(m.pk, 0)) for m in mappings],
        "choices": erp_choices(integration.erp_connection),
        "operations": [
            latest_operation(OperationKind.REFRESH_ERP_RECORDS, integration=integration,
                             erp_connection=integration.erp_connection),
            latest_operation(OperationKind.RECHECK_PREFLIGHT, integration=integration),
        ],
    }  # fmt: skip
    return render(
        request, "dashboard/mappings/mapping_list.html", context, status=422 if form.errors else 200
    )


@require_POST
@role_required(ADMIN)
def mapping_delete(request: HttpRequest, pk: int, mapping_pk: int) -> HttpResponse:
    integration = get_object_or_404(scope.integrations(request.user), pk=pk)
    mapping = get_object_or_404(integration.mappings, pk=mapping_pk)
    before = {"kind": mapping.kind, "pleo_key": mapping.pleo_key, "erp_key": mapping.erp_key}
    mapping.delete()
    log_activity(
        "dashboard.mapping.deleted",
        actor=request.user,
        company_id=integration.pleo_connection.company_id,
        before=before,
    )
    _recheck(integration, request.user)
    messages.success(request, "Mapping deleted.")
    return redirect("dashboard:mapping-list", pk=integration.pk)


@role_required(ADMIN)
def mapping_export(request: HttpRequest, pk: int) -> HttpResponse:
    integration = get_object_or_404(scope.integrations(request.user), pk=pk)
    response = HttpResponse(export_mappings(integration), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="mappings-{integration.pk}.csv"'
    return response


@require_POST
@role_required(ADMIN)
def mapping_import(request: HttpRequest, pk: int) -> HttpResponse:
    integration = get_object_or_404(scope.integrations(request.user), pk=pk)
    form = MappingImportForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "Choose a CSV file to import.")
        return redirect("dashboard:mapping-list", pk=integration.pk)
    try:
        text = form.cleaned_data["file"].read().decode("utf-8-sig")
        count = import_mappings(integration, io.StringIO(text))
    except UnicodeDecodeError:
        messages.error(request, "The file is not UTF-8 text.")
    except MappingImportError as error:
        messages.error(request, "Nothing was imported: " + " ".join(error.problems[:20]))
    else:
        log_activity(
            "dashboard.mapping.imported",
            actor=request.user,
            company_id=integration.pleo_connection.company_id,
            obj=integration,
            rows=count,
        )
        _recheck(integration, request.user)
        messages.success(request, f"Imported {count} mappings.")
    return redirect("dashboard:mapping-list", pk=integration.pk)


@require_POST
@role_required(ADMIN)
def mapping_refresh_records(request: HttpRequest, pk: int) -> HttpResponse:
    integration = get_object_or_404(scope.integrations(request.user), pk=pk)
    _operation, started = start_operation(
        OperationKind.REFRESH_ERP_RECORDS,
        integration=integration,
        erp_connection=integration.erp_connection,
        user=request.user,
    )
    if not started:
        messages.info(request, _("The ERP's records are already being read."))
    return redirect("dashboard:mapping-list", pk=integration.pk)


def _recheck(integration, user) -> None:
    """Pre-flight badges follow the mappings: re-checked by a worker, not in this request."""
    start_operation(OperationKind.RECHECK_PREFLIGHT, integration=integration, user=user)

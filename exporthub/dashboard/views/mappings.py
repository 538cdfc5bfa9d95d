from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from exporthub.core.access import ADMIN, role_required
from exporthub.dashboard import scope
from exporthub.dashboard.connections import erp_choices
from exporthub.dashboard.erp_records import ensure_fresh, request_refresh
from exporthub.dashboard.forms import MappingForm, MappingImportForm
from exporthub.dashboard.mapping_usage import mapping_usage
from exporthub.sync.mapping_csv import MAX_IMPORT_BYTES, MappingImportError, export_mappings
from exporthub.sync.mapping_edits import delete_mapping, import_csv, save_mapping
from exporthub.sync.mapping_health import items_at_risk, mapping_flags
from exporthub.sync.models import OperationKind
from exporthub.sync.operations import latest as latest_operation

FIX_FIELDS = ("kind", "pleo_key", "pleo_label")  # what a fix link from a failure carries


@role_required(ADMIN)
def mapping_list(request: HttpRequest, pk: int) -> HttpResponse:
    integration = get_object_or_404(scope.integrations(request.user), pk=pk)
    records = ensure_fresh(integration.erp_connection, user=request.user, integration=integration)
    if request.htmx and request.htmx.target == "erp-suggestions":
        return _suggestions(request, integration, records)
    form = MappingForm(
        request.POST or None,
        initial={name: request.GET.get(name, "") for name in FIX_FIELDS},
        integration=integration,
    )
    if request.method == "POST" and form.is_valid():
        mapping, _created = save_mapping(integration, form.cleaned_data, user=request.user)
        messages.success(request, _("Mapping saved: %(mapping)s.") % {"mapping": mapping})
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
        "records": records,
        "fix": {name: form[name].value() for name in FIX_FIELDS},
        "operations": [
            latest_operation(OperationKind.REFRESH_ERP_RECORDS, integration=integration,
                             erp_connection=integration.erp_connection),
            latest_operation(OperationKind.RECHECK_PREFLIGHT, integration=integration),
        ],
    }  # fmt: skip
    return render(
        request, "dashboard/mappings/mapping_list.html", context, status=422 if form.errors else 200
    )


def _suggestions(request: HttpRequest, integration, records) -> HttpResponse:
    """Only the ERP's suggested values, for the page's poll while a worker reads them."""
    context = {
        "integration": integration,
        "choices": erp_choices(integration.erp_connection),
        "records": records,
    }
    return render(request, "dashboard/mappings/mapping_list.html#erp-suggestions", context)


@require_http_methods(["GET", "POST"])
@role_required(ADMIN)
def mapping_delete(request: HttpRequest, pk: int, mapping_pk: int) -> HttpResponse:
    """GET asks to confirm (a page of its own, so it works without JavaScript); POST deletes."""
    integration = get_object_or_404(scope.integrations(request.user), pk=pk)
    mapping = get_object_or_404(integration.mappings, pk=mapping_pk)
    if request.method == "GET":
        context = {
            "integration": integration,
            "mapping": mapping,
            "usage": mapping_usage(integration).get(mapping.pk),
        }
        return render(request, "dashboard/mappings/mapping_confirm_delete.html", context)
    delete_mapping(mapping, user=request.user)
    messages.success(request, _("Mapping deleted."))
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
        messages.error(request, _("Choose a CSV file to import."))
        return redirect("dashboard:mapping-list", pk=integration.pk)
    upload = form.cleaned_data["file"]
    if upload.size > MAX_IMPORT_BYTES:
        messages.error(
            request,
            _("Nothing was imported: the file is larger than %(size)s MB.")
            % {"size": MAX_IMPORT_BYTES // 2**20},
        )
        return redirect("dashboard:mapping-list", pk=integration.pk)
    try:
        text = upload.read().decode("utf-8-sig")
        count = import_csv(integration, text, user=request.user)
    except UnicodeDecodeError:
        messages.error(request, _("The file is not UTF-8 text."))
    except MappingImportError as error:
        messages.error(
            request,
            _("Nothing was imported: %(problems)s") % {"problems": " ".join(error.problems[:20])},
        )
    else:
        messages.success(request, _("Imported %(count)s mappings.") % {"count": count})
    return redirect("dashboard:mapping-list", pk=integration.pk)


@require_POST
@role_required(ADMIN)
def mapping_refresh_records(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask a worker to read the ERP's records now; back to the page (and the mapping being
    written, as a fix link started it), which shows them once they are read."""
    integration = get_object_or_404(scope.integrations(request.user), pk=pk)
    request_refresh(integration.erp_connection, user=request.user, integration=integration)
    messages.info(request, _("Reading the ERP's records; they appear here when they are read."))
    fix = {name: request.POST[name] for name in FIX_FIELDS if request.POST.get(name)}
    target = reverse("dashboard:mapping-list", args=[integration.pk])
    return redirect(f"{target}?{urlencode(fix)}#mapping-form" if fix else target)

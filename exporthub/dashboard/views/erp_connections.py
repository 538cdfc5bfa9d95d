from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from exporthub.connectors.models import ConnectorConfig
from exporthub.connectors.registry import (
    available_connectors,
    connector_choices,
    get_connector_class,
)
from exporthub.core.access import ADMIN, role_required
from exporthub.dashboard.connections import (
    erp_forms_valid,
    erp_settings_form,
    save_erp_connection,
    test_erp_connection,
)
from exporthub.dashboard.forms import ErpConnectionForm


@role_required(ADMIN)
def erp_connection_list(request: HttpRequest) -> HttpResponse:
    context = {
        "connections": ConnectorConfig.objects.order_by("name"),
        "kinds": connector_choices(),
    }
    return render(request, "dashboard/settings/erp_list.html", context)


@role_required(ADMIN)
def erp_connection_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    config = get_object_or_404(ConnectorConfig, pk=pk) if pk else None
    kind = config.kind if config else request.GET.get("kind", "")
    if kind not in available_connectors():
        raise Http404(_("Unknown connector."))
    data = request.POST if request.method == "POST" else None
    form = ErpConnectionForm(data, initial={"name": config.name if config else ""}, config=config)
    settings_form = erp_settings_form(kind, config, data)
    valid = data is not None and erp_forms_valid(config, kind, form, settings_form)
    if valid:
        config = save_erp_connection(
            config, kind, form.cleaned_data["name"], settings_form, user=request.user
        )
        messages.success(request, _("ERP connection “%(name)s” saved.") % {"name": config.name})
        return redirect("dashboard:erp-connection-edit", pk=config.pk)
    context = {
        "form": form,
        "settings_form": settings_form,
        "config": config,
        "kind": kind,
        "label": get_connector_class(kind).label,
    }
    return render(request, "dashboard/settings/erp_form.html", context, status=422 if data else 200)


@require_POST
@role_required(ADMIN)
def erp_connection_test(request: HttpRequest, pk: int) -> HttpResponse:
    config = get_object_or_404(ConnectorConfig, pk=pk)
    result = test_erp_connection(config, user=request.user)
    (messages.success if result.ok else messages.error)(request, result.message)
    return redirect("dashboard:erp-connection-edit", pk=config.pk)

from __future__ import annotations

from django import forms
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
from exporthub.connectors.settings_policy import settings_problems
from exporthub.core.access import ADMIN, role_required
from exporthub.core.activity import log_activity
from exporthub.dashboard.connections import test_erp_connection
from exporthub.dashboard.forms import ErpConnectionForm


@role_required(ADMIN)
def erp_connection_list(request: HttpRequest) -> HttpResponse:
    context = {
        "connections": ConnectorConfig.objects.order_by("name"),
        "kinds": connector_choices(),
    }
    return render(request, "dashboard/settings/erp_list.html", context)


def _settings_form(kind: str, config: ConnectorConfig | None, data=None) -> forms.Form | None:
    form_class = get_connector_class(kind).config_form
    if form_class is None:
        return None
    secret_fields = get_connector_class(kind).secret_fields
    initial = {
        k: v for k, v in (config.settings if config else {}).items() if k not in secret_fields
    }
    form = form_class(data, initial=initial, prefix="settings")
    for name in secret_fields:
        if name in form.fields:
            form.fields[name].required = False
            form.fields[name].widget = forms.PasswordInput(render_value=False)
            form.fields[name].help_text = (
                _("••• set; leave empty to keep it.")
                if config and config.secret(name)
                else _("Not set.")
            )
    return form


@role_required(ADMIN)
def erp_connection_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    config = get_object_or_404(ConnectorConfig, pk=pk) if pk else None
    kind = config.kind if config else request.GET.get("kind", "")
    if kind not in available_connectors():
        raise Http404(_("Unknown connector."))
    data = request.POST if request.method == "POST" else None
    form = ErpConnectionForm(data, initial={"name": config.name if config else ""}, config=config)
    settings_form = _settings_form(kind, config, data)
    valid = (
        data is not None
        and form.is_valid()
        and (settings_form is None or settings_form.is_valid())
        and _follows_policy(config, kind, settings_form)
    )
    if valid:
        config = _save(config, kind, form.cleaned_data["name"], settings_form)
        log_activity(
            "dashboard.erp.saved",
            actor=request.user,
            obj=config,
            after={"name": config.name, "kind": kind, "settings": config.settings},
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


def _follows_policy(config, kind, settings_form) -> bool:
    """Apply the connector settings policy (URLs, secrets with a new endpoint, data paths)."""
    if settings_form is None:
        return True
    secret_fields = get_connector_class(kind).secret_fields
    entered = {k for k in secret_fields if settings_form.cleaned_data.get(k)}
    before = dict(config.settings or {}) if config else {}
    after = {
        **before,
        **{k: v for k, v in settings_form.cleaned_data.items() if k not in secret_fields},
    }
    problems = settings_problems(
        kind,
        before=before,
        after=after,
        secrets_entered=entered,
        secrets_stored=config.secrets_set() if config else [],
    )
    for name, message in problems.items():
        settings_form.add_error(name if name in settings_form.fields else None, message)
    return not problems


def _save(config, kind, name, settings_form) -> ConnectorConfig:
    config = config or ConnectorConfig(kind=kind)
    config.name = name
    secret_fields = get_connector_class(kind).secret_fields
    values = dict(config.settings or {})
    for key, value in (settings_form.cleaned_data if settings_form else {}).items():
        if key in secret_fields:
            if value:
                config.set_secret(key, value)
        else:
            values[key] = value
    config.settings = values
    config.save()
    return config


@require_POST
@role_required(ADMIN)
def erp_connection_test(request: HttpRequest, pk: int) -> HttpResponse:
    config = get_object_or_404(ConnectorConfig, pk=pk)
    result = test_erp_connection(config, user=request.user)
    (messages.success if result.ok else messages.error)(request, result.message)
    return redirect("dashboard:erp-connection-edit", pk=config.pk)

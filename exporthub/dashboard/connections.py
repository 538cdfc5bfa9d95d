"""Admin services for connections: testing them, and the ERP's master data as choices."""

from __future__ import annotations

import copy
from dataclasses import dataclass

from django import forms
from django.utils.translation import gettext as _

from exporthub.connectors.errors import ConnectorError
from exporthub.connectors.models import ConnectorConfig, MasterDataRecord
from exporthub.connectors.registry import build_connector, get_connector_class
from exporthub.connectors.settings_policy import settings_problems
from exporthub.core.activity import log_activity
from exporthub.core.formatting import locale_for_country
from exporthub.pleo.client import PleoClient
from exporthub.pleo.errors import PleoError
from exporthub.pleo.models import PleoConnection
from exporthub.pleo.retry import RetryPolicy
from exporthub.sync import wiring
from exporthub.sync.models import Mapping

# Which of the ERP's records a mapping of each kind points at.
RECORD_KIND_FOR_MAPPING = {
    Mapping.Kind.ACCOUNT: MasterDataRecord.Kind.ACCOUNT,
    Mapping.Kind.CONTRA_ACCOUNT: MasterDataRecord.Kind.ACCOUNT,
    Mapping.Kind.TAX_CODE: MasterDataRecord.Kind.TAX,
    Mapping.Kind.TAG: MasterDataRecord.Kind.DIMENSION,
    Mapping.Kind.VENDOR: MasterDataRecord.Kind.PARTY,
}


@dataclass(frozen=True)
class CheckResult:
    ok: bool
    message: str


# "Test connection" is a web request: it answers within this many seconds, whatever the ERP or
# Pleo does (one attempt, no retries, short timeouts).
CONNECTION_TEST_SECONDS = 10


def test_erp_connection(config: ConnectorConfig, *, user) -> CheckResult:
    """Ask the connector whether the ERP is reachable and accepts us; logged either way."""
    quick = copy.copy(config)
    timeout = float((config.settings or {}).get("timeout") or CONNECTION_TEST_SECONDS)
    quick.settings = {**(config.settings or {}), "timeout": min(timeout, CONNECTION_TEST_SECONDS)}
    try:
        with build_connector(quick) as erp:
            erp.check_connection()
    except ConnectorError as error:
        result = CheckResult(False, error.message)
    else:
        result = CheckResult(True, _("The ERP answered and accepted the credentials."))
    action = "dashboard.erp.tested" if result.ok else "dashboard.erp.test_failed"
    log_activity(action, actor=user, obj=config, ok=result.ok, message=result.message)
    return result


def test_pleo_connection(connection: PleoConnection, *, user) -> CheckResult:
    """Read the connection's company from Pleo; logged either way.

    A connection without a locale learns one from the company's country (`DK` → `da_DK`), so
    its money and dates are written the way its accountants write them.
    """
    try:
        with PleoClient.for_connection(
            connection,
            transport=wiring.pleo_transport(),
            timeout=CONNECTION_TEST_SECONDS / 2,
            retry_policy=RetryPolicy(max_attempts=1, max_total_seconds=CONNECTION_TEST_SECONDS),
        ) as pleo:
            company = pleo.get_company(str(connection.company_id))
    except PleoError as error:
        result = CheckResult(False, str(error))
    else:
        result = CheckResult(True, _("Pleo answered for %(name)s.") % {"name": company.name})
        country = company.address.country if company.address else None
        if not connection.locale and (locale := locale_for_country(country)):
            connection.locale = locale
            connection.save(update_fields=["locale", "updated_at"])
    action = "dashboard.pleo.tested" if result.ok else "dashboard.pleo.test_failed"
    log_activity(
        action,
        actor=user,
        company_id=connection.company_id,
        obj=connection,
        ok=result.ok,
        message=result.message,
        locale=connection.locale,
    )
    return result


def erp_choices(config: ConnectorConfig) -> dict[str, list[tuple[str, str]]]:
    """The ERP's active records per mapping kind as (code, label), from the master-data cache."""
    by_kind: dict[str, list[tuple[str, str]]] = {}
    records = config.master_data.filter(active=True).order_by("kind", "code")
    for kind, code, name in records.values_list("kind", "code", "name"):
        by_kind.setdefault(kind, []).append((code, f"{code} {name}".strip()))
    return {mapping: by_kind.get(record, []) for mapping, record in RECORD_KIND_FOR_MAPPING.items()}


def erp_settings_form(kind: str, config: ConnectorConfig | None, data=None) -> forms.Form | None:
    """The connector's settings form; its secret fields are never shown and may stay empty."""
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


def follows_policy(config, kind, settings_form) -> bool:
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


def erp_forms_valid(config, kind: str, form, settings_form) -> bool:
    """The name form and the settings form are valid, and the settings follow the policy."""
    return (
        form.is_valid()
        and (settings_form is None or settings_form.is_valid())
        and follows_policy(config, kind, settings_form)
    )


def save_erp_connection(config, kind: str, name: str, settings_form, *, user) -> ConnectorConfig:
    """Store the connection (secrets encrypted, an empty secret field keeps the stored one)."""
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
    log_activity(
        "dashboard.erp.saved",
        actor=user,
        obj=config,
        after={"name": config.name, "kind": kind, "settings": config.settings},
    )
    return config


def save_pleo_connection(form, *, user) -> PleoConnection:
    """Save a valid `PleoConnectionForm` (its secrets encrypted) and log it without them."""
    saved = form.save()
    log_activity(
        "dashboard.pleo.saved",
        actor=user,
        company_id=saved.company_id,
        obj=saved,
        after={
            "name": saved.name,
            "auth_method": saved.auth_method,
            "base_url": saved.base_url,
            "locale": saved.locale,
        },
    )
    return saved


def save_company(form, *, user):
    """Save a valid `IntegrationForm` (a company: its Pleo and ERP connections) and log it."""
    saved = form.save()
    log_activity(
        "dashboard.company.saved",
        actor=user,
        company_id=saved.pleo_connection.company_id,
        obj=saved,
        after={"name": saved.name},
    )
    return saved

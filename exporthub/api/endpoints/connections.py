"""Pleo and ERP connections (admins). Secrets go in, never out: answers say which are set."""

from __future__ import annotations

from django.utils.translation import gettext as _
from ninja import Router, Status

from exporthub.api.auth import role
from exporthub.api.common import one
from exporthub.api.pagination import DEFAULT_LIMIT, page_schema, paginate
from exporthub.api.problems import Problem, form_errors, invalid
from exporthub.api.schemas import (
    CheckOut,
    ErpConnectionIn,
    ErpConnectionOut,
    ErpConnectionUpdate,
    PleoConnectionIn,
    PleoConnectionOut,
)
from exporthub.connectors.models import ConnectorConfig
from exporthub.connectors.registry import (
    available_connectors,
    find_connector_class,
)
from exporthub.core.access import ADMIN
from exporthub.dashboard.connections import (
    erp_forms_valid,
    erp_settings_form,
    save_erp_connection,
    save_pleo_connection,
    test_erp_connection,
    test_pleo_connection,
)
from exporthub.dashboard.forms import ErpConnectionForm, PleoConnectionForm
from exporthub.pleo.models import PleoConnection

router = Router(tags=["connections"])


@router.get(
    "/pleo-connections",
    response=page_schema(PleoConnectionOut, "PleoConnectionList"),
    auth=role(ADMIN),
)
def list_pleo_connections(request, cursor: str | None = None, limit: int = DEFAULT_LIMIT):
    return paginate(PleoConnection.objects.all(), ["id"], cursor=cursor, limit=limit)


@router.get("/pleo-connections/{int:pk}", response=PleoConnectionOut, auth=role(ADMIN))
def get_pleo_connection(request, pk: int):
    return one(PleoConnection.objects.all(), "Pleo connection", pk=pk)


def _save_pleo(request, data: PleoConnectionIn, instance=None):
    values = {k: ("" if v is None else str(v)) for k, v in data.dict().items()}
    form = PleoConnectionForm(values, instance=instance)
    if not form.is_valid():
        raise invalid(form)
    return save_pleo_connection(form, user=request.auth)


@router.post("/pleo-connections", response={201: PleoConnectionOut}, auth=role(ADMIN))
def create_pleo_connection(request, data: PleoConnectionIn):
    return Status(201, _save_pleo(request, data))


@router.put("/pleo-connections/{int:pk}", response=PleoConnectionOut, auth=role(ADMIN))
def update_pleo_connection(request, pk: int, data: PleoConnectionIn):
    """Replace the connection's fields; an empty secret keeps the stored one (unless a URL
    changes: then it must come again)."""
    return _save_pleo(request, data, one(PleoConnection.objects.all(), "Pleo connection", pk=pk))


@router.post("/pleo-connections/{int:pk}/test", response=CheckOut, auth=role(ADMIN))
def test_pleo(request, pk: int):
    """Ask Pleo for the connection's company (one short attempt)."""
    connection = one(PleoConnection.objects.all(), "Pleo connection", pk=pk)
    result = test_pleo_connection(connection, user=request.auth)
    return {"ok": result.ok, "message": result.message}


def _erp_out(config: ConnectorConfig) -> dict:
    found = find_connector_class(config.kind)  # a connector no longer installed: no fields
    secret_fields = set(found.secret_fields) if found else set()
    return {
        "id": config.pk,
        "name": config.name,
        "kind": config.kind,
        "settings": {k: v for k, v in (config.settings or {}).items() if k not in secret_fields},
        "secrets_set": config.secrets_set(),
        "created_at": config.created_at,
        "updated_at": config.updated_at,
    }


@router.get(
    "/erp-connections",
    response=page_schema(ErpConnectionOut, "ErpConnectionList"),
    auth=role(ADMIN),
)
def list_erp_connections(request, cursor: str | None = None, limit: int = DEFAULT_LIMIT):
    return paginate(
        ConnectorConfig.objects.all(), ["id"], cursor=cursor, limit=limit, serialize=_erp_out
    )


@router.get("/erp-connections/{int:pk}", response=ErpConnectionOut, auth=role(ADMIN))
def get_erp_connection(request, pk: int):
    return _erp_out(one(ConnectorConfig.objects.all(), "ERP connection", pk=pk))


def _save_erp(request, config, kind: str, name: str, settings: dict) -> dict:
    data = {"name": name, **{f"settings-{k}": v for k, v in settings.items()}}
    form = ErpConnectionForm(data, config=config)
    settings_form = erp_settings_form(kind, config, data)
    if not erp_forms_valid(config, kind, form, settings_form):
        errors = form_errors(form) + [
            {
                "field": f"settings.{e['field']}" if e["field"] else "settings",
                "message": e["message"],
            }
            for e in (form_errors(settings_form) if settings_form else [])
        ]
        raise Problem(
            422,
            _("The request has invalid fields."),
            slug="validation",
            title=_("Invalid request"),
            errors=errors,
        )
    return _erp_out(
        save_erp_connection(
            config, kind, form.cleaned_data["name"], settings_form, user=request.auth
        )
    )


@router.post("/erp-connections", response={201: ErpConnectionOut}, auth=role(ADMIN))
def create_erp_connection(request, data: ErpConnectionIn):
    if data.kind not in available_connectors():
        raise Problem(
            422,
            _("kind is one of %(kinds)s.") % {"kinds": ", ".join(available_connectors())},
            slug="validation",
            errors=[{"field": "kind", "message": _("Unknown connector.")}],
        )
    return Status(201, _save_erp(request, None, data.kind, data.name, data.settings))


@router.put("/erp-connections/{int:pk}", response=ErpConnectionOut, auth=role(ADMIN))
def update_erp_connection(request, pk: int, data: ErpConnectionUpdate):
    """Replace the connection's settings; an empty secret keeps the stored one."""
    config = one(ConnectorConfig.objects.all(), "ERP connection", pk=pk)
    return _save_erp(request, config, config.kind, data.name, data.settings)


@router.post("/erp-connections/{int:pk}/test", response=CheckOut, auth=role(ADMIN))
def test_erp(request, pk: int):
    """Ask the ERP whether it is reachable and accepts the credentials (one short attempt)."""
    config = one(ConnectorConfig.objects.all(), "ERP connection", pk=pk)
    result = test_erp_connection(config, user=request.auth)
    return {"ok": result.ok, "message": result.message}

"""Changing an integration's mappings: save one, delete one, import a CSV; each logged, and
each followed by a re-check of the queue's pre-flight badges in a worker.

The dashboard's mapping pages and the API both change mappings through here.
"""

from __future__ import annotations

import io

from exporthub.core.activity import log_activity
from exporthub.sync.mapping_csv import import_mappings
from exporthub.sync.models import Integration, Mapping, OperationKind
from exporthub.sync.operations import start_operation

VALUE_FIELDS = ("pleo_label", "erp_key", "erp_label")


def save_mapping(integration: Integration, data: dict, *, user) -> tuple[Mapping, bool]:
    """Create or update the mapping of (kind, pleo_key) from cleaned form data; (mapping,
    created)."""
    before = (
        integration.mappings.filter(kind=data["kind"], pleo_key=data["pleo_key"])
        .values("kind", "pleo_key", "erp_key")
        .first()
    )
    mapping, created = Mapping.objects.update_or_create(
        integration=integration,
        kind=data["kind"],
        pleo_key=data["pleo_key"],
        defaults={k: data[k] for k in VALUE_FIELDS},
    )
    log_activity(
        "dashboard.mapping.saved",
        actor=user,
        company_id=integration.pleo_connection.company_id,
        obj=mapping,
        before=before,
        after={"kind": mapping.kind, "pleo_key": mapping.pleo_key, "erp_key": mapping.erp_key},
        integration=integration.pk,
    )
    recheck(integration, user)
    return mapping, created


def update_mapping(mapping: Mapping, data: dict, *, user) -> Mapping:
    """Change a stored mapping (its kind and Pleo key too) from cleaned form data."""
    integration = mapping.integration
    before = {"kind": mapping.kind, "pleo_key": mapping.pleo_key, "erp_key": mapping.erp_key}
    for name in ("kind", "pleo_key", *VALUE_FIELDS):
        setattr(mapping, name, data[name])
    mapping.save()
    log_activity(
        "dashboard.mapping.saved",
        actor=user,
        company_id=integration.pleo_connection.company_id,
        obj=mapping,
        before=before,
        after={"kind": mapping.kind, "pleo_key": mapping.pleo_key, "erp_key": mapping.erp_key},
        integration=integration.pk,
    )
    recheck(integration, user)
    return mapping


def delete_mapping(mapping: Mapping, *, user) -> None:
    integration = mapping.integration
    before = {"kind": mapping.kind, "pleo_key": mapping.pleo_key, "erp_key": mapping.erp_key}
    mapping.delete()
    log_activity(
        "dashboard.mapping.deleted",
        actor=user,
        company_id=integration.pleo_connection.company_id,
        before=before,
        integration=integration.pk,
    )
    recheck(integration, user)


def import_csv(integration: Integration, text: str, *, user) -> int:
    """Import mappings from CSV text; all or nothing (raises `MappingImportError`)."""
    count = import_mappings(integration, io.StringIO(text))
    log_activity(
        "dashboard.mapping.imported",
        actor=user,
        company_id=integration.pleo_connection.company_id,
        obj=integration,
        rows=count,
    )
    recheck(integration, user)
    return count


def recheck(integration: Integration, user) -> None:
    """Pre-flight badges follow the mappings: re-checked by a worker, not in this request."""
    start_operation(OperationKind.RECHECK_PREFLIGHT, integration=integration, user=user)

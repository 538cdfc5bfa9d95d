"""Admin services for connections: testing them, and the ERP's master data as choices."""

from __future__ import annotations

from dataclasses import dataclass

from exporthub.connectors.errors import ConnectorError
from exporthub.connectors.master_data import refresh_master_data
from exporthub.connectors.models import ConnectorConfig, MasterDataRecord
from exporthub.connectors.registry import build_connector
from exporthub.core.activity import log_activity
from exporthub.pleo.client import PleoClient
from exporthub.pleo.errors import PleoError
from exporthub.pleo.models import PleoConnection
from exporthub.sync import wiring
from exporthub.sync.models import Mapping


@dataclass(frozen=True)
class CheckResult:
    ok: bool
    message: str


def test_erp_connection(config: ConnectorConfig, *, user) -> CheckResult:
    """Ask the connector whether the ERP is reachable and accepts us; logged either way."""
    try:
        with build_connector(config) as erp:
            erp.check_connection()
    except ConnectorError as error:
        result = CheckResult(False, error.message)
    else:
        result = CheckResult(True, "The ERP answered and accepted the credentials.")
    action = "dashboard.erp.tested" if result.ok else "dashboard.erp.test_failed"
    log_activity(action, actor=user, obj=config, ok=result.ok, message=result.message)
    return result


def test_pleo_connection(connection: PleoConnection, *, user) -> CheckResult:
    """Read the connection's company from Pleo; logged either way."""
    try:
        with PleoClient.for_connection(connection, transport=wiring.pleo_transport()) as pleo:
            company = pleo.get_company(str(connection.company_id))
    except PleoError as error:
        result = CheckResult(False, str(error))
    else:
        result = CheckResult(True, f"Pleo answered for {company.name}.")
    action = "dashboard.pleo.tested" if result.ok else "dashboard.pleo.test_failed"
    log_activity(
        action,
        actor=user,
        company_id=connection.company_id,
        obj=connection,
        ok=result.ok,
        message=result.message,
    )
    return result


def erp_choices(config: ConnectorConfig) -> dict[str, list[tuple[str, str]]]:
    """The ERP's active records per mapping kind as (code, label), from the master-data cache."""
    by_kind: dict[str, list[tuple[str, str]]] = {}
    records = config.master_data.filter(active=True).order_by("kind", "code")
    for kind, code, name in records.values_list("kind", "code", "name"):
        by_kind.setdefault(kind, []).append((code, f"{code} {name}".strip()))
    accounts = by_kind.get(MasterDataRecord.Kind.ACCOUNT, [])
    return {
        Mapping.Kind.ACCOUNT: accounts,
        Mapping.Kind.CONTRA_ACCOUNT: accounts,
        Mapping.Kind.TAX_CODE: by_kind.get(MasterDataRecord.Kind.TAX, []),
        Mapping.Kind.TAG: by_kind.get(MasterDataRecord.Kind.DIMENSION, []),
        Mapping.Kind.VENDOR: by_kind.get(MasterDataRecord.Kind.PARTY, []),
    }


def refresh_erp_records(config: ConnectorConfig, *, user) -> CheckResult:
    """Read the ERP's accounts, taxes, dimensions and parties again into the cache; logged."""
    try:
        with build_connector(config) as erp:
            refresh_master_data(config, erp)
    except ConnectorError as error:
        log_activity("dashboard.erp.records_failed", actor=user, obj=config, message=error.message)
        return CheckResult(False, f"The ERP's records could not be read: {error.message}")
    log_activity("dashboard.erp.records_refreshed", actor=user, obj=config)
    return CheckResult(True, "The ERP's records are up to date.")

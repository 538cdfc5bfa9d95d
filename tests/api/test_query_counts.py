"""Every list endpoint makes as many queries for a long page as for a short one."""

from __future__ import annotations

import uuid

from django.db import connection
from django.test.utils import CaptureQueriesContext

from exporthub.connectors.models import ConnectorConfig
from exporthub.core.activity import log_activity
from exporthub.notifications.models import (
    Channel,
    Delivery,
    EventKind,
    Notification,
    Subscription,
)
from exporthub.pleo.models import PleoConnection
from exporthub.sync.models import ExportJob, Integration
from exporthub.sync.reconciliation_models import (
    Discrepancy,
    DiscrepancyKind,
    ReconciliationRun,
    RunState,
)
from tests.api.test_access import OPERATIONS, api_operations
from tests.dashboard.test_query_counts import add_rows

SHORT, LONG = 1, 5


def list_operations() -> list[str]:
    """The GET operations answering a page (those with a `next_cursor`)."""
    from exporthub.api.main import api

    schema = api.get_openapi_schema()
    found = []
    for name, (method, path) in api_operations().items():
        if method != "GET":
            continue
        ok = schema["paths"][path]["get"]["responses"].get(200, {})
        ref = ok.get("content", {}).get("application/json", {}).get("schema", {}).get("$ref", "")
        component = schema["components"]["schemas"].get(ref.rsplit("/", 1)[-1], {})
        if "next_cursor" in component.get("properties", {}):
            found.append(name)
    return found


def more_companies(integration, n: int) -> None:
    for i in range(n):
        pleo = PleoConnection.objects.create(
            name=f"Extra {i}", base_url="https://pleo.invalid", auth_method="api_key",
            api_key=f"key-{i}",
        )  # fmt: skip
        erp = ConnectorConfig.objects.create(
            name=f"Extra books {i}", kind="beancount", settings={"ledger_path": f"x{i}.beancount"}
        )
        Integration.objects.create(name=f"Extra {i}", pleo_connection=pleo, erp_connection=erp)


def more_findings_and_subscriptions(integration, n: int) -> None:
    """n reconciliation runs and discrepancies, and n subscriptions each with a delivery."""
    notification = Notification.objects.create(
        integration=integration, kind=EventKind.JOB_FAILED, key="job-1", path="/jobs/1/"
    )
    for i in range(n):
        run = ReconciliationRun.objects.create(integration=integration, state=RunState.DONE)
        Discrepancy.objects.create(
            integration=integration, run=run, accounting_entry_id=uuid.uuid4(),
            kind=DiscrepancyKind.MISSING_IN_ERP if i % 2 else DiscrepancyKind.CHANGED_IN_ERP,
        )  # fmt: skip
        subscription = Subscription.objects.create(
            integration=integration, channel=Channel.WEBHOOK, target=f"https://hooks.test/{i}",
            secret=f"whsec_{i}", events=[EventKind.JOB_FAILED],
        )  # fmt: skip
        Delivery.objects.create(notification=notification, subscription=subscription)


def queries_for(api, path: str, limit: int) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = api.get(path, {"limit": limit}) if "?" not in path else api.get(
            f"{path}&limit={limit}")  # fmt: skip
    assert response.status_code == 200, (path, response.content[:300])
    assert len(response.json()["items"]) == limit, path
    return len(captured)


def test_list_endpoints_make_as_many_queries_for_long_pages_as_for_short(
    api_as, users, integration
):
    add_rows(integration, jobs=6, items_per_job=12, queued=10)
    more_companies(integration, LONG)
    more_findings_and_subscriptions(integration, LONG)
    job = ExportJob.objects.filter(integration=integration).first()
    for n in range(LONG + 1):
        log_activity("sync.job.status_changed", actor=users["admin"], obj=job,
                     company_id=job.company_id, job=job.pk, status="in_progress")  # fmt: skip
        integration.mappings.create(kind="tag", pleo_key=f"tag-{n}", erp_key=f"T{n}")
    objects = {
        "integration": integration.pk,
        "job": job.pk,
        "group": f"integration_id={integration.pk}&reason_type=account_unknown"
        "&mapping_kind=account&pleo_key=1",
    }
    api = api_as(users["admin"])
    names = list_operations()
    assert len(names) >= 15
    assert {"list_reconciliation_runs", "list_discrepancies", "list_subscriptions",
            "list_deliveries"} <= set(names)  # fmt: skip
    for name in names:
        path = OPERATIONS[name][2].format(**objects)
        short, long = queries_for(api, path, SHORT), queries_for(api, path, LONG)
        assert long <= short, (name, short, long)
        assert short <= 12, (name, short)

"""The reconciliation page: a run from a click, discrepancies by kind, and their fixes."""

from __future__ import annotations

import re
from pathlib import Path

from django.urls import reverse

from exporthub.sync import engine
from exporthub.sync.reconciliation_models import (
    DiscrepancyKind,
    DiscrepancyState,
    ReconciliationRun,
    RunState,
)
from tests.sync.helpers import ledger_ids
from tests.sync.ledger_edits import drop_transaction


def page(client, integration) -> str:
    return client.get(reverse("dashboard:reconciliation", args=[integration.pk])).content.decode()


def reconcile(client, integration, capture, **period):
    with capture(execute=True):
        return client.post(
            reverse("dashboard:reconciliation-run", args=[integration.pk]), period, follow=True
        )


def ledger_of(integration):
    return Path(integration.erp_connection.settings["ledger_path"])


def test_an_accountant_reconciles_and_exports_a_lost_entry_again(
    client, accountant, integration, finished_job, django_capture_on_commit_callbacks
):
    client.force_login(accountant)
    assert "Not reconciled yet." in page(client, integration)
    exported = [str(i.accounting_entry_id) for i in finished_job.items.filter(status="successful")]

    reconcile(client, integration, django_capture_on_commit_callbacks)

    run = ReconciliationRun.objects.get()
    assert (run.state, run.checked, run.verified, run.found) == (
        RunState.DONE,
        len(exported),
        len(exported),
        0,
    )
    assert "No open discrepancies" in page(client, integration)
    overview = client.get(reverse("home")).content.decode()
    shown = re.findall(r"(\d+) of (\d+) verified in the ERP and in Pleo\.", overview)
    assert shown and all(verified == of for verified, of in shown)  # all exported: verified

    ledger = ledger_of(integration)
    drop_transaction(ledger, exported[0])
    reconcile(client, integration, django_capture_on_commit_callbacks)
    html = page(client, integration)
    assert "Missing in the ERP" in html and "Export again" in html
    missing = integration.discrepancies.get(kind=DiscrepancyKind.MISSING_IN_ERP)

    response = client.post(
        reverse("dashboard:discrepancy-reexport", args=[integration.pk, missing.pk])
    )
    assert response.status_code == 302
    engine.process_integration(integration.pk, "test-worker")
    assert ledger_ids(ledger).count(exported[0]) == 1  # posted again, once
    reconcile(client, integration, django_capture_on_commit_callbacks)
    missing.refresh_from_db()
    assert missing.state == DiscrepancyState.RESOLVED


def test_acknowledging_needs_a_reason(
    client, accountant, integration, finished_job, django_capture_on_commit_callbacks
):
    client.force_login(accountant)
    exported = finished_job.items.filter(status="successful").first()
    drop_transaction(ledger_of(integration), str(exported.accounting_entry_id))
    reconcile(client, integration, django_capture_on_commit_callbacks)
    missing = integration.discrepancies.get()
    url = reverse("dashboard:discrepancy-acknowledge", args=[integration.pk, missing.pk])

    client.post(url, {"reason": ""})
    missing.refresh_from_db()
    assert missing.state == DiscrepancyState.OPEN

    client.post(url, {"reason": "Reversed on purpose by the auditor"})
    missing.refresh_from_db()
    assert (missing.state, missing.acknowledged_by) == (DiscrepancyState.ACKNOWLEDGED, accountant)
    assert "Reversed on purpose by the auditor" in page(client, integration)


def test_a_bad_period_is_refused_clearly(
    client, accountant, integration, django_capture_on_commit_callbacks
):
    client.force_login(accountant)
    response = reconcile(
        client,
        integration,
        django_capture_on_commit_callbacks,
        start="2026-11-30",
        end="2026-11-01",
    )
    assert "The period ends before it starts." in response.content.decode()
    assert not ReconciliationRun.objects.exists()


def test_month_end_readiness_counts_the_newest_finished_run_only(
    client, accountant, integration, finished_job
):
    from django.utils import timezone

    months = {f"{year}-{month:02d}" for year in range(2020, 2031) for month in range(1, 13)}
    for verified, minutes_ago in ((7, 60), (3, 1)):
        ReconciliationRun.objects.create(
            integration=integration,
            state=RunState.DONE,
            verified_by_month=dict.fromkeys(months, verified),
            finished_at=timezone.now() - timezone.timedelta(minutes=minutes_ago),
        )
    ReconciliationRun.objects.create(integration=integration, state=RunState.RUNNING)
    client.force_login(accountant)

    overview = client.get(reverse("home")).content.decode()

    assert re.search(r"\b3 of \d+ verified in the ERP and in Pleo\.", overview)
    assert not re.search(r"\b7 of \d+ verified", overview)

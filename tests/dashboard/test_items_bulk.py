"""Correcting several items at once: manual marks with one reason, references, one job."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.http import urlencode

from exporthub.core.models import ActivityEntry
from exporthub.sandbox.models import ExportJob as SandboxJob
from exporthub.sandbox.models import ExportJobItem as SandboxItem
from exporthub.sync import engine
from exporthub.sync.correction_models import Correction
from tests.dashboard.conftest import export, postable_entry_ids


@pytest.fixture
def finished_job(integration, company):
    """A finished job with two exported entries and two failed ones (mapped to no account)."""
    entries = {
        str(entry.uuid): entry.lines[0]["account"]["code"]
        for entry in company.entries.filter(uuid__in=postable_entry_ids(company, 12))
    }
    codes = sorted(set(entries.values()))
    failing = [next(e for e, code in entries.items() if code == c) for c in codes[:2]]
    passing = [e for e, code in entries.items() if code not in codes[:2]][:2]
    for code in codes[:2]:  # mapped to an account the ledger does not have
        integration.mappings.update_or_create(
            kind="account", pleo_key=code, defaults={"erp_key": "Expenses:Nowhere"}
        )
    job = export(integration, passing + failing)
    assert (job.items_successful, job.items_failed) == (2, 2)
    return job


def bulk_url(*items) -> str:
    return f"{reverse('dashboard:items-bulk')}?{urlencode([('item', i.pk) for i in items])}"


def pleo_item(entry_id):
    return SandboxItem.objects.filter(entry__uuid=entry_id).latest("job__created_at", "pk")


def test_it_lists_the_selected_items_as_an_accountant_names_them(client, accountant, finished_job):
    failed = list(finished_job.items.filter(status="failed")[:2])
    exported = finished_job.items.filter(status="successful").first()
    client.force_login(accountant)
    page = client.get(bulk_url(*failed, exported)).content.decode()
    assert page.count('<tr data-item="') == 3
    assert exported.supplier in page
    assert exported.external_id in page
    assert f'name="external_id_{failed[0].pk}"' in page


def test_it_marks_failed_items_and_corrects_a_reference_in_one_correction_job(
    client, accountant, integration, finished_job, ledger_of
):
    failed = list(finished_job.items.filter(status="failed")[:2])
    exported = finished_job.items.filter(status="successful").first()
    ledger = ledger_of(integration)
    client.force_login(accountant)
    response = client.post(
        reverse("dashboard:items-bulk"),
        {
            "item": [failed[0].pk, failed[1].pk, exported.pk],
            f"external_id_{failed[0].pk}": "HAND-1",
            f"external_id_{failed[1].pk}": "HAND-2",
            f"external_id_{exported.pk}": "MOVE-3",
            f"external_url_{exported.pk}": "https://erp.example.com/moves/3",
            "reason": "Booked by hand during the ERP outage.",
        },
    )
    assert response.status_code == 302

    assert SandboxJob.objects.filter(is_interactive=False).count() == 1
    engine.process_integration(integration.pk, "test-worker")

    assert set(Correction.objects.values_list("state", flat=True)) == {"confirmed"}
    assert pleo_item(failed[0].accounting_entry_id).external_id == "HAND-1"
    assert pleo_item(failed[1].accounting_entry_id).external_id == "HAND-2"
    assert pleo_item(exported.accounting_entry_id).external_id == "MOVE-3"
    for item in failed:
        item.refresh_from_db()
        assert item.status == "successful"
    assert ledger_of(integration) == ledger  # nothing posted
    reasons = ActivityEntry.objects.filter(
        action="sync.correction.confirmed", data__kind="manual"
    ).values_list("data__reason", flat=True)
    assert list(reasons) == ["Booked by hand during the ERP outage."] * 2
    page = client.get(response["Location"]).content.decode()
    assert page.count('data-state="confirmed"') == 3


def test_it_asks_for_a_reason_before_marking_anything(client, accountant, finished_job):
    failed = finished_job.items.filter(status="failed").first()
    client.force_login(accountant)
    response = client.post(
        reverse("dashboard:items-bulk"),
        {"item": [failed.pk], f"external_id_{failed.pk}": "HAND-1", "reason": ""},
    )
    assert response.status_code == 422
    assert "Give a reason" in response.content.decode()
    assert not Correction.objects.exists()


def test_it_refuses_a_post_without_any_change(client, accountant, finished_job):
    exported = finished_job.items.filter(status="successful").first()
    client.force_login(accountant)
    response = client.post(
        reverse("dashboard:items-bulk"),
        {"item": [exported.pk], f"external_id_{exported.pk}": exported.external_id},
    )
    assert response.status_code == 422
    assert "Nothing to change" in response.content.decode()


def test_it_answers_404_when_no_selected_item_is_visible(client, accountant, db):
    client.force_login(accountant)
    assert client.get(reverse("dashboard:items-bulk") + "?item=999999&item=x").status_code == 404


def test_it_makes_as_many_queries_for_four_rows_as_for_one(client, accountant, finished_job):
    items = list(finished_job.items.all())
    client.force_login(accountant)
    counts = []
    for selection in (items[:1], items):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(bulk_url(*selection)).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_odd_item_ids_are_left_out_not_a_server_error(client, accountant, finished_job):
    client.force_login(accountant)
    item = finished_job.items.first()
    page = client.get(reverse("dashboard:items-bulk"), {"item": ["\u00b2", "9" * 40, item.pk]})
    assert page.status_code == 200
    assert page.content.decode().count('name="item"') == 1

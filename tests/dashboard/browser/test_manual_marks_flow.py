"""An accountant marks failed entries exported by hand from their job's page; Pleo has them."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from exporthub.sandbox.models import AccountingEntry as SandboxEntry
from exporthub.sync.queue_mirror import refresh_export_queue
from tests.dashboard.browser.conftest import shot
from tests.dashboard.conftest import (
    PASSWORD,
    export,
    make_company,
    make_user,
    unpostable_entry_ids,
)

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_failed_entries_marked_exported_by_hand_reach_the_sandbox(
    browser, live_server, django_user_model, tmp_path
):
    sandbox_url = f"{live_server.url}/sandbox/pleo"
    integration = make_company("Nordlys Design ApS", sandbox_url, tmp_path, entries=150)
    accountant = make_user(django_user_model, "anna", "accountant", [integration])
    failing = unpostable_entry_ids(integration.sandbox_company)[:2]
    assert len(failing) == 2
    job = export(integration, failing)
    assert job.status == "completed_with_errors"
    refresh_export_queue(integration)

    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.goto(f"{live_server.url}/accounts/login/?next=/jobs/{job.pk}/")
    page.get_by_label("User name").fill(accountant.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    # The job's entries are named as an accountant knows them; she picks the two that failed.
    expect(page.locator("#job-items tbody tr")).to_have_count(2)
    for item in job.items.filter(status="failed"):
        page.locator(f'#job-items input[name="item"][value="{item.pk}"]').check()
    shot(page, "job-failed-entries")
    page.get_by_role("button", name="Act on the selected entries…").click()

    # One id each, one reason; the hub sends them to Pleo in one correction job.
    expect(page.get_by_role("heading", name="Correct several items")).to_be_visible()
    boxes = page.locator('#items-bulk input[name^="external_id_"]')
    expect(boxes).to_have_count(2)
    for number in range(2):
        boxes.nth(number).fill(f"HAND-{number + 1}")
    page.get_by_label("Reason").fill("Booked by hand in the ERP")
    shot(page, "bulk-manual-marks")
    page.get_by_role("button", name="Apply and tell Pleo").click()
    expect(page.locator(".flash")).to_be_visible()
    shot(page, "after-manual-marks")

    # Pleo now counts both entries as exported.
    for entry_id in failing:
        assert SandboxEntry.objects.get(uuid=entry_id).export_status == "EXPORTED"

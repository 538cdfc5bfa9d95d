"""An accountant marks failed entries exported by hand from their failure group; Pleo has them."""

from __future__ import annotations

import re

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
    integration = make_company("Nordlys Design ApS", f"{live_server.url}/sandbox/pleo", tmp_path)
    accountant = make_user(django_user_model, "anna", "accountant", [integration])
    failing = two_failing_for_one_cause(integration.sandbox_company)
    job = export(integration, failing)
    assert job.status == "completed_with_errors"
    refresh_export_queue(integration)

    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.goto(f"{live_server.url}/accounts/login/?next=/failures/")
    page.get_by_label("User name").fill(accountant.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    # The failure group lists the entries as an accountant knows them; select-all picks both.
    group = page.locator(".failure-group").first
    expect(group).to_contain_text("account unknown")
    group.get_by_role("link", name="Show the 2 items").click()
    expect(page.locator("#group-items tbody tr")).to_have_count(2)
    page.locator("#select-all-items").check()
    expect(page.locator('#group-items input[name="item"]:checked')).to_have_count(2)
    shot(page, "failure-group")
    page.get_by_role("button", name=re.compile("Mark the selected entries")).click()

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


def two_failing_for_one_cause(company) -> list[str]:
    """Two queued entries whose uncoded category is the same (so one failure group)."""
    by_account: dict[str, list[str]] = {}
    for entry_id in unpostable_entry_ids(company):
        entry = SandboxEntry.objects.get(uuid=entry_id)
        account = next(line["account"]["id"] for line in entry.lines if line.get("account"))
        by_account.setdefault(account, []).append(entry_id)
    return next(ids[:2] for ids in by_account.values() if len(ids) >= 2)

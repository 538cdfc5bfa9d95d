"""An accountant reconciles after someone deleted and edited postings in the ledger."""

from __future__ import annotations

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from tests.dashboard.browser.conftest import shot
from tests.dashboard.conftest import PASSWORD, export, make_company, make_user, postable_entry_ids
from tests.dashboard.test_reconciliation import ledger_of
from tests.sync.ledger_edits import drop_transaction, shift_amounts

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_an_accountant_sees_what_the_ledger_lost_and_changed(
    browser, live_server, django_user_model, tmp_path
):
    integration = make_company("Nordlys Design ApS", f"{live_server.url}/sandbox/pleo", tmp_path)
    accountant = make_user(django_user_model, "anna", "accountant", [integration])
    ids = postable_entry_ids(integration.sandbox_company, 3)
    job = export(integration, ids)
    assert job.status == "completed"
    ledger = ledger_of(integration)
    drop_transaction(ledger, ids[0])
    shift_amounts(ledger, ids[1], Decimal("100.00"))

    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.goto(f"{live_server.url}/accounts/login/?next=/companies/{integration.pk}/reconciliation/")
    page.get_by_label("User name").fill(accountant.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("button", name="Reconcile now").click()

    missing = page.locator("#discrepancies-missing_in_erp")
    expect(missing).to_contain_text("Missing in the ERP (1)")
    expect(missing.get_by_role("button", name="Export again")).to_be_visible()
    expect(page.locator("#reconciliation-run")).to_contain_text(
        "3 exported entries checked, 1 verified"
    )
    changed = page.locator("#discrepancies-changed_in_erp")
    expect(changed).to_contain_text("Changed in the ERP (1)")
    expect(changed.locator("tr.differs")).to_have_count(2)  # the shifted line and the contra
    shot(page, "reconciliation-discrepancy")

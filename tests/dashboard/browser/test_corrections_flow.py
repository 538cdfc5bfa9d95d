"""An accountant corrects a reference on a finished job in a real browser; Pleo then has it."""

from __future__ import annotations

import base64

import pytest
from playwright.sync_api import expect

from tests.dashboard.browser.conftest import shot
from tests.dashboard.conftest import (
    PASSWORD,
    export,
    make_company,
    make_user,
    postable_entry_ids,
)

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]
URL = "https://erp.example.com/moves/77"


def test_a_reference_corrected_on_a_finished_job_reaches_the_sandbox(
    browser, live_server, django_user_model, tmp_path
):
    integration = make_company("Nordlys Design ApS", f"{live_server.url}/sandbox/pleo", tmp_path)
    accountant = make_user(django_user_model, "anna", "accountant", [integration])
    entry = postable_entry_ids(integration.sandbox_company, 1)[0]
    job = export(integration, [entry])
    assert job.status == "completed"
    item = job.items.get()

    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.goto(f"{live_server.url}/accounts/login/?next=/items/{item.pk}/")
    page.get_by_label("User name").fill(accountant.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Export item")).to_be_visible()
    form = page.locator("#item-correct-reference")
    form.get_by_label("External id").fill("MOVE-77")
    form.get_by_label("External URL").fill(URL)
    form.get_by_role("button", name="Save and tell Pleo").click()

    # The correction job ran in the background (synchronously here): the row says confirmed.
    expect(page.locator("#item-corrections [data-state]")).to_have_text("Confirmed")
    expect(page.locator("#item-reference")).to_contain_text("MOVE-77")
    shot(page, "item-corrected")

    # Pleo (the sandbox's API, as an integration reads it) shows the corrected reference.
    correction = item.corrections.get()
    key = base64.b64encode(f"{integration.pleo_connection.api_key}:".encode()).decode()
    pleo = browser.new_context(extra_http_headers={"Authorization": f"Basic {key}"}).new_page()
    pleo.goto(f"{live_server.url}/sandbox/pleo/v3/export-jobs/{correction.pleo_job_id}/items")
    expect(pleo.locator("body")).to_contain_text("MOVE-77")
    expect(pleo.locator("body")).to_contain_text(URL)
    shot(pleo, "sandbox-corrected")

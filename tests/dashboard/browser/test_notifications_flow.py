"""An admin subscribes the bookkeeper to failures; the failed export reaches her inbox."""

from __future__ import annotations

import pytest
from django.core import mail
from playwright.sync_api import expect

from exporthub.notifications.tasks import sweep_and_deliver
from tests.dashboard.browser.conftest import shot
from tests.dashboard.conftest import (
    PASSWORD,
    export,
    make_company,
    make_user,
    postable_entry_ids,
    unpostable_entry_ids,
)

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_a_subscribed_bookkeeper_hears_of_failed_entries(
    browser, live_server, django_user_model, tmp_path
):
    integration = make_company("Nordlys Design ApS", f"{live_server.url}/sandbox/pleo", tmp_path)
    admin = make_user(django_user_model, "adam", "admin")

    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.goto(f"{live_server.url}/accounts/login/?next=/notifications/")
    page.get_by_label("User name").fill(admin.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_label("How").select_option("email")
    page.get_by_label("Email address or webhook URL").fill("books@nordlys.test")
    page.get_by_role("button", name="Subscribe").click()
    expect(page.locator("#subscriptions")).to_contain_text("books@nordlys.test")

    company = integration.sandbox_company
    job = export(integration, postable_entry_ids(company, 2) + unpostable_entry_ids(company)[:2])
    assert job.status == "completed_with_errors"
    assert sweep_and_deliver() == 1

    page.get_by_role("link", name="Deliveries").click()
    row = page.locator("#deliveries tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("An export job ended with errors")
    expect(row).to_contain_text("sent")
    shot(page, "notification-delivered")
    (message,) = mail.outbox
    assert message.to == ["books@nordlys.test"]
    assert f"ended with errors: {job.items_failed} entr" in message.body
    assert f"/jobs/{job.pk}/" in message.body

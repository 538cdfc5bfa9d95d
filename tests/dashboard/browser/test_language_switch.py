"""A Danish accountant switches the interface to Danish in a browser without JavaScript."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from exporthub.sync.queue_mirror import refresh_export_queue
from tests.dashboard.browser.conftest import shot
from tests.dashboard.conftest import PASSWORD, make_company, make_user

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_it_switches_to_danish_and_shows_a_danish_companys_money(
    browser, live_server, django_user_model, tmp_path
):
    integration = make_company("Nordlys Design ApS", f"{live_server.url}/sandbox/pleo", tmp_path)
    integration.pleo_connection.locale = "da_DK"
    integration.pleo_connection.save(update_fields=["locale"])
    accountant = make_user(django_user_model, "anna", "accountant", [integration])
    refresh_export_queue(integration)
    queue = reverse("dashboard:queue", args=[integration.pk])
    context = browser.new_context(
        java_script_enabled=False, locale="en-US", viewport={"width": 1280, "height": 900}
    )
    page = context.new_page()

    page.goto(f"{live_server.url}/accounts/login/?next={queue}")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.get_by_role("button", name="Dansk").click()

    expect(page.get_by_role("heading", name="Log ind")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "da")
    page.get_by_label("Brugernavn").fill(accountant.username)
    page.get_by_label("Adgangskode").fill(PASSWORD)
    page.get_by_role("button", name="Log ind").click()

    nav = page.get_by_role("navigation", name="Hovedmenu")
    expect(nav.get_by_role("link", name="Overblik")).to_be_visible()
    expect(nav.get_by_role("link", name="Eksportjob")).to_be_visible()
    expect(page.get_by_role("button", name="Log ud")).to_be_visible()
    expect(page.locator("main").get_by_text(" kr.").first).to_be_visible()
    shot(page, "queue-in-danish")

    page.get_by_role("button", name="English").click()
    expect(
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Overview")
    ).to_be_visible()
    context.close()

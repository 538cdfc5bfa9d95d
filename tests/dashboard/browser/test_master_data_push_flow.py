"""An admin pushes the ledger's tax codes and dimensions into Pleo from the mappings page."""

from __future__ import annotations

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from exporthub.sandbox.models import Tag, TaxCode
from tests.dashboard.browser.conftest import shot
from tests.dashboard.conftest import PASSWORD, make_company, make_user
from tests.dashboard.test_master_data_push import DECLARED

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_an_admin_reviews_and_pushes_the_erps_records_into_pleo(
    browser, live_server, django_user_model, tmp_path
):
    integration = make_company("Nordlys Design ApS", f"{live_server.url}/sandbox/pleo", tmp_path)
    config = integration.erp_connection
    config.settings = {**config.settings, **DECLARED}
    config.save()
    admin = make_user(django_user_model, "adam", "admin")
    company = integration.sandbox_company

    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.goto(f"{live_server.url}/accounts/login/?next=/companies/{integration.pk}/mappings/")
    page.get_by_label("User name").fill(admin.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    page.get_by_role("link", name="Push ERP records to Pleo").click()
    page.get_by_role("button", name="Compare the ERP with Pleo").click()
    plan = page.locator("#push-plan tbody tr")
    expect(plan.filter(has_text="COST:C1")).to_have_count(1)
    expect(plan.filter(has_text="Reduced VAT 6 % (0.06)")).to_have_count(1)
    shot(page, "master-data-push-plan")

    page.get_by_role("button", name="Push to Pleo").click()
    expect(page.locator("#push-outcome")).to_contain_text("COST:C1")
    shot(page, "master-data-push-done")

    assert Tag.objects.get(group__company=company, group__code="COST", code="C1").name == (
        "Cost centre 1"
    )
    assert TaxCode.objects.get(company=company, code="V6").rate == Decimal("0.06")
    assert not TaxCode.objects.filter(company=company, archived=True).exists()

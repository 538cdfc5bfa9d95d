"""An accountant and an admin in a real browser: export, watch, fix, retry, correct."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from exporthub.sandbox.models import ExportJobItem as SandboxItem
from exporthub.sync.models import ExportItem, ExportJob
from exporthub.sync.queue_mirror import refresh_export_queue
from tests.dashboard.browser.conftest import shot
from tests.dashboard.conftest import (
    PASSWORD,
    make_company,
    make_user,
    postable_entry_ids,
    running_job_with_exported_item,
    unpostable_entry_ids,
)

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def sign_in(browser, live_server, name: str):
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("User name").fill(name)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Overview")).to_be_visible()
    return page


def test_it_exports_fixes_retries_and_corrects_in_a_browser(
    browser, live_server, django_user_model, tmp_path
):
    integration = make_company("Nordlys Design ApS", f"{live_server.url}/sandbox/pleo", tmp_path)
    company = integration.sandbox_company
    accountant = make_user(django_user_model, "anna", "accountant", [integration])
    make_user(django_user_model, "adam", "admin")
    refresh_export_queue(integration)
    good = postable_entry_ids(company, 3)
    bad = unpostable_entry_ids(company)[0]

    # The accountant sees the queue, selects entries and exports them.
    page = sign_in(browser, live_server, accountant.username)
    shot(page, "overview")
    page.get_by_role("link", name="Export queue").click()
    expect(page.get_by_role("heading", name=re.compile("Export queue"))).to_be_visible()
    page.get_by_label("Per page").select_option("100")  # htmx swaps the table in place
    expect(page).to_have_url(re.compile("per_page=100"))
    shot(page, "queue")

    # The dry run opens in a row right after the entry's own row.
    page.locator(f"#entry-row-{good[0]}").get_by_role("link", name=re.compile("Preview")).click()
    preview = page.locator(f"#preview-row-{good[0]}")
    expect(preview).to_contain_text("Dry run:")
    follows = page.evaluate(f"document.getElementById('entry-row-{good[0]}').nextElementSibling.id")
    assert follows == f"preview-row-{good[0]}"
    shot(page, "queue-preview")

    # Select-all checks and clears every entry on the page.
    select_all = page.get_by_label("Select every entry on this page")
    boxes = page.locator('input[name="entry"]')
    select_all.check()
    expect(boxes.and_(page.locator(":not(:checked)"))).to_have_count(0)
    select_all.uncheck()
    expect(boxes.and_(page.locator(":checked"))).to_have_count(0)

    for entry in [*good, bad]:
        page.locator(f'input[name="entry"][value="{entry}"]').check()
    page.get_by_role("button", name="Export selected").click()

    # One of them has a known problem: the hub asks before exporting.
    expect(page.locator("#export-confirm")).to_contain_text("1 entry: no account mapping")
    shot(page, "export-confirm")
    page.get_by_role("button", name="Export 4 entries anyway").click()

    # The job page shows the progress bar, which stops polling once the job has ended.
    progress = page.locator("#job-progress")
    expect(progress).to_have_attribute("data-finished", "true")
    expect(page.get_by_role("progressbar")).to_be_visible()
    expect(page.locator(".flash")).to_contain_text("Export job created for 4 entries")
    shot(page, "job")

    # A failure group names the cause and links to the fix.
    page.get_by_role("link", name="Failures").click()
    group = page.locator(".failure-group").first
    expect(group).to_contain_text("account unknown")
    shot(page, "failures")
    fix_url = group.get_by_role("link", name=re.compile("mapping")).get_attribute("href")

    # The admin follows the fix link and adds the missing mappings.
    admin = sign_in(browser, live_server, "adam")
    failed = ExportItem.objects.get(accounting_entry_id=bad)
    for kind, key, erp in missing_mappings(failed.payload):
        admin.goto(f"{live_server.url}{fix_url.split('?')[0]}?kind={kind}&pleo_key={key}")
        expect(admin.get_by_label("Pleo key")).to_have_value(key)
        admin.get_by_label("ERP value").fill(erp)
        admin.get_by_role("button", name="Save mapping").click()
        expect(admin.locator(".flash")).to_contain_text("Mapping saved")
    shot(admin, "mappings")

    # The accountant retries the group; the items end exported.
    page.goto(f"{live_server.url}/failures/")
    page.get_by_role("button", name="Retry this group").click()
    expect(page.locator("#job-progress")).to_have_attribute("data-finished", "true")
    retry = ExportJob.objects.order_by("-id").first()
    assert retry.status == "completed"
    assert ExportItem.objects.get(job=retry, accounting_entry_id=bad).status == "successful"
    page.goto(f"{live_server.url}/failures/")
    expect(page.get_by_role("heading", name="No failures")).to_be_visible()

    # The accountant corrects an external reference while its job still runs; Pleo has it.
    entry = postable_entry_ids(company, 1)[0]
    job, item = running_job_with_exported_item(integration, entry)
    page.goto(f"{live_server.url}/items/{item.pk}/")
    page.get_by_label("External id").fill("NEW-42")
    page.get_by_label("External URL").fill("https://erp.example.com/moves/42")
    page.get_by_role("button", name="Save and tell Pleo").click()
    expect(page.locator(".flash")).to_contain_text("corrected, here and in Pleo")
    shot(page, "item")
    remote = SandboxItem.objects.get(job__uuid=job.pleo_id, entry__uuid=entry)
    assert (remote.external_id, remote.external_url) == (
        "NEW-42",
        "https://erp.example.com/moves/42",
    )

    # Its job page polls while the job runs; when the job ends the whole page updates.
    page.goto(f"{live_server.url}/jobs/{job.pk}/")
    summary = page.locator("#job-summary")
    expect(summary).to_have_attribute("data-finished", "false")
    expect(summary).to_contain_text("not yet")
    ExportJob.objects.filter(pk=job.pk).update(status="completed", completed_at=timezone.now())
    expect(summary).to_have_attribute("data-finished", "true", timeout=30_000)
    expect(summary.locator(".page-head .badge")).to_have_text("completed")
    expect(summary).not_to_contain_text("not yet")
    expect(page.locator("#job-body")).to_contain_text("The job has ended")
    expect(page.locator("#job-items")).to_contain_text("NEW-42")
    shot(page, "job-ended")

    page.goto(f"{live_server.url}/jobs/")
    shot(page, "jobs")
    page.goto(f"{live_server.url}/activity/")
    shot(page, "activity")


def missing_mappings(payload) -> list[tuple[str, str, str]]:
    found = []
    for line in payload["accountingEntryLines"]:
        if not line["account"]["code"]:
            found.append(("account", line["account"]["id"], "6030"))
        if line.get("tax") and not line["tax"]["code"]:
            found.append(("tax_code", line["tax"]["id"], "I25"))
    return list(dict.fromkeys(found))

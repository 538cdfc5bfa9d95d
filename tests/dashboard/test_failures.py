from __future__ import annotations

import re
import uuid

from django.urls import reverse
from django.utils.http import urlencode

from exporthub.dashboard.failures import failure_groups, fix_for
from exporthub.sync.models import ExportItem, ExportJob, Mapping
from tests.sync.ledger_check import assert_on_the_right_accounts


def test_it_links_each_cause_to_its_fix_from_data():
    fix = fix_for("account_unknown", "account", "6999", "Miscellaneous")
    assert (fix.kind, fix.mapping_kind, fix.pleo_key, fix.pleo_label) == (
        "mapping", "account", "6999", "Miscellaneous")  # fmt: skip
    assert fix_for("account_unknown", "account", "").kind == "pleo"  # no category in Pleo
    assert fix_for("accounting_system_unreachable", "", "").kind == "erp"
    assert fix_for("validation_failure", "", "").kind == "item"


def test_it_groups_failures_by_their_data_with_count_and_fix(client, viewer, finished_job):
    failed = finished_job.items.filter(status="failed")
    groups = failure_groups(ExportItem.objects.all())
    assert {(g.reason_type, g.mapping_kind, g.pleo_key) for g in groups} == set(
        failed.values_list("failure_reason_type", "failure_mapping_kind", "failure_pleo_key")
    )
    assert sum(g.count for g in groups) == failed.count()
    client.force_login(viewer)
    page = client.get(reverse("dashboard:failure-list")).content.decode()
    group = groups[0]
    assert f"pleo_key={group.fix.pleo_key}" in page
    assert "Map Pleo category &#x27;Miscellaneous (unmapped)&#x27; to an ERP account." in page
    assert "ready to retry" not in page  # nothing is fixed yet
    assert "Retry this group" not in page  # viewers cannot retry, and nothing is fixed


def test_a_group_without_a_fix_offers_no_retry_and_then_says_ready_to_retry(
    client, accountant, integration, finished_job
):
    failed = finished_job.items.filter(status="failed").first()
    client.force_login(accountant)
    assert "Retry this group" not in client.get(reverse("dashboard:failure-list")).content.decode()

    integration.mappings.create(kind=failed.failure_mapping_kind, pleo_key=failed.failure_pleo_key,
                                erp_key="6030")  # fmt: skip

    group = next(g for g in failure_groups(ExportItem.objects.all())
                 if g.pleo_key == failed.failure_pleo_key)  # fmt: skip
    assert group.ready == group.count
    page = client.get(reverse("dashboard:failure-list")).content.decode()
    assert f"ready to retry ({group.count})" in page
    assert "Retry this group" in page


def test_a_line_without_a_category_is_fixed_in_pleo_not_retried(client, accountant, integration):
    no_category = "Line 2 has no category in Pleo: fix the category in Pleo, then export again."
    job = failed_items(integration, [{"failure_reason_type": "account_unknown",
                                      "failure_mapping_kind": "account", "failure_pleo_key": "",
                                      "failure_reason": no_category}])  # fmt: skip
    client.force_login(accountant)
    page = client.get(group_url(integration, "account_unknown", "account", "")).content.decode()
    assert "Fix the category in Pleo, then export again." in page
    assert "Retry this group" not in page
    assert job.items.count() == 1


def test_the_group_page_names_its_items_as_an_accountant_knows_them(
    client, viewer, accountant, integration
):
    rows = [
        {"failure_reason_type": "tax_code_unknown", "failure_mapping_kind": "tax_code",
         "failure_pleo_key": "X20", "failure_pleo_label": "X20", "entry_date": f"2026-03-0{n}",
         "amount_minor": 123456 + n, "currency": "DKK", "supplier": f"Supplier {n}",
         "category_code": "6000", "category_name": "Meals", "employee": "Bo Madsen",
         "failure_reason": "Map Pleo tax code X20 to an ERP tax code."}
        for n in range(1, 4)
    ]  # fmt: skip
    job = failed_items(integration, rows)
    client.force_login(accountant)
    page = client.get(group_url(integration, "tax_code_unknown", "tax_code", "X20"))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Supplier 1" in html and "Supplier 3" in html
    assert "Meals (6000)" in html and "Bo Madsen" in html and "2026-03-02" in html
    assert "1,234.57" in html or "1.234,57" in html or "1234.57" in html
    for item in job.items.all():
        assert f'name="item" value="{item.pk}"' in html
        assert str(item.accounting_entry_id) not in html  # UUIDs only on the item page
    assert 'id="select-all-items"' in html
    assert "<form" in html
    assert "pleo_key=X20" in html and "kind=tax_code" in html  # the mapping editor, prefilled
    assert f'action="{reverse("dashboard:items-bulk")}"' in html  # marks and corrections
    client.force_login(viewer)
    seen = client.get(group_url(integration, "tax_code_unknown", "tax_code", "X20"))
    assert "Supplier 1" in seen.content.decode()
    assert 'name="item"' not in seen.content.decode()  # viewers cannot act


def test_the_group_page_pages_its_items(client, accountant, integration):
    from exporthub.dashboard.views.failures import ITEMS_PER_PAGE

    failed_items(integration, [{"failure_reason_type": "tag_unknown", "failure_mapping_kind": "tag",
                                "failure_pleo_key": "DEPT:X", "supplier": f"S{n:03}"}
                               for n in range(ITEMS_PER_PAGE + 3)])  # fmt: skip
    client.force_login(accountant)
    url = group_url(integration, "tag_unknown", "tag", "DEPT:X")
    first = client.get(url).content.decode()
    assert first.count('name="item"') == ITEMS_PER_PAGE
    assert 'rel="prev"' not in first
    after = re.search(r'href="\?([^"]+)" rel="next"', first).group(1).replace("&amp;", "&")
    second = client.get(reverse("dashboard:failure-group", args=[integration.pk]) + "?" + after)
    second = second.content.decode()
    assert second.count('name="item"') == 3
    assert 'rel="next"' not in second and 'rel="prev"' in second


def test_an_unknown_group_page_is_not_found(client, viewer, integration):
    client.force_login(viewer)
    assert client.get(group_url(integration, "tag_unknown", "tag", "NOPE")).status_code == 404


def group_url(integration, reason_type, mapping_kind, pleo_key) -> str:
    query = urlencode(
        {"reason_type": reason_type, "mapping_kind": mapping_kind, "pleo_key": pleo_key}
    )
    return reverse("dashboard:failure-group", args=[integration.pk]) + "?" + query


def failed_items(integration, rows: list[dict]) -> ExportJob:
    job = ExportJob.objects.create(
        integration=integration,
        pleo_id=uuid.uuid4(),
        company_id=integration.pleo_connection.company_id,
        status="completed_with_errors",
        pleo_created_at="2026-03-01T12:00:00Z",
    )
    ExportItem.objects.bulk_create(
        ExportItem(job=job, accounting_entry_id=uuid.uuid4(), status="failed", **row)
        for row in rows
    )
    return job


def test_it_exports_the_group_again_after_the_fix(
    client, accountant, integration, company, finished_job, django_capture_on_commit_callbacks
):
    failed = finished_job.items.get(status="failed")
    group = failure_groups(ExportItem.objects.all())[0]
    fix_mappings(integration, failed.payload)
    client.force_login(accountant)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("dashboard:failure-retry"), {"integration": integration.pk, **group.key}
        )
    new_job = ExportJob.objects.exclude(pk=finished_job.pk).get()
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard:job-detail", args=[new_job.pk])
    new_job.refresh_from_db()
    assert new_job.status == "completed", new_job.items.get().failure_reason
    assert new_job.items.get().status == "successful"
    assert failure_groups(ExportItem.objects.all()) == []
    # Booked on the accounts the fix named: the category mapped to Expenses:Office (6030).
    mapped = {
        line["account"]["id"]: "6030"
        for line in failed.payload["accountingEntryLines"]
        if not line["account"]["code"]
    }
    assert mapped
    ledger = integration.erp_connection.settings["ledger_path"]
    assert_on_the_right_accounts(ledger, company, [str(failed.accounting_entry_id)], mapped)


def test_it_refuses_an_unknown_group(client, accountant, finished_job):
    client.force_login(accountant)
    response = client.post(
        reverse("dashboard:failure-retry"),
        {"integration": finished_job.integration_id, "reason_type": "nope"},
    )
    assert response.status_code == 404


def fix_mappings(integration, payload) -> None:
    """What an admin does after reading the group: map the code-less accounts and tax codes."""
    for line in payload["accountingEntryLines"]:
        if not line["account"]["code"]:
            integration.mappings.get_or_create(
                kind=Mapping.Kind.ACCOUNT, pleo_key=line["account"]["id"], erp_key="6030"
            )
        if line.get("tax") and not line["tax"]["code"]:
            integration.mappings.get_or_create(
                kind=Mapping.Kind.TAX_CODE, pleo_key=line["tax"]["id"], erp_key="I25"
            )


def test_it_pages_many_causes_biggest_first(client, viewer, integration):
    from exporthub.dashboard.views.failures import GROUPS_PER_PAGE

    job = ExportJob.objects.create(
        integration=integration,
        pleo_id=uuid.uuid4(),
        company_id=integration.pleo_connection.company_id,
        status="completed_with_errors",
        pleo_created_at="2026-03-01T12:00:00Z",
    )
    causes = GROUPS_PER_PAGE + 5
    ExportItem.objects.bulk_create(
        ExportItem(
            job=job,
            accounting_entry_id=uuid.uuid4(),
            status="failed",
            failure_reason_type="account_unknown",
            failure_mapping_kind="account",
            failure_pleo_key=str(n),
            failure_reason=f"Map Pleo category 'X' ({n}) to an ERP account.",
        )
        for n in range(causes)
        for _ in range(2 if n == causes - 1 else 1)
    )
    client.force_login(viewer)
    first = client.get(reverse("dashboard:failure-list")).content.decode()
    assert first.count('class="card failure-group"') == GROUPS_PER_PAGE
    assert f"{causes + 1} failed items waiting for a fix" in first
    assert f"({causes} causes, the biggest first)" in first
    assert first.index(f"&#x27;X&#x27; ({causes - 1})") < first.index("&#x27;X&#x27; (0)")
    second = client.get(reverse("dashboard:failure-list"), {"page": 2}).content.decode()
    assert second.count('class="card failure-group"') == 5
    assert "Page 2 of 2" in second

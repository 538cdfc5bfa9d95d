from __future__ import annotations

from django.urls import reverse

from exporthub.dashboard.failures import failure_groups, fix_for, normalise_reason
from exporthub.sync.models import ExportItem, ExportJob, Mapping


def test_it_normalises_what_differs_between_items_of_one_cause():
    assert normalise_reason("Line 2 has no account  (gave up after 3 attempts)") == (
        "a line has no account"
    )


def test_it_links_a_missing_account_to_its_mapping():
    fix = fix_for("account_unknown", "Pleo account 4ea6 (Misc) is not mapped to an ERP account")
    assert (fix.kind, fix.mapping_kind, fix.pleo_key) == ("mapping", "account", "4ea6")
    assert fix_for("accounting_system_unreachable", "down").kind == "erp"


def test_it_groups_failures_by_cause_with_count_and_example(client, viewer, finished_job):
    groups = failure_groups(ExportItem.objects.all())
    assert [g.reason_type for g in groups] == ["account_unknown"]
    client.force_login(viewer)
    page = client.get(reverse("dashboard:failure-list")).content.decode()
    failed = finished_job.items.get(status="failed")
    assert failed.failure_reason in page  # as received
    assert f"pleo_key={groups[0].fix.pleo_key}" in page
    assert "Retry this group" not in page  # viewers cannot retry


def test_it_exports_the_group_again_after_the_fix(
    client, accountant, integration, finished_job, django_capture_on_commit_callbacks
):
    failed = finished_job.items.get(status="failed")
    group = failure_groups(ExportItem.objects.all())[0]
    fix_mappings(integration, failed.payload)
    client.force_login(accountant)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("dashboard:failure-retry"), {"group": group.key})
    new_job = ExportJob.objects.exclude(pk=finished_job.pk).get()
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard:job-detail", args=[new_job.pk])
    new_job.refresh_from_db()
    assert new_job.status == "completed", new_job.items.get().failure_reason
    assert new_job.items.get().status == "successful"
    assert failure_groups(ExportItem.objects.all()) == []


def test_it_refuses_an_unknown_group(client, accountant, finished_job):
    client.force_login(accountant)
    response = client.post(reverse("dashboard:failure-retry"), {"group": "nope"})
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
    import uuid

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
            failure_reason=f"Pleo account {n} (X) is not mapped",
        )
        for n in range(causes)
        for _ in range(2 if n == causes - 1 else 1)
    )
    client.force_login(viewer)
    first = client.get(reverse("dashboard:failure-list")).content.decode()
    assert first.count('class="card failure-group"') == GROUPS_PER_PAGE
    assert f"{causes + 1} failed items waiting for a fix" in first
    assert f"({causes} causes, the biggest first)" in first
    assert first.index(f"Pleo account {causes - 1} (X)") < first.index("Pleo account 0 (X)")
    second = client.get(reverse("dashboard:failure-list"), {"page": 2}).content.decode()
    assert second.count('class="card failure-group"') == 5
    assert "Page 2 of 2" in second

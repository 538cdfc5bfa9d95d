"""Activity rows read as sentences built from their data, with a link to what they concern."""

from __future__ import annotations

import pytest
from django.urls import reverse

from exporthub.core.activity import log_activity
from exporthub.core.models import ActivityEntry
from exporthub.dashboard.activity_text import describe, sentence
from exporthub.sync.models import ExportItem, ExportJob


@pytest.fixture
def job(integration):
    import datetime as dt
    import uuid

    return ExportJob.objects.create(
        integration=integration,
        pleo_id=uuid.uuid4(),
        company_id=integration.pleo_connection.company_id,
        status="completed",
        pleo_created_at=dt.datetime(2026, 3, 1, tzinfo=dt.UTC),
    )


def test_a_detected_job_reads_as_a_sentence_linking_the_job(job):
    entry = log_activity(
        "sync.job.detected",
        actor_label="engine",
        obj=job,
        after={"status": "pending", "items": 12},
    )
    said = describe(entry)
    assert said.text == "The hub found the job in Pleo, with 12 entries (pending)."
    assert said.url == reverse("dashboard:job-detail", args=[job.pk])
    assert said.link_label == f"job {job.pk}"


def test_a_status_change_names_both_statuses_in_words(job):
    entry = log_activity(
        "sync.job.status_changed",
        actor_label="pleo",
        obj=job,
        before={"status": "in_progress"},
        after={"status": "completed_with_errors"},
        failure_reason_type="",
    )
    assert describe(entry).text == "Pleo moved the job from in progress to completed with errors."


def test_counts_take_the_singular_or_the_plural(job):
    one = log_activity("sync.job.requested", obj=job, entries=1)
    many = log_activity("sync.job.requested", obj=job, entries=30)
    assert describe(one).text == "The hub asked Pleo to export 1 entry."
    assert describe(many).text == "The hub asked Pleo to export 30 entries."


def test_a_saved_mapping_names_kind_keys_and_links_the_mapping_page(integration, admin_user):
    mapping = integration.mappings.create(kind="tax_code", pleo_key="I25", erp_key="VAT25")
    entry = log_activity(
        "dashboard.mapping.saved",
        actor=admin_user,
        obj=mapping,
        before={"kind": "tax_code", "pleo_key": "I25", "erp_key": "VAT"},
        after={"kind": "tax_code", "pleo_key": "I25", "erp_key": "VAT25"},
        integration=integration.pk,
    )
    said = describe(entry)
    assert said.text == f"{admin_user.get_username()} mapped tax code I25 to VAT25 (was VAT)."
    assert said.url == reverse("dashboard:mapping-list", args=[integration.pk])
    assert describe(entry, admin_links=False).url == ""


def test_a_refused_correction_says_so_with_the_error(job):
    item = ExportItem.objects.create(
        job=job, accounting_entry_id="8f7e3a2c-1111-4c1d-9e5b-000000000001"
    )
    entry = log_activity(
        "dashboard.item.reference_corrected.refused",
        obj=item,
        before={"external_id": "A-1"},
        after={"external_id": "A-2"},
        error="the job is completed",
    )
    said = describe(entry)
    assert said.text == (
        "Refused by Pleo: The hub corrected the entry's ERP reference from A-1 to A-2 "
        "(the job is completed)"
    )
    assert said.url == reverse("dashboard:item-detail", args=[item.pk])


def test_an_action_without_a_sentence_still_reads_as_words_and_no_dict():
    entry = log_activity("sync.job.items_read", actor_label="worker", items=40, detail={"a": 1})
    said = describe(entry)
    assert said.text == "Sync job items read (by the hub): items 40."
    assert "{" not in said.text
    assert said.url == ""


def test_the_activity_page_shows_sentences_and_links_not_dicts(client, accountant, job):
    log_activity(
        "sync.job.finished",
        actor_label="worker w1",
        company_id=job.company_id,
        obj=job,
        before={"status": "in_progress"},
        after={"status": "completed"},
    )
    client.force_login(accountant)
    page = client.get(reverse("dashboard:activity-list")).content.decode()
    assert "The hub finished the job: completed." in page
    assert f'<a href="{reverse("dashboard:job-detail", args=[job.pk])}">job {job.pk}</a>' in page
    assert "{&#x27;status&#x27;" not in page and "{'status'" not in page


def test_the_csv_keeps_the_raw_data(client, accountant, job):
    log_activity(
        "sync.job.finished",
        actor_label="worker w1",
        company_id=job.company_id,
        obj=job,
        after={"status": "completed"},
    )
    client.force_login(accountant)
    response = client.get(reverse("dashboard:activity-export"))
    text = b"".join(response.streaming_content).decode()
    assert "sync.job.finished" in text
    assert '{""status"": ""completed""}' in text


def test_a_job_of_one_entry_says_entry(job):
    entry = log_activity("sync.job.detected", obj=job, after={"status": "pending", "items": 1})
    assert describe(entry).text == "The hub found the job in Pleo, with 1 entry (pending)."


def test_corrections_read_from_request_to_confirmation(job, admin_user):
    item = ExportItem.objects.create(
        job=job, accounting_entry_id="8f7e3a2c-1111-4c1d-9e5b-000000000002"
    )
    references = {"before": {"external_id": "A-1"}, "after": {"external_id": "A-2"}}
    asked = log_activity(
        "sync.correction.requested", actor=admin_user, obj=item, kind="reference", **references
    )
    assert describe(asked).text == (
        "adam asked for a correction: the ERP reference from A-1 to A-2."
    )
    marked = log_activity(
        "sync.correction.requested",
        actor=admin_user,
        obj=item,
        kind="manual",
        before={"status": "failed", "external_id": ""},
        after={"status": "successful", "external_id": "BANK-7"},
    )
    assert describe(marked).text == (
        "adam asked for a correction: marking the entry exported by hand, as BANK-7."
    )
    confirmed = log_activity(
        "sync.correction.confirmed",
        actor_label="worker h:1",
        obj=item,
        kind="reference",
        **references,
    )
    assert (
        describe(confirmed).text
        == "Pleo confirmed the correction: the ERP reference from A-1 to A-2."
    )
    assert describe(confirmed).actor == "the hub"
    failed = log_activity(
        "sync.correction.failed", actor_label="worker h:1", obj=item, error="entry not in the job"
    )
    assert describe(failed).text == "The correction did not reach Pleo: entry not in the job"


def test_the_activity_page_names_processes_by_role_never_by_worker_id(client, accountant, job):
    log_activity(
        "sync.job.started", actor_label="worker host-1234:99", company_id=job.company_id, obj=job
    )
    client.force_login(accountant)
    page = client.get(reverse("dashboard:activity-list")).content.decode()
    assert '<td title="worker host-1234:99">the hub</td>' in page
    assert "The hub started exporting the job." in page


EVERY_ACTION_THE_HUB_LOGS = (
    "sync.job.detected",
    "sync.job.requested",
    "sync.job.status_changed",
    "sync.job.started",
    "sync.job.finished",
    "sync.job.failed",
    "sync.job.closed_by_pleo",
    "sync.job.interrupted",
    "sync.job.skipped",
    "sync.job.reexport",
    "sync.job.retry_scheduled",
    "sync.job.dismissed",
    "sync.job.claim_taken_over",
    "sync.item.report_rejected",
    "sync.run_now",
    "sync.correction.requested",
    "sync.correction.replaced",
    "sync.correction.sent",
    "sync.correction.confirmed",
    "sync.correction.failed",
    "sync.correction_job.requested",
    "dashboard.failures.retried",
    "dashboard.item.reference_corrected",
    "dashboard.item.marked_exported",
    "dashboard.mapping.saved",
    "dashboard.mapping.deleted",
    "dashboard.mapping.imported",
    "dashboard.erp.tested",
    "dashboard.erp.test_failed",
    "dashboard.erp.records_refreshed",
    "dashboard.erp.records_failed",
    "dashboard.erp.saved",
    "dashboard.pleo.saved",
    "dashboard.pleo.tested",
    "dashboard.pleo.test_failed",
    "dashboard.pleo.authorized",
    "dashboard.company.saved",
    "dashboard.user.created",
    "dashboard.user.access_changed",
    "dashboard.user.deactivated",
    "dashboard.user.reactivated",
    "dashboard.user.password_reset",
    "erp.connection.created",
    "erp.connection.updated",
    "pleo.connection.created",
    "pleo.connection.updated",
    "sync.integration.created",
    "sync.integration.updated",
)


@pytest.mark.parametrize("action", EVERY_ACTION_THE_HUB_LOGS)
def test_every_action_the_hub_logs_has_its_own_sentence_with_no_dict_or_worker_id(action):
    entry = ActivityEntry(
        action=action,
        actor_label="worker host-1:42:abc",
        before={"status": "in_progress", "external_id": "A-1"},
        after={"status": "completed", "external_id": "A-2", "items": 2},
        data={"entries": 2, "detail": {"a": 1}},
    )
    text = sentence(entry)
    assert "(by " not in text  # not the fallback for unknown actions
    assert "{" not in text and "host-1" not in text and action not in text

from __future__ import annotations

import re
import uuid

from django.urls import reverse
from django.utils import timezone

from exporthub.dashboard.views import jobs as job_views
from exporthub.sync.models import ExportItem, ExportJob
from tests.connectors.journal_files import read_csv
from tests.dashboard.conftest import batch_of, export, postable_entry_ids


def text_of(html: str) -> str:
    """What a reader sees: the page without tags, whitespace collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_it_lists_jobs_with_who_asked_their_entries_and_counts(
    client, accountant, integration, company, finished_job, django_capture_on_commit_callbacks
):
    client.force_login(accountant)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("dashboard:queue-export", args=[integration.pk]),
            {"entry": postable_entry_ids(company, 2), "confirm": "1"},
        )
    page = client.get(reverse("dashboard:job-list")).content.decode()
    assert reverse("dashboard:job-detail", args=[finished_job.pk]) in page
    seen = text_of(page)
    assert "anna" in seen  # the newest job was asked for by the accountant
    assert "in Pleo" in seen  # the fixture's job was not asked for by anyone in the hub
    failed = finished_job.items_failed
    assert (
        f"completed with errors {finished_job.items_successful} exported · {failed} failed" in seen
    )


def test_it_renders_only_the_table_for_htmx(client, viewer, finished_job):
    client.force_login(viewer)
    response = client.get(
        reverse("dashboard:job-list"),
        {"status": "completed_with_errors"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="job-table",
    )
    page = response.content.decode()
    assert 'id="job-table"' in page
    assert "<html" not in page


def test_the_poll_that_finds_the_job_ended_updates_the_whole_job(client, viewer, finished_job):
    ended = ExportJob.objects.get(pk=finished_job.pk)
    ExportJob.objects.filter(pk=ended.pk).update(status="in_progress", completed_at=None)
    client.force_login(viewer)
    url = reverse("dashboard:job-detail", args=[ended.pk])
    page = client.get(url).content.decode()
    assert 'hx-trigger="every 2s"' in page
    assert "in progress" in text_of(page)

    running = client.get(url, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="job-summary")
    assert running.status_code == 200
    assert 'id="job-summary"' in running.content.decode()
    assert 'id="job-items"' not in running.content.decode()  # cheap while the job runs

    ExportJob.objects.filter(pk=ended.pk).update(
        status=ended.status, completed_at=ended.completed_at
    )
    final = client.get(url, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="job-summary")
    assert final.status_code == 286  # htmx stops polling, and swaps what it got
    assert final["HX-Retarget"] == "#job-body"
    assert final["HX-Reswap"] == "outerHTML"
    body = final.content.decode()
    seen = text_of(body)
    assert body.lstrip().startswith('<div id="job-body">')
    assert "every 2s" not in body
    assert "completed with errors" in seen
    assert "The job has ended" in seen
    assert "not yet" not in seen  # started and finished are both filled in
    assert "has not read" not in seen
    supplier = finished_job.items.exclude(supplier="").first().supplier
    assert supplier in seen  # the entries list came with it
    assert "exported 4 entries" in seen  # and the timeline


def test_the_progress_bar_shows_exported_failed_and_remaining_in_proportion(
    client, viewer, integration
):
    job = ExportJob.objects.create(
        integration=integration,
        pleo_id=uuid.uuid4(),
        company_id=integration.pleo_connection.company_id,
        status="in_progress",
        pleo_created_at=timezone.now(),
        number_of_items=50,
        items_successful=30,
        items_failed=4,
        items_abandoned=1,
        items_pending=15,
    )
    client.force_login(viewer)
    page = client.get(reverse("dashboard:job-detail", args=[job.pk])).content.decode()
    bars = dict(
        re.findall(r'class="segment segment-(\w+)" x="[\d.]+" y="0" width="([\d.]+)"', page)
    )
    assert bars == {"exported": "60.00", "failed": "10.00", "remaining": "30.00"}
    assert 'x="70.00"' in page  # the remaining part starts where the failed one ends
    assert 'aria-valuetext="30 exported, 5 failed, 15 remaining of 50"' in page
    assert "30 exported · 5 failed · 15 remaining of 50" in text_of(page)


def test_before_its_entries_are_read_the_whole_job_remains(client, viewer, integration):
    job = ExportJob.objects.create(
        integration=integration,
        pleo_id=uuid.uuid4(),
        company_id=integration.pleo_connection.company_id,
        pleo_created_at=timezone.now(),
        number_of_items=12,
    )
    client.force_login(viewer)
    page = client.get(reverse("dashboard:job-detail", args=[job.pk])).content.decode()
    assert 'aria-valuetext="0 exported, 0 failed, 12 remaining of 12"' in page
    assert 'width="100.00"' in page


def test_the_timeline_speaks_plain_language_and_hides_secrets(client, admin_user, finished_job):
    item = finished_job.items.filter(status="failed").first()
    item.error_detail = 'ERP said 401 for Authorization: Bearer abcdefgh12345678 api_key="s3cr3t"'
    item.save(update_fields=["error_detail"])
    client.force_login(admin_user)  # error details are shown to admins only
    page = client.get(reverse("dashboard:job-detail", args=[finished_job.pk])).content.decode()
    timeline = text_of(page[page.index('id="job-timeline"') : page.index('id="job-items"')])
    failed = finished_job.items_failed
    assert f"The hub finished the job: exported 4 entries, {failed} failed." in timeline
    assert "The hub started exporting the job." in timeline
    assert "The hub asked Pleo to export" in timeline
    assert "sync.job" not in timeline
    assert "worker" not in timeline
    assert "{" not in timeline  # no dicts
    assert "abcdefgh12345678" not in page
    assert "s3cr3t" not in page
    assert "[redacted]" in page


def test_times_show_their_time_zone(client, viewer, finished_job, settings):
    settings.TIME_ZONE = "Europe/Copenhagen"
    client.force_login(viewer)
    detail = text_of(
        client.get(reverse("dashboard:job-detail", args=[finished_job.pk])).content.decode()
    )
    listing = text_of(client.get(reverse("dashboard:job-list")).content.decode())
    created = timezone.localtime(finished_job.pleo_created_at)
    stamp = f"{created:%H:%M} {created.tzname()}"
    assert created.tzname() in ("CET", "CEST")
    assert stamp in detail
    assert stamp in listing


def test_the_entries_list_names_each_entry_and_links_only_web_references(
    client, viewer, finished_job
):
    exported = finished_job.items.filter(status="successful").order_by("id")
    safe, unsafe = exported[0], exported[1]
    ExportItem.objects.filter(pk=safe.pk).update(
        external_id="MOVE-1", external_url="https://erp.example.com/moves/1"
    )
    ExportItem.objects.filter(pk=unsafe.pk).update(
        external_id="MOVE-2", external_url="javascript:alert(1)"
    )
    ExportItem.objects.filter(pk=safe.pk).update(amount_minor=123456789, currency="DKK")
    client.force_login(viewer)
    page = client.get(reverse("dashboard:job-detail", args=[finished_job.pk])).content.decode()
    items = page[page.index('id="job-items"') :]
    row = items[items.index(f'id="item-row-{safe.pk}"') :]
    row = text_of(row[: row.index("</tr>")])
    assert safe.supplier in row
    assert "DKK 1,234,567.89" in row
    assert safe.category_name in row and safe.category_code in row
    assert "successful" in row
    assert '<a href="https://erp.example.com/moves/1" rel="noopener noreferrer">MOVE-1</a>' in items
    assert "javascript:" not in items
    assert "MOVE-2" in items
    assert str(safe.accounting_entry_id) not in text_of(items)  # no UUIDs in the list
    assert 'name="item"' not in items  # viewers get no bulk form


def test_the_entries_list_is_a_bulk_form_for_those_who_may_act(
    client, accountant, viewer, finished_job
):
    url = reverse("dashboard:job-detail", args=[finished_job.pk])
    client.force_login(accountant)
    page = client.get(url).content.decode()
    assert '<form method="get" action="/items/bulk/" id="items-bulk-form">' in page
    first = finished_job.items.order_by("status", "id").first()
    assert f'name="item" value="{first.pk}"' in page
    assert 'data-select-all="item"' in page
    client.force_login(viewer)
    assert 'name="item"' not in client.get(url).content.decode()  # viewers cannot act


def test_the_entries_list_is_paginated(client, viewer, integration, company):
    job = export(integration, postable_entry_ids(company, 1))
    ExportItem.objects.bulk_create(
        ExportItem(job=job, accounting_entry_id=uuid.uuid4(), supplier=f"Supplier {n}")
        for n in range(job_views.ITEMS_PER_PAGE)
    )
    client.force_login(viewer)
    url = reverse("dashboard:job-detail", args=[job.pk])
    first = text_of(client.get(url).content.decode())
    second = text_of(client.get(url, {"page": 2}).content.decode())
    assert "Page 1 of 2" in first
    assert "Page 2 of 2" in second


def test_the_job_page_lists_its_batch_files_for_download(
    client, viewer, finished_job, settings, tmp_path
):
    settings.DATA_DIR = tmp_path
    batch = batch_of(finished_job, tmp_path / "journal")
    client.force_login(viewer)

    page = client.get(reverse("dashboard:job-detail", args=[finished_job.pk])).content.decode()
    download = client.get(reverse("dashboard:filed-batch-download", args=[batch]))

    assert f'href="{reverse("dashboard:filed-batch-download", args=[batch])}"' in page
    assert "pleo-00001.csv" in page and "1 entry" in page
    assert download.status_code == 200
    assert download["Content-Type"] == "text/csv; charset=utf-8"
    assert [row["account"] for row in read_csv(download.content)] == ["6000", "6900", "5820"]

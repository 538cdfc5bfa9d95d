"""The number of queries per page does not grow with the number of rows."""

from __future__ import annotations

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from exporthub.sync.models import ExportItem, ExportJob, QueuedEntry


def add_rows(integration, jobs: int, items_per_job: int, queued: int) -> None:
    now = timezone.now()
    company = integration.pleo_connection.company_id
    made = ExportJob.objects.bulk_create(
        ExportJob(
            integration=integration,
            pleo_id=uuid.uuid4(),
            company_id=company,
            status="completed_with_errors",
            pleo_created_at=now,
            number_of_items=items_per_job,
        )
        for _ in range(jobs)
    )
    ExportItem.objects.bulk_create(
        ExportItem(
            job=job,
            accounting_entry_id=uuid.uuid4(),
            status="failed" if n % 2 else "successful",
            failure_reason_type="account_unknown" if n % 2 else "",
            failure_mapping_kind="account" if n % 2 else "",
            failure_pleo_key=str(n % 5) if n % 2 else "",
            failure_reason=f"Map Pleo category 'X' ({n % 5}) to an ERP account." if n % 2 else "",
            supplier=f"Supplier {n}",
            category_code=str(n % 5),
            category_name="X",
            amount_minor=100 * n,
            currency="DKK",
            payload={"date": f"{now:%Y-%m-%d}", "amount": {"inWalletCurrency": {"value": 100}}},
        )
        for job in made
        for n in range(items_per_job)
    )
    QueuedEntry.objects.bulk_create(
        QueuedEntry(
            integration=integration,
            company_id=company,
            entry_id=uuid.uuid4(),
            export_status="QUEUED",
            family="CARD_PURCHASE",
            performed_at=now,
            amount_minor=n,
            currency="DKK",
            problems="account" if n % 3 == 0 else "",
            refreshed_at=now,
        )
        for n in range(queued)
    )


def queries_for(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize(
    "name", ["home", "dashboard:job-list", "dashboard:failure-list", "dashboard:queue"]
)
def test_it_makes_as_many_queries_for_many_rows_as_for_few(
    client, accountant, integration, name, django_assert_max_num_queries
):
    url = reverse(name, args=[integration.pk]) if name == "dashboard:queue" else reverse(name)
    client.force_login(accountant)
    add_rows(integration, jobs=3, items_per_job=4, queued=10)
    few = queries_for(client, url)
    add_rows(integration, jobs=60, items_per_job=20, queued=600)
    with django_assert_max_num_queries(few):
        assert client.get(url).status_code == 200
    assert few <= 25


def test_a_failure_group_page_makes_as_many_queries_for_many_items_as_for_few(
    client, accountant, integration, django_assert_max_num_queries
):
    url = (
        reverse("dashboard:failure-group", args=[integration.pk])
        + "?reason_type=account_unknown&mapping_kind=account&pleo_key=1"
    )
    client.force_login(accountant)
    add_rows(integration, jobs=3, items_per_job=4, queued=0)
    few = queries_for(client, url)
    add_rows(integration, jobs=60, items_per_job=20, queued=0)
    with django_assert_max_num_queries(few):
        page = client.get(url)
    assert page.status_code == 200
    assert page.content.decode().count('name="item"') > 4
    assert few <= 25


def test_a_job_page_makes_as_many_queries_for_many_entries_as_for_few(
    client, accountant, integration, django_assert_max_num_queries
):
    from exporthub.core.activity import log_activity

    add_rows(integration, jobs=1, items_per_job=4, queued=0)
    job = ExportJob.objects.get()
    url = reverse("dashboard:job-detail", args=[job.pk])
    client.force_login(accountant)
    log_activity("sync.job.requested", actor=accountant, company_id=job.company_id, obj=job)
    few = queries_for(client, url)
    ExportItem.objects.bulk_create(
        ExportItem(job=job, accounting_entry_id=uuid.uuid4(), status="failed", error_detail="x")
        for _ in range(80)
    )
    for n in range(30):
        log_activity("sync.job.started", actor=accountant, company_id=job.company_id, obj=job)
        log_activity("sync.job.finished", actor_label="worker w", obj=job, successful=n, failed=1)
    with django_assert_max_num_queries(few):
        assert client.get(url).status_code == 200
    poll = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "job-summary"}
    with django_assert_max_num_queries(few):
        assert client.get(url, **poll).status_code == 286
    assert few <= 25


@pytest.mark.parametrize(
    "query",
    ["q=supplier&sort=-amount", "family=CARD_PURCHASE&sort=supplier", "supplier=s&problems=any"],
)
def test_a_filtered_queue_and_its_later_pages_make_as_many_queries_for_many_rows(
    client, accountant, integration, query, django_assert_max_num_queries
):
    from exporthub.dashboard.keyset import cursor_of
    from exporthub.sync.day_totals import recount_queue

    url = reverse("dashboard:queue", args=[integration.pk]) + "?" + query
    client.force_login(accountant)
    add_rows(integration, jobs=1, items_per_job=1, queued=10)
    recount_queue(integration)
    few = queries_for(client, url)
    add_rows(integration, jobs=1, items_per_job=1, queued=600)
    recount_queue(integration)
    later = integration.queued_entries.order_by("-entry_date", "-id")[300]
    with django_assert_max_num_queries(few):
        assert client.get(url).status_code == 200
    with django_assert_max_num_queries(few):
        assert client.get(url + "&after=" + cursor_of(later, "entry_date")).status_code == 200
    assert few <= 25

from __future__ import annotations

import re

from django.urls import reverse

from exporthub.sync.models import ExportJob, QueuedEntry
from exporthub.sync.queue_mirror import refresh_export_queue
from tests.dashboard.conftest import postable_entry_ids


def test_it_mirrors_pleos_queue_with_preflight_problems(integration, company):
    count = refresh_export_queue(integration)
    assert count == company.entries.filter(export_status__in=["QUEUED", "EXPORTING"]).count()
    flagged = QueuedEntry.objects.exclude(problems="")
    assert flagged.exists()
    assert all("account" in row.problem_list for row in flagged.filter(account_code=""))


def test_it_drops_entries_pleo_no_longer_queues(integration, company):
    refresh_export_queue(integration)
    entry = company.entries.filter(export_status="QUEUED").first()
    company.entries.filter(pk=entry.pk).update(export_status="EXPORTED")
    refresh_export_queue(integration)
    assert not QueuedEntry.objects.filter(entry_id=entry.uuid).exists()


def test_it_filters_sorts_and_pages_the_queue(client, viewer, integration):
    refresh_export_queue(integration)
    client.force_login(viewer)
    url = reverse("dashboard:queue", args=[integration.pk])
    page = client.get(url, {"problems": "account", "per_page": 25}).content.decode()
    expected = QueuedEntry.objects.filter(problems__contains="account").count()
    assert f'<strong class="match-count">{expected}</strong>' in page
    cheapest = QueuedEntry.objects.order_by("amount_minor").first()
    response = client.get(
        url, {"sort": "amount"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="queue-table"
    )
    fragment = response.content.decode()
    assert "<html" not in fragment
    assert fragment.index(str(cheapest.entry_id)) < fragment.index("</tbody>")
    assert "Export selected" not in fragment  # viewers cannot export


def test_it_exports_the_selected_entries(
    client, accountant, integration, company, django_capture_on_commit_callbacks
):
    refresh_export_queue(integration)
    chosen = postable_entry_ids(company, 3)
    client.force_login(accountant)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("dashboard:queue-export", args=[integration.pk]), {"entry": chosen}
        )
    job = ExportJob.objects.get()
    assert response["Location"] == reverse("dashboard:job-detail", args=[job.pk])
    job.refresh_from_db()
    assert (job.status, job.items_successful) == ("completed", 3)
    left = QueuedEntry.objects.filter(entry_id__in=chosen)
    assert set(left.values_list("export_status", flat=True)) <= {"EXPORTING"}
    refresh_export_queue(integration)
    assert not left.exists()


def test_it_exports_all_matching_entries(
    client, accountant, integration, django_capture_on_commit_callbacks
):
    refresh_export_queue(integration)
    ready = QueuedEntry.objects.filter(problems="", export_status="QUEUED").count()
    client.force_login(accountant)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("dashboard:queue-export", args=[integration.pk]),
            {"all_matching": "1", "problems": "none"},
        )
    assert ExportJob.objects.get().number_of_items == ready


def test_it_previews_the_posting_without_writing_to_the_erp(
    client, viewer, integration, finished_job, ledger_of
):
    failed = finished_job.items.get(status="failed")
    before = ledger_of(integration)
    client.force_login(viewer)
    response = client.get(
        reverse("dashboard:entry-preview", args=[integration.pk, failed.accounting_entry_id]),
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="entry-preview",
    )
    page = response.content.decode()
    assert 'id="entry-preview"' in page
    assert "cannot be posted yet" in page
    assert "to an ERP account." in page or "to an ERP tax code." in page
    assert ledger_of(integration) == before


def test_it_says_when_pleo_has_not_shared_an_entrys_data(client, viewer, integration):
    refresh_export_queue(integration)
    entry = QueuedEntry.objects.first()
    client.force_login(viewer)
    page = client.get(
        reverse("dashboard:entry-preview", args=[integration.pk, entry.entry_id])
    ).content.decode()
    assert "only inside an export job" in page


def test_it_shows_and_filters_amounts_in_the_wallet_currencys_own_decimals(
    client, accountant, integration
):
    from django.utils import timezone

    from exporthub.sync.models import QueuedEntry

    integration.queued_entries.all().delete()
    now = timezone.now()
    for n, minor in enumerate([1500, 250, 12345]):  # 1.500, 0.250 and 12.345 KWD
        QueuedEntry.objects.create(
            integration=integration, company_id=integration.pleo_connection.company_id,
            entry_id=f"0b7d4c1e-2f3a-4e5b-8c9d-{n:012d}", export_status="QUEUED",
            family="CARD_PURCHASE", performed_at=now, amount_minor=minor, currency="KWD",
            refreshed_at=now,
        )  # fmt: skip
    client.force_login(accountant)
    url = reverse("dashboard:queue", args=[integration.pk])

    page = client.get(url).content.decode()
    filtered = client.get(url, {"amount_min": "1", "amount_max": "13"}).content.decode()

    assert "KWD\N{NO-BREAK SPACE}14.095" in page  # the total, with KWD's three decimals
    assert "KWD\N{NO-BREAK SPACE}12.345" in page
    assert "2 matching entries" in re.sub(r"<[^>]+>", "", filtered)

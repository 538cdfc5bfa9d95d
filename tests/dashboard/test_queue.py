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

    from exporthub.sync.day_totals import recount_queue
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
    recount_queue(integration)  # as the mirror does after every change
    client.force_login(accountant)
    url = reverse("dashboard:queue", args=[integration.pk])

    page = client.get(url).content.decode()
    filtered = client.get(url, {"amount_min": "1", "amount_max": "13"}).content.decode()

    assert "KWD\N{NO-BREAK SPACE}14.095" in page  # the total, with KWD's three decimals
    assert "KWD\N{NO-BREAK SPACE}12.345" in page
    assert "2 matching entries" in re.sub(r"<[^>]+>", "", filtered)


def text_of(html: str) -> str:
    """What a reader sees: the page without tags, whitespace collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def queue_row(page: str, entry_id) -> str:
    row = page[page.index(f'<tr id="entry-row-{entry_id}">') :]
    return row[: row.index("</tr>")]


def test_the_queue_shows_the_date_the_ledger_gets_for_an_entry_near_midnight_utc(
    client, accountant, integration, company, settings, django_capture_on_commit_callbacks
):
    import datetime as dt
    from pathlib import Path

    from beancount import loader

    settings.TIME_ZONE = "Europe/Copenhagen"  # where 23:30 UTC is already the next day
    entry_id = postable_entry_ids(company, 1)[0]
    late = dt.datetime(2026, 1, 31, 23, 30, tzinfo=dt.UTC)
    company.entries.filter(uuid=entry_id).update(
        performed_at=late - dt.timedelta(minutes=5), bookkeeping_date=late
    )
    refresh_export_queue(integration)
    client.force_login(accountant)
    page = client.get(reverse("dashboard:queue", args=[integration.pk]), {"q": entry_id})
    page = page.content.decode()
    queue_date = re.search(r'<time datetime="([\d-]+)">', queue_row(page, entry_id)).group(1)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("dashboard:queue-export", args=[integration.pk]),
            {"entry": [entry_id], "confirm": "1"},
        )
    ledger = Path(integration.erp_connection.settings["ledger_path"])
    entries, errors, _ = loader.load_file(str(ledger))
    assert errors == []
    (posted,) = [e for e in entries if e.meta.get("pleo-id") == entry_id]

    assert queue_date == posted.date.isoformat() == "2026-01-31"


def test_exporting_entries_with_known_problems_asks_first(
    client, accountant, integration, company, django_capture_on_commit_callbacks
):
    from tests.dashboard.conftest import unpostable_entry_ids

    refresh_export_queue(integration)
    chosen = postable_entry_ids(company, 2) + unpostable_entry_ids(company)[:1]
    client.force_login(accountant)
    url = reverse("dashboard:queue-export", args=[integration.pk])

    asked = client.post(url, {"entry": chosen, "query": "per_page=50"})

    assert asked.status_code == 200
    assert not ExportJob.objects.exists()
    seen = text_of(asked.content.decode())
    assert "You chose 3 entries to export. 1 of them has known pre-flight problems" in seen
    assert "1 entry: no account mapping" in seen
    assert "Export 3 entries anyway" in seen
    form = asked.content.decode()
    for entry in chosen:
        assert f'<input type="hidden" name="entry" value="{entry}">' in form
    assert f'href="/companies/{integration.pk}/queue/?per_page=50"' in form

    with django_capture_on_commit_callbacks(execute=True):
        confirmed = client.post(url, {"entry": chosen, "confirm": "1"})
    job = ExportJob.objects.get()
    assert confirmed["Location"] == reverse("dashboard:job-detail", args=[job.pk])
    assert job.number_of_items == 3


def test_exporting_all_matching_entries_with_problems_asks_first(client, accountant, integration):
    refresh_export_queue(integration)
    flagged = QueuedEntry.objects.filter(problems__contains="account").count()
    client.force_login(accountant)
    asked = client.post(
        reverse("dashboard:queue-export", args=[integration.pk]), {"all_matching": "1"}
    )
    assert f"{flagged} entries: no account mapping" in text_of(asked.content.decode())
    assert 'name="all_matching" value="1"' in asked.content.decode()
    assert not ExportJob.objects.exists()


def test_queue_rows_name_entries_as_an_accountant_knows_them(
    client, accountant, integration, finished_job
):
    failed = finished_job.items.filter(status="failed").exclude(employee="").first()
    ready = QueuedEntry.objects.exclude(account_code="").first()
    QueuedEntry.objects.filter(pk=ready.pk).update(amount_minor=123456789)
    client.force_login(accountant)

    page = client.get(reverse("dashboard:queue", args=[integration.pk]), {"per_page": 100})
    page = page.content.decode()

    again = text_of(queue_row(page, failed.accounting_entry_id))
    assert failed.supplier in again
    assert failed.employee in again  # known from the export item Pleo sent before
    assert failed.entry_date.strftime("%-d %b %Y") in again
    ready_row = text_of(queue_row(page, ready.entry_id))
    assert ready.category_name and ready.category_name in ready_row  # Pleo's chart of accounts
    assert ready.account_code in ready_row
    assert "DKK 1,234,567.89" in ready_row
    table = text_of(page[page.index('id="queue-table"') :])
    uuid_pattern = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
    assert not re.search(uuid_pattern, table)  # ids live in attributes, never in the text
    assert 'data-select-all="entry" hidden' in page
    assert 'src="/static/js/select-all.js"' in page


def test_the_preview_opens_in_a_row_right_after_its_entry(
    client, accountant, integration, finished_job
):
    failed = finished_job.items.filter(status="failed").first()
    QueuedEntry.objects.filter(entry_id=failed.accounting_entry_id).update(amount_minor=250075)
    client.force_login(accountant)
    page = client.get(reverse("dashboard:queue", args=[integration.pk]), {"per_page": 100})
    page = page.content.decode()
    slot = f'<tr id="preview-row-{failed.accounting_entry_id}" class="preview-slot" hidden></tr>'
    after_row = page[page.index(f'<tr id="entry-row-{failed.accounting_entry_id}">') :]
    assert after_row[after_row.index("</tr>") + 5 :].lstrip().startswith(slot)
    assert f'hx-target="#preview-row-{failed.accounting_entry_id}"' in page

    response = client.get(
        reverse("dashboard:entry-preview", args=[integration.pk, failed.accounting_entry_id]),
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET=f"preview-row-{failed.accounting_entry_id}",
    )
    fragment = response.content.decode().strip()
    assert fragment.startswith(
        f'<tr id="preview-row-{failed.accounting_entry_id}" class="preview-row">'
    )
    assert '<td colspan="10">' in fragment
    assert f"Dry run: {failed.supplier} · DKK 2,500.75" in text_of(fragment)
    assert "<html" not in fragment


def test_the_confirmation_step_can_export_only_the_entries_without_problems(
    client, accountant, integration, company, django_capture_on_commit_callbacks
):
    from tests.dashboard.conftest import unpostable_entry_ids

    refresh_export_queue(integration)
    ready = postable_entry_ids(company, 2)
    chosen = ready + unpostable_entry_ids(company)[:1]
    client.force_login(accountant)
    url = reverse("dashboard:queue-export", args=[integration.pk])
    asked = client.post(url, {"entry": chosen})
    assert "Export only the 2 entries without problems" in text_of(asked.content.decode())

    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"entry": chosen, "confirm": "1", "skip_problems": "1"})

    job = ExportJob.objects.get()
    exported = {str(i) for i in job.items.values_list("accounting_entry_id", flat=True)}
    assert exported == set(ready)

from __future__ import annotations

from django.urls import reverse

from exporthub.core.models import ActivityEntry
from exporthub.sandbox.models import ExportJobItem as SandboxItem
from exporthub.sync import engine
from exporthub.sync.correction_models import Correction
from exporthub.sync.models import ExportItem
from tests.dashboard.conftest import postable_entry_ids, running_job_with_exported_item


def test_it_shows_the_item_readably_with_its_posting_and_reference(client, viewer, finished_job):
    item = finished_job.items.filter(status="successful").first()
    client.force_login(viewer)
    page = client.get(reverse("dashboard:item-detail", args=[item.pk])).content.decode()
    assert "As Pleo sent it" in page
    assert "Journal lines" in page
    assert item.external_id in page
    assert "Correct the external reference" not in page  # viewers read only


def test_it_writes_a_corrected_reference_to_pleo_and_logs_it(client, accountant, integration):
    entry = postable_entry_ids(integration.sandbox_company, 1)[0]
    job, item = running_job_with_exported_item(integration, entry)
    client.force_login(accountant)
    response = client.post(
        reverse("dashboard:item-reference", args=[item.pk]),
        {"external_id": "NEW-7", "external_url": "https://erp.example.com/moves/7"},
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.external_id, item.external_url) == ("NEW-7", "https://erp.example.com/moves/7")
    remote = SandboxItem.objects.get(job__uuid=job.pleo_id, entry__uuid=entry)
    assert (remote.external_id, remote.external_url) == ("NEW-7", "https://erp.example.com/moves/7")
    logged = ActivityEntry.objects.get(action="dashboard.item.reference_corrected")
    assert logged.before["external_id"] == "OLD-1"
    assert logged.after["external_id"] == "NEW-7"
    page = client.get(reverse("dashboard:item-detail", args=[item.pk])).content.decode()
    start = page.index("<h3>Changes</h3>")
    changes = page[start : page.index("</ol>", start)]
    who = accountant.get_full_name() or accountant.get_username()
    assert f"{who} corrected the entry&#x27;s ERP reference from OLD-1 to NEW-7." in changes
    assert "{" not in changes and "dashboard.item" not in changes  # no dicts, no action names


def test_a_correction_on_a_finished_job_shows_as_sent_then_confirmed(
    client, accountant, integration, finished_job
):
    item = finished_job.items.filter(status="successful").first()
    client.force_login(accountant)
    url = reverse("dashboard:item-reference", args=[item.pk])

    response = client.post(url, {"external_id": "NEW-8"}, follow=True)

    page = response.content.decode()
    assert "sent to Pleo in a correction job" in page
    assert 'data-state="sent"' in page
    engine.process_integration(integration.pk, "test-worker")
    page = client.get(reverse("dashboard:item-detail", args=[item.pk])).content.decode()
    assert 'data-state="confirmed"' in page
    item.refresh_from_db()
    assert item.external_id == "NEW-8"
    remote = SandboxItem.objects.filter(entry__uuid=item.accounting_entry_id).latest("pk")
    assert remote.external_id == "NEW-8"


def test_a_second_click_sends_nothing_new(client, accountant, finished_job):
    item = finished_job.items.filter(status="successful").first()
    client.force_login(accountant)
    url = reverse("dashboard:item-reference", args=[item.pk])
    client.post(url, {"external_id": "NEW-9"})
    page = client.post(url, {"external_id": "NEW-9"}, follow=True).content.decode()
    assert "already asked for" in page
    assert Correction.objects.count() == 1


def test_it_accepts_only_http_and_https_links(client, accountant, finished_job):
    item = finished_job.items.filter(status="successful").first()
    client.force_login(accountant)
    for url in ["javascript:alert(1)", "ftp://erp/1", "https://" + "x" * 2000 + ".com"]:
        response = client.post(
            reverse("dashboard:item-reference", args=[item.pk]),
            {"external_id": "X", "external_url": url},
        )
        assert response.status_code == 422, url
    response = client.post(
        reverse("dashboard:item-reference", args=[item.pk]), {"external_id": "x" * 256}
    )
    assert response.status_code == 422
    assert not ActivityEntry.objects.filter(action__startswith="dashboard.item.reference")


def test_it_requires_an_external_id_and_a_reason_to_mark_exported(client, accountant, finished_job):
    item = finished_job.items.filter(status="failed").first()
    client.force_login(accountant)
    response = client.post(reverse("dashboard:item-mark-exported", args=[item.pk]), {})
    assert response.status_code == 422
    page = response.content.decode()
    assert page.count("This field is required.") == 2
    item.refresh_from_db()
    assert item.status == "failed"


def test_it_marks_an_item_of_a_running_job_exported_in_pleo(client, accountant, integration):
    entry = postable_entry_ids(integration.sandbox_company, 1)[0]
    job, item = running_job_with_exported_item(integration, entry)
    ExportItem.objects.filter(pk=item.pk).update(status="failed", external_id="")
    client.force_login(accountant)
    response = client.post(
        reverse("dashboard:item-mark-exported", args=[item.pk]),
        {"external_id": "HAND-1", "reason": "Booked by hand after the ERP was down."},
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.status, item.external_id) == ("successful", "HAND-1")
    remote = SandboxItem.objects.get(job__uuid=job.pleo_id, entry__uuid=entry)
    assert (remote.status, remote.external_id) == ("successful", "HAND-1")
    logged = ActivityEntry.objects.get(action="dashboard.item.marked_exported")
    assert logged.data["reason"] == "Booked by hand after the ERP was down."

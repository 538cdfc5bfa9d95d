from __future__ import annotations

from django.urls import reverse

from exporthub.sync.models import ExportJob
from tests.dashboard.conftest import postable_entry_ids, running_job_with_exported_item


def test_it_lists_jobs_with_their_counts(client, viewer, finished_job):
    client.force_login(viewer)
    page = client.get(reverse("dashboard:job-list")).content.decode()
    assert reverse("dashboard:job-detail", args=[finished_job.pk]) in page
    assert "completed with errors" in page


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


def test_it_keeps_polling_a_running_job_and_stops_when_it_ends(client, viewer, integration):
    entry = postable_entry_ids(integration.sandbox_company, 1)[0]
    job, _ = running_job_with_exported_item(integration, entry)
    client.force_login(viewer)
    url = reverse("dashboard:job-detail", args=[job.pk])
    page = client.get(url).content.decode()
    assert 'hx-trigger="every 2s"' in page
    poll = client.get(url, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="job-progress")
    assert poll.status_code == 200
    assert 'id="job-progress"' in poll.content.decode()
    ExportJob.objects.filter(pk=job.pk).update(status="completed")
    poll = client.get(url, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="job-progress")
    assert poll.status_code == 286
    assert "every 2s" not in poll.content.decode()


def test_it_shows_the_timeline_with_secrets_redacted(client, admin_user, finished_job):
    item = finished_job.items.filter(status="failed").first()
    item.error_detail = 'ERP said 401 for Authorization: Bearer abcdefgh12345678 api_key="s3cr3t"'
    item.save(update_fields=["error_detail"])
    client.force_login(admin_user)  # error details are shown to admins only
    page = client.get(reverse("dashboard:job-detail", args=[finished_job.pk])).content.decode()
    assert "sync.job.finished" in page
    assert "abcdefgh12345678" not in page
    assert "s3cr3t" not in page
    assert "[redacted]" in page

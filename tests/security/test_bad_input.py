"""Bad input gets a clear answer, never a 500; an invalid queue filter never widens an export."""

from __future__ import annotations

import pytest
from django.urls import reverse

from exporthub.sync.models import ExportJob, QueuedEntry
from exporthub.sync.queue_mirror import refresh_export_queue


@pytest.mark.parametrize(
    "company",
    ["9" * 40, "99999999999999999999", "١٢", "²", "1" + "0" * 19, "-1", "1e5", " 1"],
)
def test_the_job_list_ignores_a_company_id_no_database_holds(client, viewer, company):
    client.force_login(viewer)

    answer = client.get(reverse("dashboard:job-list"), {"company": company})

    assert answer.status_code == 200


def test_the_job_list_still_filters_by_a_real_company(
    client, admin_user, integration, finished_job
):
    client.force_login(admin_user)

    page = client.get(reverse("dashboard:job-list"), {"company": str(integration.pk)})

    assert page.status_code == 200
    assert str(finished_job.pk) in page.content.decode()


def test_a_queue_export_with_a_bad_entry_id_is_refused_clearly(client, accountant, integration):
    refresh_export_queue(integration)
    good = str(QueuedEntry.objects.filter(export_status="QUEUED").first().entry_id)
    client.force_login(accountant)

    answer = client.post(
        reverse("dashboard:queue-export", args=[integration.pk]),
        {"entry": [good, "not-a-uuid"]},
        follow=True,
    )

    assert answer.status_code == 200
    assert "unknown entry id" in answer.content.decode()
    assert not ExportJob.objects.exists()


def test_an_invalid_filter_is_shown_and_the_valid_ones_still_apply(client, viewer, integration):
    refresh_export_queue(integration)
    client.force_login(viewer)
    expected = QueuedEntry.objects.filter(problems__contains="account").count()
    assert 0 < expected < QueuedEntry.objects.count()

    page = client.get(
        reverse("dashboard:queue", args=[integration.pk]),
        {"problems": "account", "amount_min": "lots"},
    ).content.decode()

    assert "Amount from: Enter a number." in page
    assert f'<strong class="match-count">{expected}</strong>' in page


@pytest.mark.parametrize("amount", ["lots", "1e400", "9" * 40])
def test_export_all_matching_refuses_while_a_filter_is_invalid(
    client, accountant, integration, amount, django_capture_on_commit_callbacks
):
    refresh_export_queue(integration)
    client.force_login(accountant)

    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(
            reverse("dashboard:queue-export", args=[integration.pk]),
            {"all_matching": "1", "problems": "none", "amount_min": amount},
            follow=True,
        )

    assert answer.status_code == 200
    assert "Nothing exported; fix the filter" in answer.content.decode()
    assert not ExportJob.objects.exists()

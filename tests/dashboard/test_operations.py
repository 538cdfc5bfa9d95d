"""Slow work started from a page runs in a task; the page shows a progress line until done."""

from __future__ import annotations

import httpx
import pytest
from django.urls import reverse

from exporthub.sync.models import BackgroundOperation, OperationKind, OperationState
from exporthub.sync.operations import run_operation, start_operation
from exporthub.sync.queue_mirror import refresh_export_queue


class CountingTransport(httpx.BaseTransport):
    """The in-process sandbox, counting every request the hub sends to Pleo."""

    def __init__(self, inner: httpx.BaseTransport):
        self.inner = inner
        self.paths: list[str] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.paths.append(request.url.path)
        return self.inner.handle_request(request)


@pytest.fixture
def pleo_requests(sandbox_transport, settings) -> list[str]:
    counting = CountingTransport(sandbox_transport)
    settings.PLEO_TRANSPORT_FACTORY = lambda: counting
    return counting.paths


def refresh_url(integration):
    return reverse("dashboard:queue-refresh", args=[integration.pk])


def queue_page(client, integration) -> str:
    return client.get(reverse("dashboard:queue", args=[integration.pk])).content.decode()


def test_refresh_from_pleo_returns_without_calling_pleo(
    client, accountant, integration, pleo_requests
):
    client.force_login(accountant)

    response = client.post(refresh_url(integration))

    assert response.status_code == 302
    assert pleo_requests == []
    (operation,) = BackgroundOperation.objects.all()
    assert operation.kind == OperationKind.REFRESH_QUEUE
    assert operation.state == OperationState.QUEUED
    assert operation.started_by == accountant
    assert "Refreshing from Pleo… waiting for a worker" in queue_page(client, integration)


def test_the_task_reads_pleos_queue_and_the_page_says_when_it_was_done(
    client, accountant, integration, company, pleo_requests, django_capture_on_commit_callbacks
):
    client.force_login(accountant)
    integration.queued_entries.all().delete()

    with django_capture_on_commit_callbacks(execute=True):  # the task runs (sync in tests)
        client.post(refresh_url(integration))

    assert any("accounting-entries" in path for path in pleo_requests)
    operation = BackgroundOperation.objects.get()
    waiting = company.entries.filter(export_status="QUEUED").count()
    assert operation.state == OperationState.DONE
    assert operation.result == integration.queued_entries.count() == waiting
    page = queue_page(client, integration)
    done_at = operation.finished_at.strftime("%H:%M")
    assert f"Refreshed from Pleo: {waiting} entries wait, done at {done_at}" in page
    assert 'hx-trigger="every 1s"' not in page  # nothing left to poll
    status = reverse("dashboard:operation-status", args=[integration.pk, operation.pk])
    last_poll = client.get(status, headers={"HX-Request": "true"}).content.decode()
    assert "Show the refreshed queue" in last_poll  # the poller offers the new rows


def test_a_second_click_while_one_runs_shows_the_running_one(client, accountant, integration):
    client.force_login(accountant)
    client.post(refresh_url(integration))

    response = client.post(refresh_url(integration), follow=True)

    assert BackgroundOperation.objects.count() == 1
    assert "A refresh from Pleo is already under way." in response.content.decode()


def test_the_progress_line_polls_while_running_and_counts_entries_read(client, viewer, integration):
    operation, _ = start_operation(OperationKind.REFRESH_QUEUE, integration=integration)
    BackgroundOperation.objects.filter(pk=operation.pk).update(
        state=OperationState.RUNNING, progress=1200
    )
    client.force_login(viewer)
    url = reverse("dashboard:operation-status", args=[integration.pk, operation.pk])

    line = client.get(url, headers={"HX-Request": "true"}).content.decode()

    assert "Refreshing from Pleo… 1,200 entries read" in line
    assert f'hx-get="{url}"' in line and 'hx-trigger="every 1s"' in line
    assert "Refreshing from Pleo… 1,200 entries read" in queue_page(client, integration)


def test_the_progress_line_says_why_it_failed(client, viewer, integration, pleo_requests):
    connection = integration.pleo_connection
    connection.api_key = "plp_not-a-key"
    connection.save()
    operation, _ = start_operation(OperationKind.REFRESH_QUEUE, integration=integration)

    run_operation(operation.pk)

    operation.refresh_from_db()
    assert operation.state == OperationState.FAILED
    assert operation.error
    client.force_login(viewer)
    line = client.get(
        reverse("dashboard:operation-status", args=[integration.pk, operation.pk])
    ).content.decode()
    assert "Refreshing from Pleo failed at" in line
    assert 'data-state="failed"' in line


def test_changing_a_mapping_rechecks_the_queue_in_a_task(client, admin_user, integration):
    integration.fallback_to_pleo_codes = False  # strict: an unmapped Pleo account is a problem
    integration.save()
    refresh_export_queue(integration)
    flagged = (
        integration.queued_entries.filter(problems__contains="account")
        .exclude(account_code="")
        .first()
    )
    assert flagged is not None, "the seeded queue has an entry with an unmapped account"
    client.force_login(admin_user)
    form = {
        "kind": "account",
        "pleo_key": flagged.account_code,
        "pleo_label": "",
        "erp_key": "6030",
        "erp_label": "",
    }

    response = client.post(reverse("dashboard:mapping-list", args=[integration.pk]), form)
    assert response.status_code == 302
    flagged.refresh_from_db()
    assert "account" in flagged.problem_list  # the request did not re-check the queue
    (recheck,) = BackgroundOperation.objects.filter(kind=OperationKind.RECHECK_PREFLIGHT)
    run_operation(recheck.pk)

    flagged.refresh_from_db()
    assert "account" not in flagged.problem_list
    recheck.refresh_from_db()
    assert recheck.state == OperationState.DONE and recheck.result >= 1


def test_a_recheck_asked_for_while_one_runs_starts_another(integration):
    first, _ = start_operation(OperationKind.RECHECK_PREFLIGHT, integration=integration)
    BackgroundOperation.objects.filter(pk=first.pk).update(state=OperationState.RUNNING)

    second, started = start_operation(OperationKind.RECHECK_PREFLIGHT, integration=integration)

    assert started and second.pk != first.pk


def test_run_now_returns_without_calling_pleo_and_a_worker_picks_up_the_jobs(
    client, accountant, integration, company, pleo_requests, django_capture_on_commit_callbacks
):
    """Checking Pleo for jobs pages through its job list: a worker's work, not the request's."""
    from exporthub.sandbox import services as sandbox

    sandbox.create_export_job(company)
    client.force_login(accountant)
    url = reverse("dashboard:run-now", args=[integration.pk])

    with django_capture_on_commit_callbacks() as tasks:
        response = client.post(url)

    assert response.status_code == 302 and pleo_requests == []
    (operation,) = BackgroundOperation.objects.all()
    assert (operation.kind, operation.state) == (OperationKind.RUN_NOW, OperationState.QUEUED)
    assert client.post(url).status_code == 302  # a second click joins the waiting one
    assert BackgroundOperation.objects.count() == 1

    for task in tasks:
        task()  # the worker
    operation.refresh_from_db()
    assert (operation.state, operation.result) == (OperationState.DONE, 1)
    assert integration.jobs.count() == 1
    assert any(path.endswith("/v3/export-jobs") for path in pleo_requests)

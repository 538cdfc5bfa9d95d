"""django-q2 entry points: thin wrappers that take ids and call the services."""

from __future__ import annotations

import logging

from exporthub.connectors import receipt_links
from exporthub.connectors.errors import ConnectorError
from exporthub.pleo.errors import PleoError
from exporthub.sync import engine, operations
from exporthub.sync.claims import worker_id
from exporthub.sync.corrections import send_waiting
from exporthub.sync.detection import confirm_announced_job, due_for_poll, poll_integration
from exporthub.sync.master_data_push import push_nightly
from exporthub.sync.models import Integration
from exporthub.sync.queue import enqueue_processing
from exporthub.sync.queue_mirror import recheck_preflight, refresh_export_queue
from exporthub.sync.reconciliation import reconcile, start_run
from exporthub.sync.reconciliation_models import ReconciliationRun, RunState

log = logging.getLogger(__name__)


def poll_all() -> int:
    """Scheduled: poll every enabled integration that is due; enqueue work where jobs wait,
    and send the corrections that wait where none does."""
    polled = 0
    for integration in Integration.objects.filter(enabled=True).select_related("pleo_connection"):
        if not due_for_poll(integration):
            continue
        polled += 1
        try:
            unfinished = poll_integration(integration)
        except PleoError as error:
            log.warning("Polling %s failed: %s", integration, error)
            continue
        if unfinished:
            enqueue_processing(integration.pk)
        else:
            send_waiting(integration.pk)  # corrections Pleo could not take before
    return polled


def refresh_export_queues() -> int:
    """Scheduled: re-read every enabled integration's export queue from Pleo into the mirror."""
    refreshed = 0
    for integration in Integration.objects.filter(enabled=True).select_related("pleo_connection"):
        try:
            refresh_export_queue(integration)
        except (PleoError, ConnectorError) as error:
            log.warning("Refreshing the export queue of %s failed: %s", integration, error)
            continue
        refreshed += 1
    return refreshed


def prune_receipt_links() -> int:
    """Delete the receipt files kept for links that have all expired (daily)."""
    return receipt_links.prune()


def process_integration(integration_id: int) -> int:
    """Process the integration's unfinished jobs, oldest first; returns jobs worked on.

    Then send the corrections that waited for those jobs to end (in a correction job, which is
    enqueued for processing in turn).
    """
    worked_on = engine.process_integration(integration_id, worker_id())
    send_waiting(integration_id)
    return worked_on


def recheck_queue_preflight(integration_id: int) -> int:
    """Recompute the pre-flight badges of the integration's queue (after a mapping changed)."""
    integration = Integration.objects.filter(pk=integration_id).first()
    return 0 if integration is None else recheck_preflight(integration)


def process_announced_job(integration_id: int, pleo_job_id: str) -> int:
    """Read the job a webhook announced from Pleo; process the integration if Pleo knows it."""
    integration = Integration.objects.select_related("pleo_connection").get(pk=integration_id)
    job = confirm_announced_job(integration, pleo_job_id)
    if job is None or job.is_finished:
        return 0
    return engine.process_integration(integration_id, worker_id())


def run_operation(operation_id: int) -> None:
    """A slow operation a user started from a page (see sync/operations.py)."""
    operations.run_operation(operation_id)


def push_master_data_nightly() -> int:
    """Scheduled: keep Pleo's tags and tax codes in step with the ERP, where admins asked."""
    pushed = 0
    for integration in Integration.objects.filter(enabled=True, push_master_data_nightly=True):
        try:
            push_nightly(integration)
        except (PleoError, ConnectorError) as error:
            log.warning("Pushing the ERP's records of %s to Pleo failed: %s", integration, error)
            continue
        pushed += 1
    return pushed


def reconcile_run(run_id: int) -> int:
    """A reconciliation run someone asked for (see sync/reconciliation.py); returns found."""
    run = ReconciliationRun.objects.select_related("integration").get(pk=run_id)
    if run.state != RunState.QUEUED:
        return 0
    return reconcile(run).found


def reconcile_all() -> int:
    """Scheduled daily: reconcile every enabled integration, all exported entries."""
    started = 0
    for integration in Integration.objects.filter(enabled=True):
        start_run(integration)
        started += 1
    return started

"""django-q2 entry points: thin wrappers that take ids and call the services."""

from __future__ import annotations

import logging

from exporthub.connectors.errors import ConnectorError
from exporthub.pleo.errors import PleoError
from exporthub.sync import engine, operations
from exporthub.sync.claims import worker_id
from exporthub.sync.detection import due_for_poll, poll_integration
from exporthub.sync.models import Integration
from exporthub.sync.queue import enqueue_processing
from exporthub.sync.queue_mirror import refresh_export_queue

log = logging.getLogger(__name__)


def poll_all() -> int:
    """Scheduled: poll every enabled integration that is due; enqueue work where jobs wait."""
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


def process_integration(integration_id: int) -> int:
    """Process the integration's unfinished jobs, oldest first; returns jobs worked on."""
    return engine.process_integration(integration_id, worker_id())


def run_operation(operation_id: int) -> None:
    """A slow operation a user started from a page (see sync/operations.py)."""
    operations.run_operation(operation_id)

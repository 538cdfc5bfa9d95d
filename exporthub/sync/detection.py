"""Finding export jobs: polling Pleo, and the webhook Pleo sends when a job is created."""

from __future__ import annotations

import json

from django.db import transaction
from django.utils import timezone

from exporthub.pleo.errors import PleoError
from exporthub.pleo.schemas.jobs import ExportJob as PleoExportJob
from exporthub.sync.jobs import record_job, refresh_from_pleo
from exporthub.sync.models import ExportJob, Integration
from exporthub.sync.wiring import open_pleo

UNFINISHED = ("pending", "in_progress")


class WebhookRejected(Exception):
    """The webhook is signed correctly but its content is unusable; nothing was changed."""


def poll_integration(integration: Integration) -> list[ExportJob]:
    """Mirror the company's pending and in-progress jobs from Pleo; return our unfinished ones.

    Detection never changes anything at Pleo. Jobs we still think are running but Pleo no longer
    lists (expired, cancelled) are re-read so their final status is known.
    """
    connection = integration.pleo_connection
    try:
        with open_pleo(integration) as pleo:
            seen = set()
            for remote in pleo.list_jobs(statuses=UNFINISHED, company_id=connection.company_id):
                job, _ = record_job(integration, remote)
                seen.add(job.pk)
            for job in integration.jobs.unfinished().exclude(pk__in=seen):
                refresh_from_pleo(pleo, job)
    except PleoError as error:
        Integration.objects.filter(pk=integration.pk).update(
            last_polled_at=timezone.now(), last_poll_error=str(error)[:2000]
        )
        raise
    Integration.objects.filter(pk=integration.pk).update(
        last_polled_at=timezone.now(), last_poll_error=""
    )
    return list(integration.jobs.unfinished().order_by("pleo_created_at"))


def due_for_poll(integration: Integration, now=None) -> bool:
    now = now or timezone.now()
    if integration.last_polled_at is None:
        return True
    return (now - integration.last_polled_at).total_seconds() >= integration.poll_interval_seconds


@transaction.atomic
def record_webhook(body: bytes) -> ExportJob | None:
    """Record the job announced by a verified `v1.export-job.created` webhook.

    Returns the job, or None for events we do not act on. Raises `WebhookRejected` for a body
    that is not a usable event. Recording is idempotent: a repeated delivery changes nothing.
    """
    try:
        event = json.loads(body)
    except ValueError as error:
        raise WebhookRejected(f"The body is not JSON: {error}") from None
    if not isinstance(event, dict):
        raise WebhookRejected("The body is not a JSON object.")
    if event.get("type") != "v1.export-job.created":
        return None
    remote = PleoExportJob.from_json(event.get("data"), where="webhook")
    integration = (
        Integration.objects.filter(pleo_connection__company_id=remote.company_id, enabled=True)
        .select_related("pleo_connection")
        .first()
    )
    if integration is None:
        raise WebhookRejected(f"No enabled integration for Pleo company {remote.company_id}.")
    job, _ = record_job(integration, remote)
    return job

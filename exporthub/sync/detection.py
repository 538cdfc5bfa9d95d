"""Finding export jobs: polling Pleo, and the webhook Pleo sends when a job is created."""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from exporthub.core.webhook_signing import TOLERANCE_SECONDS
from exporthub.pleo.errors import PleoError, PleoNotFound
from exporthub.sync.jobs import record_job, refresh_from_pleo
from exporthub.sync.models import ExportJob, Integration, WebhookDelivery
from exporthub.sync.wiring import open_pleo

log = logging.getLogger(__name__)
UNFINISHED = ("pending", "in_progress")
# How long a webhook-id is remembered: past the signature's tolerance either way.
DELIVERY_MEMORY = timedelta(seconds=3 * TOLERANCE_SECONDS)


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


@dataclass(frozen=True)
class Announcement:
    """What a verified webhook claims: a job id and a company. A hint to check, never a fact."""

    integration_id: int
    pleo_job_id: str


@transaction.atomic
def record_webhook(body: bytes, message_id: str) -> Announcement | None:
    """Accept a verified `v1.export-job.created` webhook as a hint about a new job.

    Nothing is created or changed from the payload: the caller has the job read from Pleo
    (`confirm_announced_job`), which alone says whether the job exists, its status and dates.
    Returns None for events we do not act on and for a repeated `webhook-id`. Raises
    `WebhookRejected` for a body that is not a usable event.
    """
    event = _event(body)
    if event.get("type") != "v1.export-job.created":
        return None
    data = event.get("data")
    if not isinstance(data, dict):
        raise WebhookRejected("The event has no data object.")
    job_id, company_id = _uuid(data.get("id"), "data.id"), _uuid(data.get("companyId"), "companyId")
    integration = Integration.objects.filter(
        pleo_connection__company_id=company_id, enabled=True
    ).first()
    if integration is None:
        raise WebhookRejected(f"No enabled integration for Pleo company {company_id}.")
    if not _first_delivery(message_id):
        return None
    return Announcement(integration.pk, str(job_id))


def confirm_announced_job(integration: Integration, pleo_job_id: str) -> ExportJob | None:
    """Read an announced job from Pleo and record it as Pleo describes it.

    Returns None, recording nothing, when Pleo does not know the job or it belongs to another
    company: a signed but wrong announcement must not block the company's real jobs.
    """
    try:
        with open_pleo(integration) as pleo:
            remote = pleo.get_job(pleo_job_id)
    except PleoNotFound:
        log.warning("Ignored a webhook for job %s: Pleo does not know it.", pleo_job_id)
        return None
    if str(remote.company_id) != str(integration.pleo_connection.company_id):
        log.warning("Ignored a webhook for job %s of another company.", pleo_job_id)
        return None
    job, _ = record_job(integration, remote)
    return job


def _event(body: bytes) -> dict:
    try:
        event = json.loads(body)
    except (ValueError, RecursionError) as error:
        raise WebhookRejected(f"The body is not usable JSON: {type(error).__name__}.") from None
    if not isinstance(event, dict):
        raise WebhookRejected("The body is not a JSON object.")
    return event


def _uuid(value, name: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise WebhookRejected(f"{name} is not a UUID.") from None


def _first_delivery(message_id: str) -> bool:
    """Remember `message_id`; False when it was seen within `DELIVERY_MEMORY`."""
    if len(message_id) > WebhookDelivery._meta.get_field("message_id").max_length:
        raise WebhookRejected("webhook-id is too long.")
    now = timezone.now()
    WebhookDelivery.objects.filter(received_at__lt=now - DELIVERY_MEMORY).delete()
    _, created = WebhookDelivery.objects.get_or_create(
        message_id=message_id, defaults={"received_at": now}
    )
    return created

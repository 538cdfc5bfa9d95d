"""Pleo's `v1.export-job.created` webhook, signed the Standard Webhooks way."""

from __future__ import annotations

import json
import logging

import httpx
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from exporthub.core.webhook_signing import sign
from exporthub.sandbox.models import ExportJob

logger = logging.getLogger(__name__)
TIMEOUT_SECONDS = 5
EVENT_TYPE = "v1.export-job.created"


def job_created_body(job: ExportJob) -> bytes:
    from exporthub.sandbox.payloads import job_payload

    return json.dumps({"type": EVENT_TYPE, "data": job_payload(job, timezone.now())}).encode()


def send_job_created_on_commit(job: ExportJob) -> None:
    """Deliver the webhook once the job's transaction has committed (skipped with no URL)."""
    if not settings.SANDBOX_WEBHOOK_URL:
        return
    body = job_created_body(job)
    transaction.on_commit(lambda: deliver(settings.SANDBOX_WEBHOOK_URL, body))


def deliver(url: str, body: bytes) -> bool:
    """POST one signed webhook; failures are logged, never raised. True when it was accepted."""
    headers = {"content-type": "application/json", **sign(settings.PLEO_WEBHOOK_SECRET, body)}
    try:
        response = httpx.post(url, content=body, headers=headers, timeout=TIMEOUT_SECONDS)
    except httpx.HTTPError as error:
        logger.warning("Sandbox webhook to %s failed: %s", url, error)
        return False
    if response.status_code >= 300:
        logger.warning("Sandbox webhook to %s answered HTTP %s", url, response.status_code)
        return False
    return True

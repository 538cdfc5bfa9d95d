"""The endpoint Pleo posts `v1.export-job.created` to."""

from __future__ import annotations

import logging

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from exporthub.core.webhook_signing import InvalidSignature, verify
from exporthub.sync.detection import WebhookRejected, record_webhook
from exporthub.sync.queue import enqueue_announced_job

log = logging.getLogger(__name__)


@csrf_exempt
@require_POST
def pleo_webhook(request: HttpRequest) -> HttpResponse:
    try:
        message_id = verify(settings.PLEO_WEBHOOK_SECRET, request.headers, request.body)
    except InvalidSignature as error:
        log.warning("Refused a Pleo webhook: %s", error)
        return HttpResponse(str(error), status=401, content_type="text/plain")
    try:
        announcement = record_webhook(request.body, message_id)
    except WebhookRejected as error:
        return HttpResponse(str(error), status=400, content_type="text/plain")
    if announcement is not None:
        enqueue_announced_job(announcement.integration_id, announcement.pleo_job_id)
    return HttpResponse(status=202)

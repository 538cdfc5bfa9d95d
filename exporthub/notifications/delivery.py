"""Sending a notification's deliveries: email through Django's mail backend, webhooks signed
with Standard Webhooks (or a Slack-compatible body), retried with backoff until they go.

Deliveries are claimed with `select_for_update(skip_locked=True)` and a short lease, so any
number of workers can send them and none sends one twice at once; a failure schedules the next
attempt and returns (the worker never sleeps).
"""

from __future__ import annotations

import json
import logging
import smtplib
from datetime import timedelta
from urllib.parse import urlsplit

import httpx
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from exporthub.core.webhook_signing import sign
from exporthub.notifications.messages import message_for
from exporthub.notifications.models import Channel, Delivery, DeliveryState

log = logging.getLogger(__name__)

# Seconds until the next attempt after the 1st, 2nd, … failed attempt; then it gives up.
BACKOFF = (60, 300, 1800, 7200, 43200)
LEASE = timedelta(minutes=5)
TIMEOUT = httpx.Timeout(10.0)


class DeliveryError(Exception):
    """This attempt did not reach the subscriber; `message` says why, in an operator's words."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def deliver_due(now=None, limit: int = 100) -> int:
    """Send the deliveries that are due; returns how many went out."""
    now = now or timezone.now()
    with transaction.atomic():
        due = list(
            Delivery.objects.select_for_update(skip_locked=True)
            .filter(state=DeliveryState.PENDING, next_attempt_at__lte=now)
            .order_by("next_attempt_at", "pk")
            .values_list("pk", flat=True)[:limit]
        )
        Delivery.objects.filter(pk__in=due).update(next_attempt_at=now + LEASE)
    return sum(deliver(pk, now=now) for pk in due)


def deliver(delivery_id: int, *, now=None) -> bool:
    """One attempt at one delivery; True if it went out."""
    delivery = Delivery.objects.select_related(
        "notification__integration__pleo_connection", "subscription"
    ).get(pk=delivery_id)
    if delivery.state != DeliveryState.PENDING:
        return False
    try:
        send(delivery)
    except DeliveryError as error:
        _failed(delivery, error.message, now or timezone.now())
        return False
    delivery.state, delivery.sent_at = DeliveryState.SENT, timezone.now()
    delivery.attempts += 1
    delivery.last_error = ""
    delivery.save(update_fields=["state", "sent_at", "attempts", "last_error"])
    return True


def _failed(delivery: Delivery, message: str, now) -> None:
    delivery.attempts += 1
    delivery.last_error = message[:2000]
    if delivery.attempts > len(BACKOFF):
        delivery.state = DeliveryState.FAILED
        log.warning("Gave up delivering %s: %s", delivery, message)
    else:
        delivery.next_attempt_at = now + timedelta(seconds=BACKOFF[delivery.attempts - 1])
    delivery.save(update_fields=["attempts", "last_error", "state", "next_attempt_at"])


def send(delivery: Delivery) -> None:
    subscription, notification = delivery.subscription, delivery.notification
    message = message_for(notification)
    if subscription.channel == Channel.EMAIL:
        try:
            send_mail(message.subject, message.text, None, [subscription.target])
        except (smtplib.SMTPException, OSError) as error:
            raise DeliveryError(f"The mail server refused it: {error}") from error
        return
    if subscription.channel == Channel.SLACK:
        body = {"text": f"*{message.subject}*\n{message.text}"}
    else:
        body = {
            "type": f"exporthub.{notification.kind}",
            "timestamp": notification.created_at.isoformat(),
            "data": {
                "company": notification.integration.name,
                "count": notification.count,
                "summary": message.text,
                "url": message.link,
                **notification.data,
            },
        }
    content = json.dumps(body).encode()
    headers = {"content-type": "application/json", "user-agent": "exporthub-notifications"}
    if subscription.secret:
        headers.update(sign(subscription.secret, content, msg_id=f"msg_{delivery.pk}"))
    _post(subscription.target, content, headers)


def _post(url: str, content: bytes, headers: dict) -> None:
    host = urlsplit(url).netloc  # errors name the host: a Slack webhook's path is its secret
    try:
        response = httpx.post(
            url, content=content, headers=headers, timeout=TIMEOUT, follow_redirects=False
        )
    except httpx.HTTPError as error:
        raise DeliveryError(f"Could not reach {host}: {error.__class__.__name__}") from error
    if not 200 <= response.status_code < 300:
        raise DeliveryError(f"{host} answered HTTP {response.status_code}.")

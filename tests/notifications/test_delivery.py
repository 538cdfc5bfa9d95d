"""Deliveries by email and webhook: what they say, signatures, retries with backoff."""

from __future__ import annotations

from datetime import timedelta

from django.core import mail
from django.utils import timezone

from exporthub.core.webhook_signing import verify
from exporthub.notifications.delivery import BACKOFF, deliver_due
from exporthub.notifications.events import sweep
from exporthub.notifications.models import Channel, Delivery, DeliveryState, Subscription
from exporthub.pleo.models import PleoConnection
from tests.notifications.conftest import payload
from tests.notifications.test_events import subscribe

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


def test_an_email_says_what_happened_how_many_entries_and_links_to_the_fix(
    integration, finished_job, settings
):
    settings.PUBLIC_URL = "https://hub.nordlys.test"
    subscribe(integration)
    sweep()

    assert deliver_due() == 1
    assert deliver_due() == 0

    (message,) = mail.outbox
    assert message.to == ["books@nordlys.test"]
    assert message.subject == "[exporthub] Nordlys Design ApS: entries failed to export"
    count = finished_job.items_failed
    assert count == 1 and "ended with errors: 1 entry failed." in message.body
    assert f"https://hub.nordlys.test/jobs/{finished_job.pk}/" in message.body
    delivery = Delivery.objects.get()
    assert (delivery.state, delivery.attempts) == (DeliveryState.SENT, 1)


def test_a_danish_company_is_told_in_danish(integration, finished_job):
    PleoConnection.objects.filter(pk=integration.pleo_connection_id).update(locale="da_DK")
    subscribe(integration)
    sweep()
    deliver_due()
    body = mail.outbox[0].body
    assert "sluttede med fejl: 1 postering fejlede." in body
    assert "Ret det her: http" in body


def test_a_webhook_is_signed_and_carries_the_event_as_data(integration, finished_job, receiver):
    Subscription.objects.create(
        integration=integration,
        channel=Channel.WEBHOOK,
        target=receiver.url,
        secret=SECRET,
        events=["job_completed_with_errors"],
    )
    sweep()
    deliver_due()

    (request,) = receiver.received
    verify(SECRET, request["headers"], request["body"])  # raises if the signature is wrong
    body = payload(request)
    assert body["type"] == "exporthub.job_completed_with_errors"
    assert body["data"]["count"] == finished_job.items_failed
    assert body["data"]["job"] == str(finished_job.pleo_id)
    assert body["data"]["url"].endswith(f"/jobs/{finished_job.pk}/")


def test_a_slack_webhook_gets_a_text_body(integration, finished_job, receiver):
    Subscription.objects.create(
        integration=integration,
        channel=Channel.SLACK,
        target=receiver.url,
        events=["job_completed_with_errors"],
    )
    sweep()
    deliver_due()
    text = payload(receiver.received[0])["text"]
    assert text.startswith("*[exporthub] Nordlys Design ApS: entries failed to export*")


def test_a_refused_delivery_is_retried_with_backoff_then_given_up(
    integration, finished_job, receiver
):
    Subscription.objects.create(
        integration=integration,
        channel=Channel.WEBHOOK,
        target=receiver.url,
        secret=SECRET,
        events=["job_completed_with_errors"],
    )
    sweep()
    receiver.status = 503
    now = timezone.now()

    assert deliver_due(now=now) == 0
    delivery = Delivery.objects.get()
    assert (delivery.state, delivery.attempts) == (DeliveryState.PENDING, 1)
    assert delivery.next_attempt_at == now + timedelta(seconds=BACKOFF[0])
    assert "answered HTTP 503" in delivery.last_error
    assert "/hooks/exporthub" not in delivery.last_error  # a webhook URL's path stays out
    assert deliver_due(now=now + timedelta(seconds=BACKOFF[0] - 1)) == 0  # not due yet
    assert len(receiver.received) == 1

    receiver.status = 200
    assert deliver_due(now=now + timedelta(seconds=BACKOFF[0])) == 1
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == (DeliveryState.SENT, 2)
    assert len(receiver.received) == 2
    assert {r["headers"]["webhook-id"] for r in receiver.received} == {f"msg_{delivery.pk}"}


def test_it_gives_up_after_the_last_backoff(integration, finished_job, receiver):
    Subscription.objects.create(
        integration=integration,
        channel=Channel.WEBHOOK,
        target=receiver.url,
        events=["job_completed_with_errors"],
    )
    sweep()
    receiver.status = 500
    now = timezone.now()
    for _ in range(len(BACKOFF) + 1):
        now += timedelta(days=1)
        deliver_due(now=now)
    delivery = Delivery.objects.get()
    assert (delivery.state, delivery.attempts) == (DeliveryState.FAILED, len(BACKOFF) + 1)
    assert deliver_due(now=now + timedelta(days=1)) == 0

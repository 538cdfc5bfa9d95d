"""Notification subscriptions and deliveries over the API; a webhook's secret is told once."""

from __future__ import annotations

from exporthub.core.models import ActivityEntry
from exporthub.core.webhook_signing import verify
from exporthub.notifications.delivery import deliver_due
from exporthub.notifications.events import sweep
from exporthub.notifications.models import Channel, Delivery, DeliveryState, Subscription
from tests.api.conftest import problem_of
from tests.notifications import conftest as notifications

receiver = notifications.receiver  # a real HTTP server on a loopback port (fixture)


def test_a_webhook_subscription_gets_its_secret_once_and_deliveries_are_signed_with_it(
    api_as, users, integration, finished_job, receiver
):
    api = api_as(users["admin"])
    created = api.post(
        "notifications/subscriptions",
        {"integration_id": integration.pk, "channel": "webhook", "target": receiver.url,
         "events": ["job_completed_with_errors"]},
    )  # fmt: skip
    assert created.status_code == 201
    body = created.json()
    subscription = Subscription.objects.get()
    assert body["id"] == subscription.pk and body["signed"] is True
    assert body["secret"].startswith("whsec_") and body["secret"] == subscription.secret
    assert subscription.created_by == users["admin"]
    assert ActivityEntry.objects.filter(action="notifications.subscription.created").exists()

    listed = api.get("notifications/subscriptions")
    assert [row["id"] for row in listed.json()["items"]] == [subscription.pk]
    assert "secret" not in listed.json()["items"][0]
    assert subscription.secret.encode() not in listed.content
    assert listed.json()["items"][0]["signed"] is True

    sweep()
    deliver_due()
    (request,) = receiver.received
    verify(body["secret"], request["headers"], request["body"])  # signed with the told secret
    deliveries = api.get("notifications/deliveries").json()["items"]
    assert [(d["state"], d["attempts"], d["last_error"]) for d in deliveries] == [
        (DeliveryState.SENT, 1, "")
    ]
    assert deliveries[0]["notification"]["kind"] == "job_completed_with_errors"
    assert deliveries[0]["subscription_id"] == subscription.pk
    assert subscription.secret.encode() not in api.get("notifications/deliveries").content


def test_a_failed_delivery_shows_its_attempts_and_last_error(
    api_as, users, integration, finished_job, receiver
):
    receiver.status = 500
    Subscription.objects.create(integration=integration, channel=Channel.WEBHOOK,
        target=receiver.url, secret="whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        events=["job_completed_with_errors"])  # fmt: skip
    sweep()
    deliver_due()
    api = api_as(users["admin"])
    (shown,) = api.get("notifications/deliveries", {"state": "pending"}).json()["items"]
    delivery = Delivery.objects.get()
    assert (shown["id"], shown["attempts"], shown["last_error"]) == (
        delivery.pk, 1, delivery.last_error)  # fmt: skip
    assert shown["last_error"] and "500" in shown["last_error"]
    assert api.get("notifications/deliveries", {"state": "sent"}).json()["items"] == []
    bad = api.get("notifications/deliveries", {"state": "lost"})
    assert bad.status_code == 422 and problem_of(bad)["type"].endswith(":validation")


def test_an_email_subscription_has_no_secret_and_bad_targets_are_refused(
    api_as, users, integration
):
    api = api_as(users["admin"])
    email = api.post("notifications/subscriptions", {"integration_id": integration.pk,
        "channel": "email", "target": "books@nordlys.test", "events": ["job_failed"]})  # fmt: skip
    assert email.status_code == 201
    assert (email.json()["secret"], email.json()["signed"]) == (None, False)

    refused = api.post("notifications/subscriptions", {"integration_id": integration.pk,
        "channel": "email", "target": "not-an-address", "events": ["job_failed"]})  # fmt: skip
    assert refused.status_code == 422
    assert problem_of(refused)["errors"] == [
        {"field": "target", "message": "Enter an email address."}
    ]
    unknown = api.post("notifications/subscriptions", {"integration_id": integration.pk,
        "channel": "email", "target": "a@b.test", "events": ["everything"]})  # fmt: skip
    assert unknown.status_code == 422
    assert [e["field"] for e in problem_of(unknown)["errors"]] == ["events"]
    assert Subscription.objects.count() == 1


def test_deleting_a_subscription_removes_it_and_its_deliveries(
    api_as, users, integration, finished_job
):
    subscription = Subscription.objects.create(integration=integration, channel=Channel.EMAIL,
        target="books@nordlys.test", events=["job_completed_with_errors"])  # fmt: skip
    sweep()
    assert Delivery.objects.count() == 1
    api = api_as(users["admin"])
    assert api.delete(f"notifications/subscriptions/{subscription.pk}").status_code == 204
    assert not Subscription.objects.exists() and not Delivery.objects.exists()
    assert ActivityEntry.objects.filter(action="notifications.subscription.deleted").exists()
    again = api.delete(f"notifications/subscriptions/{subscription.pk}")
    assert again.status_code == 404

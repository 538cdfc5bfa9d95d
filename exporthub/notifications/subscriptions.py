"""Subscriptions and deliveries in a user's companies; subscribing and unsubscribing (the
dashboard pages and the API both come here)."""

from __future__ import annotations

import base64
import secrets

from exporthub.core.activity import log_activity
from exporthub.dashboard import scope
from exporthub.notifications.forms import SubscriptionForm
from exporthub.notifications.models import Channel, Delivery, Subscription


def subscriptions_of(user):
    """The subscriptions of the user's companies."""
    return Subscription.objects.filter(integration__in=scope.integrations(user)).select_related(
        "integration"
    )


def deliveries_of(user):
    """The deliveries to the user's companies' subscribers, newest first."""
    return (
        Delivery.objects.filter(subscription__integration__in=scope.integrations(user))
        .select_related("notification__integration", "subscription")
        .order_by("-created_at", "-id")
    )


def new_webhook_secret() -> str:
    """A Standard Webhooks signing secret: whsec_ and 32 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def subscribe(form: SubscriptionForm, *, user) -> Subscription:
    """Save a valid form's subscription; a webhook gets its signing secret, shown once."""
    subscription = form.save(commit=False)
    subscription.created_by = user
    if subscription.channel == Channel.WEBHOOK:
        subscription.secret = new_webhook_secret()
    subscription.save()
    log_activity(
        "notifications.subscription.created",
        actor=user,
        company_id=subscription.integration.pleo_connection.company_id,
        obj=subscription,
        after={"channel": subscription.channel, "events": subscription.events},
    )
    return subscription


def unsubscribe(subscription: Subscription, *, user) -> None:
    log_activity(
        "notifications.subscription.deleted",
        actor=user,
        company_id=subscription.integration.pleo_connection.company_id,
        before={"channel": subscription.channel, "target": subscription.target_display},
    )
    subscription.delete()

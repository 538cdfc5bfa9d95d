"""Notification subscriptions (email, signed webhook, Slack) and their deliveries."""

from __future__ import annotations

from ninja import Query, Router, Status

from exporthub.api.auth import role
from exporthub.api.common import one
from exporthub.api.pagination import DEFAULT_LIMIT, page_schema, paginate
from exporthub.api.problems import invalid
from exporthub.api.schemas import (
    DeliveryFilters,
    DeliveryOut,
    SubscriptionCreatedOut,
    SubscriptionIn,
    SubscriptionOut,
)
from exporthub.core.access import ADMIN
from exporthub.dashboard import scope
from exporthub.notifications.forms import SubscriptionForm
from exporthub.notifications.subscriptions import (
    deliveries_of,
    subscribe,
    subscriptions_of,
    unsubscribe,
)

router = Router(tags=["notifications"])


@router.get(
    "/notifications/subscriptions",
    response=page_schema(SubscriptionOut, "SubscriptionList"),
    auth=role(ADMIN),
)
def list_subscriptions(request, cursor: str | None = None, limit: int = DEFAULT_LIMIT):
    """Every subscription of your companies (never a webhook's secret)."""
    return paginate(subscriptions_of(request.auth), ["id"], cursor=cursor, limit=limit)


@router.post(
    "/notifications/subscriptions", response={201: SubscriptionCreatedOut}, auth=role(ADMIN)
)
def create_subscription(request, data: SubscriptionIn):
    """Subscribe an email address or a webhook URL to a company's events. A webhook's signing
    secret is in this answer only: keep it, no later answer shows it."""
    values = data.dict()
    values["integration"] = values.pop("integration_id")
    form = SubscriptionForm(values, integrations=scope.integrations(request.auth))
    if not form.is_valid():
        raise invalid(form)
    return Status(201, subscribe(form, user=request.auth))


@router.delete(
    "/notifications/subscriptions/{int:subscription_pk}", response={204: None}, auth=role(ADMIN)
)
def delete_subscription(request, subscription_pk: int):
    subscription = one(subscriptions_of(request.auth), "subscription", pk=subscription_pk)
    unsubscribe(subscription, user=request.auth)
    return Status(204, None)


@router.get(
    "/notifications/deliveries",
    response=page_schema(DeliveryOut, "DeliveryList"),
    auth=role(ADMIN),
)
def list_deliveries(
    request,
    filters: Query[DeliveryFilters],
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
):
    """Each event's delivery to each subscriber, newest first: its state, the attempts made
    and the last error."""
    rows = deliveries_of(request.auth)
    if filters.state:
        rows = rows.filter(state=filters.state)
    return paginate(rows, ["-created_at", "-id"], cursor=cursor, limit=limit)

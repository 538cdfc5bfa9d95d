"""The admin's notification pages: subscriptions per company, and every delivery's status."""

from __future__ import annotations

import base64
import secrets

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from exporthub.core.access import ADMIN, role_required
from exporthub.core.activity import log_activity
from exporthub.dashboard import scope
from exporthub.notifications.forms import SubscriptionForm
from exporthub.notifications.models import Channel, Delivery, Subscription


def _subscriptions(user):
    return Subscription.objects.filter(integration__in=scope.integrations(user)).select_related(
        "integration"
    )


@role_required(ADMIN)
def subscription_list(request: HttpRequest) -> HttpResponse:
    integrations = scope.integrations(request.user)
    form = SubscriptionForm(request.POST or None, integrations=integrations)
    if request.method == "POST" and form.is_valid():
        subscription = form.save(commit=False)
        subscription.created_by = request.user
        if subscription.channel == Channel.WEBHOOK:
            subscription.secret = "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()
        subscription.save()
        log_activity(
            "notifications.subscription.created",
            actor=request.user,
            company_id=subscription.integration.pleo_connection.company_id,
            obj=subscription,
            after={"channel": subscription.channel, "events": subscription.events},
        )
        if subscription.secret:
            messages.success(
                request,
                _(
                    "Subscribed. The webhooks are signed (Standard Webhooks) with this secret, "
                    "shown only now: %(secret)s"
                )
                % {"secret": subscription.secret},
            )
        else:
            messages.success(request, _("Subscribed."))
        return redirect("notifications:subscription-list")
    context = {"form": form, "subscriptions": _subscriptions(request.user)}
    return render(
        request, "notifications/subscription_list.html", context, status=422 if form.errors else 200
    )


@require_POST
@role_required(ADMIN)
def subscription_delete(request: HttpRequest, pk: int) -> HttpResponse:
    subscription = get_object_or_404(_subscriptions(request.user), pk=pk)
    log_activity(
        "notifications.subscription.deleted",
        actor=request.user,
        company_id=subscription.integration.pleo_connection.company_id,
        before={"channel": subscription.channel, "target": subscription.target},
    )
    subscription.delete()
    messages.success(request, _("Subscription removed."))
    return redirect("notifications:subscription-list")


@role_required(ADMIN)
def delivery_list(request: HttpRequest) -> HttpResponse:
    deliveries = Delivery.objects.filter(
        subscription__integration__in=scope.integrations(request.user)
    ).select_related("notification__integration", "subscription")
    ordered = deliveries.order_by("-created_at", "-id")
    page = Paginator(ordered, 50).get_page(request.GET.get("page"))
    return render(request, "notifications/delivery_list.html", {"page": page})

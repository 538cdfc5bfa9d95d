"""The admin's notification pages: subscriptions per company, and every delivery's status."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from exporthub.core.access import ADMIN, role_required
from exporthub.dashboard import scope
from exporthub.notifications.forms import SubscriptionForm
from exporthub.notifications.subscriptions import (
    deliveries_of,
    subscribe,
    subscriptions_of,
    unsubscribe,
)


@role_required(ADMIN)
def subscription_list(request: HttpRequest) -> HttpResponse:
    integrations = scope.integrations(request.user)
    form = SubscriptionForm(request.POST or None, integrations=integrations)
    if request.method == "POST" and form.is_valid():
        subscription = subscribe(form, user=request.user)
        if subscription.secret:
            # Shown in this answer only (a flash message would keep it in the session store).
            context = {
                "form": SubscriptionForm(integrations=integrations),
                "subscriptions": subscriptions_of(request.user),
                "new_secret": subscription.secret,
            }
            return render(request, "notifications/subscription_list.html", context, status=201)
        messages.success(request, _("Subscribed."))
        return redirect("notifications:subscription-list")
    context = {"form": form, "subscriptions": subscriptions_of(request.user)}
    return render(
        request, "notifications/subscription_list.html", context, status=422 if form.errors else 200
    )


@require_POST
@role_required(ADMIN)
def subscription_delete(request: HttpRequest, pk: int) -> HttpResponse:
    subscription = get_object_or_404(subscriptions_of(request.user), pk=pk)
    unsubscribe(subscription, user=request.user)
    messages.success(request, _("Subscription removed."))
    return redirect("notifications:subscription-list")


@role_required(ADMIN)
def delivery_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(deliveries_of(request.user), 50).get_page(request.GET.get("page"))
    return render(request, "notifications/delivery_list.html", {"page": page})

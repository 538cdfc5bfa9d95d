"""The admin's notification pages."""

from __future__ import annotations

from django.urls import reverse

from exporthub.notifications.delivery import deliver_due
from exporthub.notifications.events import sweep
from exporthub.notifications.models import Channel, Subscription


def test_an_admin_subscribes_a_webhook_and_sees_its_secret_once(client, admin_user, integration):
    client.force_login(admin_user)
    response = client.post(
        reverse("notifications:subscription-list"),
        {
            "integration": integration.pk,
            "channel": Channel.WEBHOOK,
            "target": "https://hooks.nordlys.test/exporthub",
            "events": ["job_failed", "job_stuck"],
        },
        follow=True,
    )
    subscription = Subscription.objects.get()
    assert subscription.secret.startswith("whsec_")
    assert subscription.secret in response.content.decode()
    assert (
        subscription.secret
        not in client.get(reverse("notifications:subscription-list")).content.decode()
    )
    assert subscription.events == ["job_failed", "job_stuck"]


def test_bad_targets_get_a_clear_error(client, admin_user, integration):
    client.force_login(admin_user)
    response = client.post(
        reverse("notifications:subscription-list"),
        {
            "integration": integration.pk,
            "channel": "email",
            "target": "not-an-address",
            "events": ["job_failed"],
        },
    )
    assert response.status_code == 422
    assert "Enter an email address." in response.content.decode()
    assert not Subscription.objects.exists()


def test_the_deliveries_page_shows_each_delivery_and_its_state(
    client, admin_user, integration, finished_job
):
    Subscription.objects.create(
        integration=integration,
        channel=Channel.EMAIL,
        target="books@nordlys.test",
        events=["job_completed_with_errors"],
    )
    sweep()
    deliver_due()
    client.force_login(admin_user)
    html = client.get(reverse("notifications:delivery-list")).content.decode()
    assert "An export job ended with errors" in html
    assert 'data-state="sent"' in html
    assert "books@nordlys.test" in html


def test_accountants_cannot_manage_notifications(client, accountant):
    client.force_login(accountant)
    assert client.get(reverse("notifications:subscription-list")).status_code == 403

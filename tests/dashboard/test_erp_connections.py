"""The ERP connection page's "Test connection" button."""

from __future__ import annotations

from django.urls import reverse

from exporthub.core.models import ActivityEntry


def test_it_reports_a_ledger_that_answers(client, admin_user, integration):
    client.force_login(admin_user)
    config = integration.erp_connection
    response = client.post(reverse("dashboard:erp-connection-test", args=[config.pk]), follow=True)
    assert response.redirect_chain[-1][0] == reverse(
        "dashboard:erp-connection-edit", args=[config.pk]
    )
    assert "The ERP answered and accepted the credentials." in response.content.decode()
    logged = ActivityEntry.objects.get(action="dashboard.erp.tested")
    assert logged.object_id == str(config.pk) and logged.data["ok"] is True


def test_it_shows_a_clear_error_for_a_missing_ledger_folder(client, admin_user, integration):
    config = integration.erp_connection
    config.settings = {**config.settings, "ledger_path": "/nowhere/at/all/main.beancount"}
    config.save()
    client.force_login(admin_user)
    response = client.post(reverse("dashboard:erp-connection-test", args=[config.pk]), follow=True)
    assert "The ledger folder /nowhere/at/all does not exist." in response.content.decode()
    assert ActivityEntry.objects.filter(action="dashboard.erp.test_failed").count() == 1


def test_it_shows_the_last_test_on_the_overview(client, admin_user, integration):
    client.force_login(admin_user)
    config = integration.erp_connection
    client.post(reverse("dashboard:erp-connection-test", args=[config.pk]))
    assert "reachable" in client.get(reverse("home")).content.decode()
    config.settings = {**config.settings, "ledger_path": "/nowhere/at/all/main.beancount"}
    config.save()
    client.post(reverse("dashboard:erp-connection-test", args=[config.pk]))
    page = client.get(reverse("home")).content.decode()
    assert "failing" in page and "The ledger folder /nowhere/at/all does not exist." in page

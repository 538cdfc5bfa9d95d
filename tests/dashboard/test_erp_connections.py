"""The ERP connection page's "Test connection" button."""

from __future__ import annotations

from django.db import connection
from django.urls import reverse

from exporthub.connectors.models import ConnectorConfig
from exporthub.core.models import ActivityEntry
from tests.connectors.receiver import SECRET, Receiver


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


def test_an_admin_sets_up_an_http_endpoint_with_its_secret_and_tests_it(
    client, admin_user, tmp_path
):
    receiver = Receiver(tmp_path / "receiver.sqlite3").start()
    create = reverse("dashboard:erp-connection-create") + "?kind=http_endpoint"
    fields = {"name": "Own ERP", "settings-timeout": 10, "settings-receipt_link_days": 7}
    try:
        client.force_login(admin_user)
        form = client.get(create).content.decode()
        assert 'type="password" name="settings-signing_secret"' in form

        response = client.post(
            create, {**fields, "settings-url": receiver.url, "settings-signing_secret": SECRET}
        )

        config = ConnectorConfig.objects.get(name="Own ERP")
        assert response.status_code == 302
        assert config.kind == "http_endpoint"
        assert config.settings == {"url": receiver.url, "timeout": 10, "receipt_link_days": 7}
        assert config.secret("signing_secret") == SECRET
        with connection.cursor() as cursor:
            cursor.execute("SELECT secrets FROM connectors_connectorconfig")
            assert SECRET not in cursor.fetchone()[0]  # encrypted at rest
        edit = reverse("dashboard:erp-connection-edit", args=[config.pk])
        tested = client.post(
            reverse("dashboard:erp-connection-test", args=[config.pk]), follow=True
        )
        assert "The ERP answered and accepted the credentials." in tested.content.decode()

        moved = client.post(edit, {**fields, "settings-url": "https://elsewhere.example/in"})

        assert moved.status_code == 422
        assert "enter this secret again" in moved.content.decode()
        config.refresh_from_db()
        assert config.settings["url"] == receiver.url
    finally:
        receiver.stop()

"""A secret that no configured key decrypts takes no page down: its own page asks to re-enter it."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from django.urls import reverse

from exporthub.connectors.models import ConnectorConfig
from exporthub.core import crypto
from exporthub.pleo.models import PleoConnection

RE_ENTER = "re-enter this secret"


@pytest.fixture
def keys_lost(settings, integration):
    """The key the integration's secrets were stored with is gone from the configuration."""
    config = integration.erp_connection
    config.set_secret("api_key", "erp-secret")
    config.save()
    settings.ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    return integration


def test_every_page_still_answers_and_the_connection_pages_ask_for_the_secret(
    client, admin_user, keys_lost
):
    client.force_login(admin_user)
    pleo = reverse("dashboard:pleo-connection-edit", args=[keys_lost.pleo_connection_id])
    erp = reverse("dashboard:erp-connection-edit", args=[keys_lost.erp_connection_id])
    for name in ["dashboard:job-list", "dashboard:failure-list", "dashboard:pleo-connection-list",
                 "dashboard:erp-connection-list"]:  # fmt: skip
        assert client.get(reverse(name)).status_code == 200, name

    for page in (pleo, erp):
        answer = client.get(page)
        assert answer.status_code == 200
        assert RE_ENTER in answer.content.decode()


def test_a_readable_connection_page_does_not_ask(client, admin_user, integration):
    client.force_login(admin_user)
    page = reverse("dashboard:pleo-connection-edit", args=[integration.pleo_connection_id])

    assert RE_ENTER not in client.get(page).content.decode()


def test_saving_a_row_keeps_its_unreadable_secret_for_when_the_key_returns(settings, integration):
    old_keys = list(settings.ENCRYPTION_KEYS)
    original = integration.pleo_connection.api_key
    settings.ENCRYPTION_KEYS = [Fernet.generate_key().decode()]

    connection = PleoConnection.objects.get(pk=integration.pleo_connection_id)
    assert connection.unreadable_secrets == ["api_key"]
    assert connection.api_key == ""
    connection.name = "Renamed"
    connection.save()

    settings.ENCRYPTION_KEYS = old_keys
    assert PleoConnection.objects.get(pk=connection.pk).api_key == original


def test_re_entering_the_secret_stores_it_with_the_current_key(settings, integration):
    settings.ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    config = ConnectorConfig.objects.get(pk=integration.erp_connection_id)

    config.set_secret("api_key", "new-secret")
    config.save()

    again = ConnectorConfig.objects.get(pk=config.pk)
    assert again.unreadable_secrets == []
    assert again.secret("api_key") == "new-secret"
    assert not isinstance(again.secrets, crypto.UnreadableSecret)

from __future__ import annotations

import pytest
from django.db import connection

from exporthub.connectors.models import ConnectorConfig


def test_it_stores_secrets_encrypted(db):
    config = ConnectorConfig(name="ERP", kind="tryton", settings={"database": "pleo"})
    config.set_secret("api_key", "very-secret-key")
    config.save()

    with connection.cursor() as cursor:
        cursor.execute("SELECT secrets FROM connectors_connectorconfig WHERE id = %s", [config.pk])
        (raw,) = cursor.fetchone()

    assert "very-secret-key" not in raw
    assert ConnectorConfig.objects.get(pk=config.pk).secret("api_key") == "very-secret-key"
    assert str(config) == "ERP (tryton)"
    assert "very-secret-key" not in repr(config)


def test_it_reads_a_secret_from_the_environment(monkeypatch):
    monkeypatch.setenv("EXPORTHUB_TRYTON_API_KEY", "from-env")
    config = ConnectorConfig(name="ERP", kind="tryton")

    assert config.secret("api_key") == "from-env"


def test_it_forgets_a_secret_set_to_empty():
    config = ConnectorConfig(name="ERP", kind="tryton")
    config.set_secret("api_key", "k")
    config.set_secret("api_key", "")

    assert config.secret("api_key") == ""


@pytest.mark.urls("tests.connectors.admin_urls")
def test_it_never_shows_secrets_in_the_admin(admin_client):
    config = ConnectorConfig(name="ERP", kind="beancount", settings={"ledger_path": "x"})
    config.set_secret("token", "very-secret-key")
    config.save()

    response = admin_client.get(f"/admin/connectors/connectorconfig/{config.pk}/change/")

    assert response.status_code == 200
    assert b"very-secret-key" not in response.content
    assert b"ERP" in response.content

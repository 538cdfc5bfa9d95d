from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from django.db import connection as db
from django.utils import timezone

from exporthub.pleo.auth import ApiKeyAuth
from exporthub.pleo.connections import client_for
from exporthub.pleo.errors import PleoUnauthorized
from exporthub.pleo.models import PleoConnection
from exporthub.sandbox import services


@pytest.fixture
def stored(db) -> PleoConnection:
    return PleoConnection.objects.create(
        name="Acme",
        base_url="https://external.pleo.io",
        auth_method=PleoConnection.AuthMethod.OAUTH,
        api_key="plp_secret-api-key",
        oauth_client_id="client-1",
        oauth_client_secret="secret-client-secret",
        access_token="secret-access-token",
        refresh_token="secret-refresh-token",
    )


SECRETS = (
    "plp_secret-api-key",
    "secret-client-secret",
    "secret-access-token",
    "secret-refresh-token",
)


def test_it_encrypts_secrets_at_rest(stored):
    columns = "api_key, oauth_client_secret, access_token, refresh_token"
    with db.cursor() as cursor:
        cursor.execute(f"SELECT {columns} FROM pleo_pleoconnection WHERE id = %s", [stored.pk])
        raw = cursor.fetchone()

    assert all(value and value not in SECRETS for value in raw)
    assert PleoConnection.objects.get(pk=stored.pk).refresh_token == "secret-refresh-token"


def test_it_keeps_secrets_out_of_str_and_repr(stored):
    client = client_for(stored)
    texts = [
        str(stored),
        repr(stored),
        repr(client),
        repr(client._auth),
        repr(client._auth.tokens),
        repr(ApiKeyAuth("plp_secret-api-key")),
    ]
    client.close()

    assert str(stored) == "Acme"
    for text in texts:
        for secret in SECRETS:
            assert secret not in text


def test_it_keeps_secrets_out_of_logs_and_errors(make_client, oauth_setup, wire, acme, caplog):
    caplog.set_level(logging.DEBUG)
    services.set_faults(acme.company, fail_next=2, fail_status=429, retry_after=0)
    with make_client(acme.api_key, acme.id) as by_key:
        assert list(by_key.list_jobs()) == []
    conn = oauth_setup.connection
    PleoConnection.objects.filter(pk=conn.pk).update(
        access_token_expires_at=timezone.now() - timedelta(minutes=5)
    )
    conn.refresh_from_db()
    with client_for(conn, transport=wire) as by_oauth:
        assert list(by_oauth.list_jobs()) == []
    conn.refresh_from_db()
    with make_client("plp_wrong-key", acme.id) as wrong, pytest.raises(PleoUnauthorized) as err:
        list(wrong.list_jobs())

    secrets = [
        acme.api_key,
        "plp_wrong-key",
        oauth_setup.client_secret,
        conn.access_token,
        conn.refresh_token,
    ]
    assert "retry 1 of" in caplog.text  # the retries were logged ...
    assert "Refreshed the OAuth token" in caplog.text  # ... and so was the refresh
    for secret in secrets:
        assert secret not in caplog.text
        assert secret not in str(err.value)
        assert secret not in repr(err.value)

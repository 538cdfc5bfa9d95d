"""Connecting Pleo through OAuth: dashboard → sandbox consent page → dashboard callback."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import pytest
from django.contrib.messages import get_messages
from django.db import connection as db
from django.urls import reverse

from exporthub.pleo.models import PleoConnection
from exporthub.sandbox import services as sandbox

CALLBACK = "http://testserver/settings/pleo/callback/"


@pytest.fixture
def pleo_app(db):
    """A Pleo company and the OAuth app its admin registered for the hub (callback URL)."""
    company, _ = sandbox.create_company(name="Havblik ApS", currency="DKK")
    client, secret = sandbox.create_oauth_client(company, redirect_uri=CALLBACK)
    return company, client, secret


@pytest.fixture
def oauth_connection(client, admin_user, pleo_app, sandbox_base_url):
    """Saved through the dashboard form, as an admin does; waits for authorisation."""
    company, app, secret = pleo_app
    client.force_login(admin_user)
    response = client.post(
        reverse("dashboard:pleo-connection-create"),
        {
            "name": "Havblik",
            "company_id": str(company.uuid),
            "base_url": sandbox_base_url,
            "auth_method": "oauth",
            "oauth_client_id": app.client_id,
            "oauth_client_secret": secret,
            "oauth_scopes": "companies:read export-jobs:read export-jobs:write",
        },
    )
    assert response.status_code == 302
    return PleoConnection.objects.get(name="Havblik")


def go_to_consent_page(client, connection) -> tuple[str, dict]:
    response = client.post(reverse("dashboard:pleo-connection-authorize", args=[connection.pk]))
    assert response.status_code == 302
    url = urlsplit(response["Location"])
    assert url.path == "/sandbox/pleo/oauth/authorize"
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "Havblik ApS" in page.content.decode()  # the consent page names the company
    return url.path, dict(parse_qsl(url.query))


def stored_column(connection, column: str) -> str:
    with db.cursor() as cursor:
        table = PleoConnection._meta.db_table
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [connection.pk])
        return cursor.fetchone()[0]


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_it_connects_pleo_through_the_consent_page(client, oauth_connection, pleo_app):
    assert oauth_connection.status == PleoConnection.Status.PENDING_AUTHORIZATION
    path, params = go_to_consent_page(client, oauth_connection)
    assert params["client_id"] == pleo_app[1].client_id
    assert params["redirect_uri"] == CALLBACK
    assert params["code_challenge_method"] == "S256"

    approved = client.post(path, {**params, "decision": "approve"})
    back = urlsplit(approved["Location"])
    assert back.path == reverse("dashboard:pleo-oauth-callback")
    answer = dict(parse_qsl(back.query))
    assert answer["state"] == params["state"] and answer["code"]

    done = client.get(approved["Location"], follow=True)
    assert done.redirect_chain[-1][0] == reverse(
        "dashboard:pleo-connection-edit", args=[oauth_connection.pk]
    )
    assert "Connected to Pleo." in messages_of(done)
    oauth_connection.refresh_from_db()
    assert oauth_connection.status == PleoConnection.Status.ACTIVE
    assert oauth_connection.access_token and oauth_connection.refresh_token
    for column, secret in [
        ("access_token", oauth_connection.access_token),
        ("refresh_token", oauth_connection.refresh_token),
        ("oauth_client_secret", pleo_app[2]),
    ]:
        raw = stored_column(oauth_connection, column)
        assert raw and secret not in raw, column  # encrypted at rest
    assert oauth_connection.access_token not in done.content.decode()


def test_it_calls_pleo_with_the_new_tokens(client, oauth_connection, pleo_app):
    path, params = go_to_consent_page(client, oauth_connection)
    client.get(client.post(path, {**params, "decision": "approve"})["Location"])
    response = client.post(
        reverse("dashboard:pleo-connection-test", args=[oauth_connection.pk]), follow=True
    )
    assert "Pleo answered for Havblik ApS." in messages_of(response)


def test_it_stores_nothing_when_the_admin_denies(client, oauth_connection):
    path, params = go_to_consent_page(client, oauth_connection)
    denied = client.post(path, {**params, "decision": "deny"})
    response = client.get(denied["Location"], follow=True)
    assert "Pleo did not authorise the connection: access_denied." in messages_of(response)
    oauth_connection.refresh_from_db()
    assert oauth_connection.access_token == ""
    assert oauth_connection.status == PleoConnection.Status.PENDING_AUTHORIZATION


def test_it_refuses_an_answer_for_another_sign_in(client, oauth_connection):
    path, params = go_to_consent_page(client, oauth_connection)
    approved = client.post(path, {**params, "state": "forged", "decision": "approve"})
    response = client.get(approved["Location"], follow=True)
    assert response.redirect_chain[-1][0] == reverse("dashboard:pleo-connection-list")
    assert any("does not belong to this session" in m for m in messages_of(response))
    oauth_connection.refresh_from_db()
    assert oauth_connection.access_token == ""


def test_it_does_not_reuse_a_sign_in_answer(client, oauth_connection):
    path, params = go_to_consent_page(client, oauth_connection)
    callback = client.post(path, {**params, "decision": "approve"})["Location"]
    client.get(callback)
    again = client.get(callback, follow=True)
    assert any("does not belong to this session" in m for m in messages_of(again))

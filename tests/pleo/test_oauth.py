from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from django.utils import timezone

from exporthub.pleo.client import PleoClient
from exporthub.pleo.connections import complete_authorization, start_authorization
from exporthub.pleo.errors import PleoForbidden, PleoReauthorizationRequired
from exporthub.pleo.models import PleoConnection
from exporthub.sandbox import services
from tests.pleo.conftest import REDIRECT_URI, approve_in_browser


def _expire_access_token(connection: PleoConnection) -> None:
    PleoConnection.objects.filter(pk=connection.pk).update(
        access_token_expires_at=timezone.now() - timedelta(minutes=1)
    )
    connection.refresh_from_db()


def test_it_stores_the_tokens_of_the_code_exchange(oauth_setup):
    connection = PleoConnection.objects.get(pk=oauth_setup.connection.pk)

    assert connection.status == PleoConnection.Status.ACTIVE
    assert connection.access_token and connection.refresh_token
    assert connection.access_token_expires_at > timezone.now()
    assert services.token_refresh_count(oauth_setup.oauth_client) == 0


def test_it_calls_pleo_with_the_bearer_token(oauth_pleo, acme):
    services.seed_company(acme.company, entries=2)
    services.create_export_job(acme.company)

    jobs = list(oauth_pleo.list_jobs())

    assert len(jobs) == 1


def test_it_refreshes_an_expired_access_token_before_calling(oauth_setup, oauth_pleo, wire):
    connection = oauth_setup.connection
    old_access, old_refresh = connection.access_token, connection.refresh_token
    _expire_access_token(connection)
    wire.requests.clear()

    assert list(oauth_pleo.list_jobs()) == []

    stored = PleoConnection.objects.get(pk=connection.pk)
    assert services.token_refresh_count(oauth_setup.oauth_client) == 1
    assert stored.access_token != old_access
    assert stored.refresh_token != old_refresh  # rotated
    assert stored.access_token_expires_at > timezone.now()
    assert stored.refresh_lease_id == ""
    assert wire.requests == [
        ("POST", "/sandbox/pleo/oauth/token"),
        ("GET", "/sandbox/pleo/v3/export-jobs"),
    ]


def test_it_refreshes_and_replays_once_when_pleo_answers_401(oauth_setup, oauth_pleo, wire):
    connection = oauth_setup.connection
    # The stored token looks valid but Pleo no longer accepts it (e.g. revoked).
    connection.access_token = "revoked-access-token"
    PleoConnection.objects.filter(pk=connection.pk).update(access_token="revoked-access-token")
    wire.requests.clear()

    assert list(oauth_pleo.list_jobs()) == []

    assert services.token_refresh_count(oauth_setup.oauth_client) == 1
    assert wire.requests == [
        ("GET", "/sandbox/pleo/v3/export-jobs"),
        ("POST", "/sandbox/pleo/oauth/token"),
        ("GET", "/sandbox/pleo/v3/export-jobs"),
    ]


def test_it_uses_a_token_another_process_already_refreshed(oauth_setup, oauth_pleo, wire):
    connection = oauth_setup.connection
    _expire_access_token(connection)
    # Another worker refreshes first: its client stores a new pair in the row.
    other = PleoConnection.objects.get(pk=connection.pk)
    with _client_for(other, wire) as peer:
        assert list(peer.list_jobs()) == []
    wire.requests.clear()

    assert list(oauth_pleo.list_jobs()) == []

    assert services.token_refresh_count(oauth_setup.oauth_client) == 1
    assert wire.requests == [("GET", "/sandbox/pleo/v3/export-jobs")]


def _client_for(connection, wire) -> PleoClient:
    return PleoClient.for_connection(connection, transport=wire)


def test_it_marks_the_connection_when_the_refresh_token_is_refused(oauth_setup, oauth_pleo, caplog):
    connection = oauth_setup.connection
    stolen_refresh_token = connection.refresh_token
    PleoConnection.objects.filter(pk=connection.pk).update(refresh_token="not-a-refresh-token")
    _expire_access_token(connection)
    caplog.set_level(logging.DEBUG)

    with pytest.raises(PleoReauthorizationRequired) as caught:
        list(oauth_pleo.list_jobs())

    stored = PleoConnection.objects.get(pk=connection.pk)
    assert stored.status == PleoConnection.Status.NEEDS_REAUTHORIZATION
    assert "invalid_grant" in stored.status_detail
    assert stored.refresh_lease_id == ""
    assert caught.value.type == "invalid_grant"
    assert "invalid_grant" in str(caught.value)
    for secret in (stolen_refresh_token, "not-a-refresh-token", oauth_setup.client_secret):
        assert secret not in str(caught.value)
        assert secret not in caplog.text


def test_it_stops_calling_pleo_once_the_connection_needs_reauthorization(
    oauth_setup, oauth_pleo, wire
):
    PleoConnection.objects.filter(pk=oauth_setup.connection.pk).update(refresh_token="dead")
    _expire_access_token(oauth_setup.connection)
    with pytest.raises(PleoReauthorizationRequired):
        list(oauth_pleo.list_jobs())
    wire.requests.clear()

    with pytest.raises(PleoReauthorizationRequired, match="needs to be authorised again"):
        list(oauth_pleo.list_jobs())

    assert wire.requests == []


def test_it_refuses_a_code_exchange_with_the_wrong_verifier(acme, sandbox_base_url, wire):
    oauth_client, secret = services.create_oauth_client(acme.company, redirect_uri=REDIRECT_URI)
    connection = PleoConnection.objects.create(
        name="Acme",
        base_url=sandbox_base_url,
        auth_method=PleoConnection.AuthMethod.OAUTH,
        oauth_client_id=oauth_client.client_id,
        oauth_client_secret=secret,
        status=PleoConnection.Status.PENDING_AUTHORIZATION,
    )
    request = start_authorization(connection, redirect_uri=REDIRECT_URI)
    answer = approve_in_browser(request.url)

    with pytest.raises(PleoReauthorizationRequired) as caught:
        complete_authorization(
            connection,
            code=answer["code"],
            redirect_uri=REDIRECT_URI,
            code_verifier="x" * 64,
            transport=wire,
        )

    assert caught.value.type == "invalid_grant"
    connection.refresh_from_db()
    assert connection.status == PleoConnection.Status.PENDING_AUTHORIZATION
    assert connection.access_token == ""


def test_it_raises_forbidden_when_the_token_lacks_the_scope(acme, sandbox_base_url, wire):
    oauth_client, secret = services.create_oauth_client(acme.company, redirect_uri=REDIRECT_URI)
    connection = PleoConnection.objects.create(
        name="Acme, read only",
        company_id=acme.id,
        base_url=sandbox_base_url,
        auth_method=PleoConnection.AuthMethod.OAUTH,
        oauth_client_id=oauth_client.client_id,
        oauth_client_secret=secret,
        oauth_scopes="export-jobs:read",
    )
    request = start_authorization(connection, redirect_uri=REDIRECT_URI)
    answer = approve_in_browser(request.url)
    complete_authorization(
        connection,
        code=answer["code"],
        redirect_uri=REDIRECT_URI,
        code_verifier=request.code_verifier,
        transport=wire,
    )
    services.seed_company(acme.company, entries=1)
    job_id = str(services.create_export_job(acme.company).uuid)

    with _client_for(connection, wire) as pleo:
        assert pleo.get_job(job_id).id == job_id
        with pytest.raises(PleoForbidden) as caught:
            pleo.start_job(job_id)

    assert caught.value.status == 403

from __future__ import annotations

import base64
import hashlib
import secrets
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client

from exporthub.sandbox import services

REDIRECT = "https://hub.example.test/pleo/callback"
TOKEN_URL = "/sandbox/pleo/oauth/token"
AUTHORIZE_URL = "/sandbox/pleo/oauth/authorize"


def challenge_for(verifier: str) -> str:
    return (
        base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    )


@pytest.fixture
def oauth_client(company):
    return services.create_oauth_client(company, redirect_uri=REDIRECT)


@pytest.fixture
def browser():
    return Client(enforce_csrf_checks=False)


def authorize(browser, client, verifier, **overrides):
    params = {
        "client_id": client.client_id,
        "redirect_uri": REDIRECT,
        "response_type": "code",
        "scope": "export-jobs:read export-jobs:write",
        "state": "xyz",
        "code_challenge_method": "S256",
        "code_challenge": challenge_for(verifier),
        **overrides,
    }
    page = browser.get(AUTHORIZE_URL, params)
    assert page.status_code == 200
    assert b"Acme ApS" in page.content
    answer = browser.post(AUTHORIZE_URL, {**params, "decision": "approve"})
    assert answer.status_code == 302
    location = urlsplit(answer["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT
    return {key: values[0] for key, values in parse_qs(location.query).items()}


def basic(client, secret):
    return {
        "HTTP_AUTHORIZATION": "Basic "
        + base64.b64encode(f"{client.client_id}:{secret}".encode()).decode()
    }


def exchange(browser, client, secret, code, verifier):
    return browser.post(
        TOKEN_URL,
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT,
            "code_verifier": verifier,
        },
        **basic(client, secret),
    )


def test_it_runs_the_authorization_code_flow_with_pkce(
    browser, oauth_client, sandbox_http, company
):
    client, secret = oauth_client
    verifier = secrets.token_urlsafe(48)
    answer = authorize(browser, client, verifier)
    assert answer["state"] == "xyz"
    response = exchange(browser, client, secret, answer["code"], verifier)
    assert response.status_code == 200
    tokens = response.json()
    assert set(tokens) == {"access_token", "token_type", "expires_in", "refresh_token", "scope"}
    assert tokens["token_type"] == "Bearer"
    assert tokens["expires_in"] == 3600
    assert tokens["scope"] == "export-jobs:read export-jobs:write"
    assert response["Cache-Control"] == "no-store"
    sandbox_http.headers["authorization"] = f"Bearer {tokens['access_token']}"
    assert sandbox_http.get("/v3/export-jobs").status_code == 200


def test_it_refuses_a_wrong_code_verifier(browser, oauth_client):
    client, secret = oauth_client
    answer = authorize(browser, client, secrets.token_urlsafe(48))
    response = exchange(browser, client, secret, answer["code"], secrets.token_urlsafe(48))
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"
    assert "code_verifier" in response.json()["error_description"]


def test_it_refuses_a_code_twice(browser, oauth_client):
    client, secret = oauth_client
    verifier = secrets.token_urlsafe(48)
    code = authorize(browser, client, verifier)["code"]
    assert exchange(browser, client, secret, code, verifier).status_code == 200
    assert exchange(browser, client, secret, code, verifier).json()["error"] == "invalid_grant"


def test_it_requires_pkce_s256(browser, oauth_client):
    client, _ = oauth_client
    answer = browser.get(
        AUTHORIZE_URL,
        {"client_id": client.client_id, "redirect_uri": REDIRECT, "response_type": "code",
         "code_challenge_method": "plain", "code_challenge": "x" * 43, "state": "s"},
    )  # fmt: skip
    assert answer.status_code == 302
    assert "error=invalid_request" in answer["Location"]


def test_it_never_redirects_to_an_unregistered_uri(browser, oauth_client):
    client, _ = oauth_client
    page = browser.get(
        AUTHORIZE_URL, {"client_id": client.client_id, "redirect_uri": "https://evil.test/"}
    )
    assert page.status_code == 400
    assert b"redirect_uri" in page.content


def test_it_authenticates_the_client(browser, oauth_client):
    client, _ = oauth_client
    response = browser.post(
        TOKEN_URL, {"grant_type": "refresh_token", "refresh_token": "x"}, **basic(client, "wrong")
    )
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


def test_it_rotates_refresh_tokens(browser, oauth_client):
    client, secret = oauth_client
    verifier = secrets.token_urlsafe(48)
    code = authorize(browser, client, verifier)["code"]
    first = exchange(browser, client, secret, code, verifier).json()
    form = {"grant_type": "refresh_token", "client_id": client.client_id, "client_secret": secret}
    second = browser.post(TOKEN_URL, {**form, "refresh_token": first["refresh_token"]})
    assert second.status_code == 200
    assert second.json()["refresh_token"] != first["refresh_token"]
    assert services.token_refresh_count(client) == 1
    reused = browser.post(TOKEN_URL, {**form, "refresh_token": first["refresh_token"]})
    assert reused.status_code == 400
    assert reused.json()["error"] == "invalid_grant"
    # Reuse of a spent token revokes the whole family, including the newest refresh token.
    newest = browser.post(TOKEN_URL, {**form, "refresh_token": second.json()["refresh_token"]})
    assert newest.json()["error"] == "invalid_grant"
    assert services.token_refresh_count(client) == 1


def test_it_honours_the_access_token_lifetime_setting(browser, oauth_client, settings):
    settings.SANDBOX_ACCESS_TOKEN_SECONDS = 60
    client, secret = oauth_client
    verifier = secrets.token_urlsafe(48)
    code = authorize(browser, client, verifier)["code"]
    assert exchange(browser, client, secret, code, verifier).json()["expires_in"] == 60


def test_it_rejects_an_unknown_grant_type(browser, oauth_client):
    client, secret = oauth_client
    response = browser.post(TOKEN_URL, {"grant_type": "password"}, **basic(client, secret))
    assert (response.status_code, response.json()["error"]) == (400, "unsupported_grant_type")


def test_it_redirects_with_access_denied_when_the_user_declines(browser, oauth_client):
    client, _ = oauth_client
    params = {
        "client_id": client.client_id,
        "redirect_uri": REDIRECT,
        "response_type": "code",
        "state": "s1",
        "code_challenge_method": "S256",
        "code_challenge": challenge_for("v" * 43),
    }
    answer = browser.post(AUTHORIZE_URL, {**params, "decision": "deny"})
    assert "error=access_denied" in answer["Location"]
    assert "state=s1" in answer["Location"]

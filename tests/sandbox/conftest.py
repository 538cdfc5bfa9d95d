from __future__ import annotations

import json

import pytest

from exporthub.sandbox import services

JSON = "application/json;charset=UTF-8"


def send(client, method: str, path: str, body, **kwargs):
    """Send a JSON body in the content type Pleo's spec declares."""
    return client.request(
        method, path, content=json.dumps(body), headers={"content-type": JSON}, **kwargs
    )


@pytest.fixture
def company_and_key(db):
    return services.create_company(name="Acme ApS", currency="DKK")


@pytest.fixture
def company(company_and_key):
    return company_and_key[0]


@pytest.fixture
def seeded(company):
    services.seed_company(company, entries=30, seed=1)
    return company


@pytest.fixture
def api(sandbox_http, company_and_key):
    """The sandbox's Pleo API, authenticated with the company's API key."""
    sandbox_http.auth = (company_and_key[1], "")
    return sandbox_http


@pytest.fixture
def job(seeded):
    return services.create_export_job(seeded)


@pytest.fixture
def bearer_api(sandbox_http, company):
    """The API authenticated with an OAuth access token (tags/tax-code specs allow only Bearer)."""
    from exporthub.sandbox import oauth

    client, _ = services.create_oauth_client(company, redirect_uri="http://hub.test/cb")
    tokens = oauth._issue_tokens(client, scope=" ".join(oauth.SCOPES), grant=None)
    sandbox_http.headers["authorization"] = f"Bearer {tokens['access_token']}"
    return sandbox_http

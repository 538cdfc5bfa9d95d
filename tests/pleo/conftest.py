from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from django.test import Client

from exporthub.pleo.auth import ApiKeyAuth
from exporthub.pleo.client import PleoClient
from exporthub.pleo.connections import complete_authorization, start_authorization
from exporthub.pleo.models import PleoConnection
from exporthub.pleo.retry import RetryPolicy
from exporthub.sandbox import services

# Fast retries for tests that record the waits instead of sleeping them.
TEST_RETRY_POLICY = RetryPolicy(max_attempts=6, max_total_seconds=120, base_delay=0.5)


@dataclass
class CountingTransport(httpx.BaseTransport):
    """Wraps the sandbox transport and records each request's method and path (the only seam)."""

    inner: httpx.BaseTransport
    requests: list[tuple[str, str]] = field(default_factory=list)
    queries: list[str] = field(default_factory=list)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append((request.method, request.url.path))
        self.queries.append(request.url.query.decode())
        return self.inner.handle_request(request)


@dataclass
class SandboxCompany:
    company: object
    api_key: str

    @property
    def id(self) -> str:
        return str(self.company.uuid)


@pytest.fixture
def acme(db) -> SandboxCompany:
    company, api_key = services.create_company(name="Acme ApS", currency="DKK")
    return SandboxCompany(company, api_key)


@pytest.fixture
def sleeps() -> list[float]:
    """The waits the client asked for; tests assert on them instead of sleeping."""
    return []


@pytest.fixture
def wire(sandbox_transport) -> CountingTransport:
    return CountingTransport(sandbox_transport)


@pytest.fixture
def make_client(wire, sandbox_base_url, sleeps):
    """Build a `PleoClient` on the contract-checked sandbox transport; closed after the test."""
    clients = []

    def make(api_key: str, company_id: str | None = None, **kwargs) -> PleoClient:
        kwargs.setdefault("retry_policy", TEST_RETRY_POLICY)
        kwargs.setdefault("sleep", sleeps.append)
        client = PleoClient(
            base_url=sandbox_base_url,
            auth=ApiKeyAuth(api_key),
            transport=wire,
            company_id=company_id,
            **kwargs,
        )
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def pleo(make_client, acme) -> PleoClient:
    """A client for Acme, with API key auth and a page size of 20."""
    return make_client(acme.api_key, acme.id, page_size=20)


REDIRECT_URI = "https://hub.example.test/pleo/oauth/callback"


def approve_in_browser(authorize_url: str) -> dict[str, str]:
    """Play the user: open Pleo's consent page and approve; returns the redirect's query."""
    url = urlsplit(authorize_url)
    params = {key: values[0] for key, values in parse_qs(url.query).items()}
    browser = Client()
    page = browser.get(url.path, params)
    assert page.status_code == 200, page.content[:500]
    answer = browser.post(url.path, {**params, "decision": "approve"})
    assert answer.status_code == 302, answer.content[:500]
    location = urlsplit(answer["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT_URI
    return {key: values[0] for key, values in parse_qs(location.query).items()}


@dataclass
class OAuthSetup:
    connection: object
    oauth_client: object
    client_secret: str


@pytest.fixture
def oauth_setup(acme, sandbox_base_url, wire) -> OAuthSetup:
    """An OAuth `PleoConnection` for Acme, authorised through the PKCE flow against the sandbox."""
    oauth_client, secret = services.create_oauth_client(acme.company, redirect_uri=REDIRECT_URI)
    connection = PleoConnection.objects.create(
        name="Acme via OAuth",
        company_id=acme.id,
        base_url=sandbox_base_url,
        auth_method=PleoConnection.AuthMethod.OAUTH,
        oauth_client_id=oauth_client.client_id,
        oauth_client_secret=secret,
        status=PleoConnection.Status.PENDING_AUTHORIZATION,
    )
    request = start_authorization(connection, redirect_uri=REDIRECT_URI)
    answer = approve_in_browser(request.url)
    assert answer["state"] == request.state
    complete_authorization(
        connection,
        code=answer["code"],
        redirect_uri=REDIRECT_URI,
        code_verifier=request.code_verifier,
        transport=wire,
    )
    return OAuthSetup(connection, oauth_client, secret)


@pytest.fixture
def oauth_pleo(oauth_setup, wire, sleeps):
    """A client built from the OAuth connection (`PleoClient.for_connection`)."""
    client = PleoClient.for_connection(
        oauth_setup.connection,
        transport=wire,
        page_size=20,
        retry_policy=TEST_RETRY_POLICY,
        sleep=sleeps.append,
    )
    yield client
    client.close()

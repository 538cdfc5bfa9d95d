"""The API tests use the dashboard's world (a sandbox company wired to a Beancount ledger,
users of every role) and call the API with personal tokens."""

from __future__ import annotations

import json

import pytest

from exporthub.api.tokens import create_token
from tests.dashboard.conftest import *  # noqa: F403
from tests.dashboard.conftest import make_user


class Api:
    """Django's test client speaking JSON to /api/ with one user's token."""

    def __init__(self, client, secret: str | None):
        self.client = client
        self.secret = secret

    def headers(self, **extra) -> dict:
        found = {"Authorization": f"Bearer {self.secret}"} if self.secret else {}
        return {**found, **extra}

    def call(self, method: str, path: str, body=None, headers=None, **kwargs):
        send = getattr(self.client, method.lower())
        url = path if path.startswith("/") else f"/api/{path}"
        if method == "GET":
            return send(url, body or {}, headers=self.headers(**(headers or {})))
        if "data" in kwargs:  # multipart
            return send(url, kwargs["data"], headers=self.headers(**(headers or {})))
        payload = "" if body is None else json.dumps(body)
        return send(url, payload, content_type="application/json",
                    headers=self.headers(**(headers or {})))  # fmt: skip

    def get(self, path, params=None, **kw):
        return self.call("GET", path, params, **kw)

    def post(self, path, body=None, **kw):
        return self.call("POST", path, body, **kw)

    def put(self, path, body=None, **kw):
        return self.call("PUT", path, body, **kw)

    def delete(self, path, **kw):
        return self.call("DELETE", path, None, **kw)


@pytest.fixture
def api_as(client):
    """api_as(user) -> an Api acting with a new token of `user` (None: no token at all)."""

    def build(user):
        return Api(client, create_token(user, "tests")[1] if user is not None else None)

    return build


@pytest.fixture
def users(django_user_model, integration):
    return {
        None: make_user(django_user_model, "nobody", None, [integration]),
        "viewer": make_user(django_user_model, "vera", "viewer", [integration]),
        "accountant": make_user(django_user_model, "anna", "accountant", [integration]),
        "admin": make_user(django_user_model, "adam", "admin"),
    }


def problem_of(response) -> dict:
    assert response["Content-Type"] == "application/problem+json", response.content[:300]
    body = response.json()
    assert {"type", "title", "status", "detail", "instance"} <= set(body)
    assert body["status"] == response.status_code
    return body

"""Personal API tokens: shown once, stored as a digest, revocable, last use recorded."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import time_machine
from django.urls import reverse
from django.utils import timezone

from exporthub.api.models import ApiToken
from exporthub.api.tokens import create_token
from exporthub.core.models import ActivityEntry
from tests.api.conftest import Api, problem_of


def new_token_on_the_page(client, user, name="month-end script") -> str:
    client.force_login(user)
    page = client.post(reverse("api-tokens"), {"name": name}).content.decode()
    return re.search(r'<code id="token-secret">([^<]+)</code>', page).group(1)


def test_a_token_is_shown_once_and_stored_only_as_its_digest(client, users):
    secret = new_token_on_the_page(client, users["viewer"])
    token = ApiToken.objects.get()
    assert secret.startswith("ehp_") and len(secret) > 40
    assert token.digest == hashlib.sha256(secret.encode()).hexdigest()
    assert token.prefix == secret[:12]
    stored = [str(value) for value in ApiToken.objects.values_list().get()]
    assert not any(secret in value for value in stored)
    assert not ActivityEntry.objects.filter(data__icontains=secret[12:]).exists()
    again = client.get(reverse("api-tokens")).content.decode()
    assert secret not in again
    assert token.prefix in again and "month-end script" in again


def test_a_token_acts_with_its_users_role_and_companies(client, users, integration):
    secret = new_token_on_the_page(client, users["accountant"])
    answer = Api(client, secret).get("me")
    assert "no-store" in answer["Cache-Control"]  # private data: never kept by a cache
    me = answer.json()
    assert me["username"] == "anna" and me["role"] == "accountant"
    assert me["company_ids"] == [str(integration.pleo_connection.company_id)]
    assert me["token_name"] == "month-end script"


def test_last_use_is_recorded_at_most_once_a_minute(client, users):
    token, secret = create_token(users["viewer"], "script")
    assert token.last_used_at is None
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        Api(client, secret).get("me")
        token.refresh_from_db()
        first = token.last_used_at
        assert first is not None
        traveller.shift(timedelta(seconds=30))
        Api(client, secret).get("me")
        token.refresh_from_db()
        assert token.last_used_at == first
        traveller.shift(timedelta(seconds=31))
        Api(client, secret).get("me")
        token.refresh_from_db()
        assert token.last_used_at > first


def test_a_revoked_token_answers_401(client, users):
    secret = new_token_on_the_page(client, users["viewer"])
    api = Api(client, secret)
    assert api.get("me").status_code == 200
    token = ApiToken.objects.get()
    client.post(reverse("api-token-revoke", args=[token.pk]))
    token.refresh_from_db()
    assert token.revoked_at is not None and token.revoked_by == "vera"
    response = api.get("me")
    assert response.status_code == 401
    assert problem_of(response)["type"] == "urn:exporthub:problem:unauthenticated"
    assert ActivityEntry.objects.filter(action="api.token.revoked").count() == 1


def test_people_revoke_their_own_tokens_and_admins_anyones(client, users):
    token, secret = create_token(users["viewer"], "vera's")
    client.force_login(users["accountant"])
    assert "vera&#x27;s" not in client.get(reverse("api-tokens")).content.decode()
    assert client.post(reverse("api-token-revoke", args=[token.pk])).status_code == 404
    client.force_login(users["admin"])
    assert "vera&#x27;s" in client.get(reverse("api-tokens")).content.decode()
    assert client.post(reverse("api-token-revoke", args=[token.pk])).status_code == 302
    assert Api(client, secret).get("me").status_code == 401


def test_a_deactivated_users_token_and_a_made_up_one_answer_401(client, users):
    _token, secret = create_token(users["viewer"], "script")
    users["viewer"].is_active = False
    users["viewer"].save()
    assert Api(client, secret).get("me").status_code == 401
    assert Api(client, "ehp_" + "x" * 43).get("me").status_code == 401
    assert Api(client, "not-a-token").get("me").status_code == 401


def test_the_tokens_page_is_for_signed_in_users_and_needs_a_name(client, users):
    assert client.get(reverse("api-tokens")).status_code == 302
    client.force_login(users[None])  # no role: still manages (useless) tokens of their own
    assert client.get(reverse("api-tokens")).status_code == 200
    assert client.post(reverse("api-tokens"), {"name": ""}).status_code == 422
    assert client.get(reverse("api-token-revoke", args=[1])).status_code == 405


def test_token_writes_need_no_csrf_token_and_cookies_alone_do_not_authenticate(users, integration):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    _token, secret = create_token(users["accountant"], "script")
    run = Api(strict, secret).post(f"integrations/{integration.pk}/queue/refresh")
    assert run.status_code == 202
    strict.force_login(users["accountant"])  # a signed-in browser session, without a token
    assert strict.post(f"/api/integrations/{integration.pk}/queue/refresh").status_code == 401
    assert strict.get("/api/me").status_code == 401

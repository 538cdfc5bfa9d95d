"""Writes with an Idempotency-Key: replayed for the same request, refused for another."""

from __future__ import annotations

import json
from datetime import timedelta

import time_machine
from django.utils import timezone

from exporthub.api.idempotency import fingerprint
from exporthub.api.models import IdempotentRequest
from exporthub.core.models import ActivityEntry
from tests.api.conftest import problem_of

MAPPING = {"kind": "account", "pleo_key": "7777", "erp_key": "Expenses:Travel"}


def saved(integration) -> int:
    return ActivityEntry.objects.filter(action="dashboard.mapping.saved").count()


def test_the_same_key_and_request_replays_the_stored_answer(api_as, users, integration):
    api = api_as(users["admin"])
    path = f"integrations/{integration.pk}/mappings"
    first = api.post(path, MAPPING, headers={"Idempotency-Key": "k-1"})
    assert first.status_code == 201
    again = api.post(path, MAPPING, headers={"Idempotency-Key": "k-1"})
    assert again.status_code == 201
    assert again.content == first.content
    assert again["Idempotent-Replayed"] == "true"
    assert saved(integration) == 1  # done once
    assert integration.mappings.filter(pleo_key="7777").count() == 1
    without = api.post(path, MAPPING)  # no key: done again (an update of the same mapping)
    assert without.status_code == 200
    assert saved(integration) == 2


def test_the_same_key_with_another_body_is_refused(api_as, users, integration):
    api = api_as(users["admin"])
    path = f"integrations/{integration.pk}/mappings"
    api.post(path, MAPPING, headers={"Idempotency-Key": "k-2"})
    other = api.post(path, {**MAPPING, "erp_key": "Expenses:Food"},
                     headers={"Idempotency-Key": "k-2"})  # fmt: skip
    assert other.status_code == 422
    assert problem_of(other)["type"] == "urn:exporthub:problem:idempotency-key-reused"
    assert integration.mappings.get(pleo_key="7777").erp_key == "Expenses:Travel"


def test_keys_belong_to_one_user_and_expire_after_a_day(api_as, users, integration):
    path = f"integrations/{integration.pk}/mappings"
    admin = api_as(users["admin"])
    admin.post(path, MAPPING, headers={"Idempotency-Key": "k-3"})
    other_admin = users["admin"].__class__.objects.create_superuser("root", password="x" * 20)
    theirs = api_as(other_admin).post(path, MAPPING, headers={"Idempotency-Key": "k-3"})
    assert theirs.status_code == 200 and "Idempotent-Replayed" not in theirs
    assert saved(integration) == 2
    with time_machine.travel(timezone.now() + timedelta(hours=25)):
        later = admin.post(path, MAPPING, headers={"Idempotency-Key": "k-3"})
    assert later.status_code == 200 and "Idempotent-Replayed" not in later
    assert saved(integration) == 3
    assert IdempotentRequest.objects.filter(key="k-3").count() == 1  # every expired key purged


def test_a_key_whose_first_request_still_runs_answers_409(api_as, users, integration, rf):
    path = f"/api/integrations/{integration.pk}/mappings"
    first = rf.post(path, json.dumps(MAPPING), content_type="application/json")
    IdempotentRequest.objects.create(user=users["admin"], key="k-4", fingerprint=fingerprint(first))
    response = api_as(users["admin"]).post(path, MAPPING, headers={"Idempotency-Key": "k-4"})
    assert response.status_code == 409
    assert problem_of(response)["type"] == "urn:exporthub:problem:idempotency-key-in-use"
    assert saved(integration) == 0


def test_client_errors_are_replayed_and_overlong_keys_refused(api_as, users, integration):
    api = api_as(users["admin"])
    path = f"integrations/{integration.pk}/mappings"
    refused = api.post(path, {"kind": "account"}, headers={"Idempotency-Key": "k-5"})
    assert refused.status_code == 422
    replay = api.post(path, {"kind": "account"}, headers={"Idempotency-Key": "k-5"})
    assert replay.status_code == 422 and replay["Idempotent-Replayed"] == "true"
    too_long = api.post(path, MAPPING, headers={"Idempotency-Key": "x" * 300})
    assert problem_of(too_long)["status"] == 400
    assert saved(integration) == 0

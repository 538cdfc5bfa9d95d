"""Run now over the API: a check of Pleo started in the background, never paged in the request."""

from __future__ import annotations


def test_run_now_over_the_api_starts_a_background_check(api_as, users, integration):
    from exporthub.sync.models import BackgroundOperation, OperationKind

    response = api_as(users["accountant"]).post(f"integrations/{integration.pk}/run-now")

    assert response.status_code == 202
    assert response.json()["started"] is True
    assert BackgroundOperation.objects.get().kind == OperationKind.RUN_NOW

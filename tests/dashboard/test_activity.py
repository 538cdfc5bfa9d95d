"""Activity log: filters, and the CSV export (which never carries a secret)."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
import time_machine
from django.urls import reverse

from exporthub.core.activity import log_activity
from exporthub.core.redaction import REDACTED
from exporthub.pleo.models import PleoConnection

API_KEY = "pleo-api-key-that-must-never-leak-0123456789"


@pytest.fixture
def history(integration, admin_user):
    company = integration.pleo_connection.company_id
    with time_machine.travel(dt.datetime(2026, 3, 1, 9, tzinfo=dt.UTC), tick=False):
        log_activity("sync.job.detected", actor_label="engine", company_id=company, items=3)
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC), tick=False):
        log_activity("dashboard.mapping.saved", actor=admin_user, company_id=company)
        log_activity(
            "dashboard.pleo.tested",
            actor=admin_user,
            company_id=company,
            message="Authorization: Bearer abc.def.ghi",
            api_key=API_KEY,
        )
    with time_machine.travel(dt.datetime(2026, 3, 3, 9, tzinfo=dt.UTC), tick=False):
        log_activity("sync.job.completed", actor_label="worker w1", company_id=company)


def actions(client, **filters) -> list[str]:
    response = client.get(reverse("dashboard:activity-list"), filters)
    assert response.status_code == 200
    return [entry.action for entry in response.context["entries"]]


def rows_of(response) -> list[dict]:
    text = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(text)))


def test_it_filters_by_action_actor_and_day(client, accountant, history):
    client.force_login(accountant)
    assert len(actions(client)) == 4
    assert actions(client, action="sync.job.") == ["sync.job.completed", "sync.job.detected"]
    assert actions(client, actor="ADAM") == ["dashboard.pleo.tested", "dashboard.mapping.saved"]
    assert actions(client, date_from="2026-03-02", date_to="2026-03-02") == [
        "dashboard.pleo.tested",
        "dashboard.mapping.saved",
    ]
    assert actions(client, date_from="2026-03-03", actor="worker") == ["sync.job.completed"]


def test_it_renders_only_the_table_for_htmx(client, accountant, history):
    client.force_login(accountant)
    response = client.get(
        reverse("dashboard:activity-list"),
        {"action": "sync."},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="activity-table",
    )
    page = response.content.decode()
    assert 'id="activity-table"' in page and "<html" not in page
    assert "sync.job.completed" in page and "dashboard.mapping.saved" not in page


def test_it_exports_the_filtered_log_as_csv(client, accountant, history):
    client.force_login(accountant)
    response = client.get(reverse("dashboard:activity-export"), {"action": "dashboard."})
    assert response["Content-Disposition"] == 'attachment; filename="activity.csv"'
    rows = rows_of(response)
    assert [row["action"] for row in rows] == ["dashboard.mapping.saved", "dashboard.pleo.tested"]
    assert rows[0]["actor"] == "adam" and rows[0]["created_at"].startswith("2026-03-02T09:00")


def test_it_never_exports_a_secret(client, admin_user, integration, history):
    client.force_login(admin_user)
    connection = integration.pleo_connection
    client.post(
        reverse("dashboard:pleo-connection-edit", args=[connection.pk]),
        {
            "name": connection.name,
            "company_id": str(connection.company_id),
            "base_url": connection.base_url,
            "auth_method": PleoConnection.AuthMethod.API_KEY,
            "api_key": API_KEY,
        },
    )
    text = b"".join(client.get(reverse("dashboard:activity-export")).streaming_content).decode()
    assert "dashboard.pleo.saved" in text
    assert API_KEY not in text
    assert "abc.def.ghi" not in text
    assert REDACTED in text

"""Cursor pages: every row once, in order, while rows are added between pages."""

from __future__ import annotations

import datetime as dt
import uuid

from django.utils import timezone

from exporthub.core.activity import log_activity
from exporthub.sync.models import ExportJob, QueuedEntry


def add_jobs(integration, n: int, at) -> list[int]:
    made = ExportJob.objects.bulk_create(
        ExportJob(integration=integration, pleo_id=uuid.uuid4(),
                  company_id=integration.pleo_connection.company_id, status="completed",
                  pleo_created_at=at)
        for _ in range(n)
    )  # fmt: skip
    return [job.pk for job in made]


def walk(api, path, params) -> list[dict]:
    """Every page of the list; `api.on_first_page()` runs once, between the first two pages."""
    rows, cursor = [], None
    while True:
        body = api.get(path, {**params, **({"cursor": cursor} if cursor else {})}).json()
        if cursor is None and body["next_cursor"]:
            api.on_first_page()
        rows += body["items"]
        cursor = body["next_cursor"]
        if cursor is None:
            return rows


def test_job_pages_stay_stable_while_new_jobs_arrive(api_as, users, integration):
    now = timezone.now()
    # Equal creation times on purpose: the id breaks the tie.
    old = add_jobs(integration, 5, now - dt.timedelta(hours=1)) + add_jobs(integration, 2, now)
    api = api_as(users["viewer"])
    api.on_first_page = lambda: add_jobs(integration, 3, now + dt.timedelta(hours=1))
    seen = [row["id"] for row in walk(api, "jobs", {"limit": 2})]
    assert sorted(seen) == sorted(old)  # the newer jobs sort before the cursor: not repeated
    expected = sorted(old, key=lambda pk: (pk not in old[5:], -pk))
    assert seen == expected


def test_queue_pages_sort_nulls_last_and_keep_their_order(api_as, users, integration):
    now = timezone.now()
    day = [None, dt.date(2026, 1, 2), dt.date(2026, 1, 3)]
    rows = QueuedEntry.objects.bulk_create(
        QueuedEntry(integration=integration, company_id=integration.pleo_connection.company_id,
                    entry_id=uuid.uuid4(), export_status="QUEUED", family="CARD_PURCHASE",
                    performed_at=now, entry_date=day[n % 3],
                    amount_minor=100 * (n % 2), currency="DKK", refreshed_at=now)
        for n in range(11)
    )  # fmt: skip
    api = api_as(users["viewer"])
    api.on_first_page = lambda: None
    for sort in ("date", "-date", "amount", "-amount"):
        got = walk(api, f"integrations/{integration.pk}/queue", {"limit": 3, "sort": sort})
        ids = [row["entry_id"] for row in got]
        assert sorted(ids) == sorted(str(r.entry_id) for r in rows), sort
        key = "entry_date" if "date" in sort else "amount_minor"
        values = [row[key] for row in got]
        present = [v for v in values if v is not None]
        assert values == present + [None] * (len(values) - len(present)), sort
        assert present == sorted(present, reverse=sort.startswith("-")), sort


def test_activity_pages_do_not_repeat_rows_logged_meanwhile(api_as, users, integration):
    company = integration.pleo_connection.company_id
    for n in range(7):
        log_activity("test.row", company_id=company, n=n)
    api = api_as(users["accountant"])
    api.on_first_page = lambda: log_activity("test.row", company_id=company, n=99)
    got = walk(api, "activity", {"limit": 3, "action": "test."})
    assert [row["data"] for row in got] == [f'{{"n": {n}}}' for n in range(6, -1, -1)]


def test_a_cursor_only_fits_its_own_list(api_as, users, integration):
    add_jobs(integration, 3, timezone.now())
    api = api_as(users["accountant"])
    cursor = api.get("jobs", {"limit": 1}).json()["next_cursor"]
    assert api.get("jobs", {"cursor": cursor}).status_code == 200
    assert api.get("activity", {"cursor": cursor}).status_code == 400

"""The API's queue list counts matches as the queue page does: from the queue's totals when the
filters allow, else one by one up to a cap, never every row of a big queue."""

from __future__ import annotations

import uuid

from django.utils import timezone

from exporthub.dashboard import queue_summary
from exporthub.sync.day_totals import recount_queue
from exporthub.sync.models import QueuedEntry


def test_queue_totals_are_the_queue_pages_own(api_as, users, integration, monkeypatch):
    now = timezone.now()
    QueuedEntry.objects.bulk_create(
        QueuedEntry(integration=integration, company_id=integration.pleo_connection.company_id,
                    entry_id=uuid.uuid4(), export_status="QUEUED", family="CARD_PURCHASE",
                    performed_at=now, entry_date=now.date(), amount_minor=100 + n,
                    currency="DKK", supplier="Hotel Kong", note=f"Receipt {n}",
                    refreshed_at=now)
        for n in range(8)
    )  # fmt: skip
    recount_queue(integration)
    monkeypatch.setattr(queue_summary, "COUNT_CAP", 5)
    api = api_as(users["viewer"])
    path = f"integrations/{integration.pk}/queue"

    exact = api.get(path, {"limit": 2}).json()
    capped = api.get(path, {"limit": 2, "q": "hotel"}).json()
    few = api.get(path, {"limit": 2, "q": "receipt 3"}).json()

    def totals(body):
        return body["total"], body["total_capped"], body["total_amount_minor"]

    assert totals(exact) == (8, False, 828)  # from the queue's totals
    assert totals(capped) == (5, True, None)  # counted up to the cap: "5+", no sum
    assert totals(few) == (1, False, 103)

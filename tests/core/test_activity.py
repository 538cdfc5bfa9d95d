from __future__ import annotations

import pytest

from exporthub.core.activity import log_activity
from exporthub.core.models import ActivityEntry
from exporthub.core.redaction import REDACTED, redact

pytestmark = pytest.mark.django_db


def test_it_records_who_did_what_with_before_and_after(user):
    entry = log_activity(
        "item.reference_corrected",
        actor=user,
        obj=user,
        before={"externalId": "JE-1"},
        after={"externalId": "JE-2"},
        reason="typo",
    )
    entry.refresh_from_db()
    assert entry.actor_label == "alice"
    assert entry.object_type == "auth.user"
    assert entry.before == {"externalId": "JE-1"}
    assert entry.after == {"externalId": "JE-2"}
    assert entry.data == {"reason": "typo"}


def test_it_names_a_process_when_no_user_acted():
    entry = log_activity("sync.job.claimed", actor_label="worker:host-1")
    assert entry.actor is None
    assert str(entry).endswith("worker:host-1 sync.job.claimed")


def test_it_never_stores_secrets():
    log_activity(
        "pleo.connection.updated",
        after={"apiKey": "pk_live_123", "name": "Main", "oauth": {"refresh_token": "rt_9"}},
        headers={"Authorization": "Bearer abc"},
    )
    stored = ActivityEntry.objects.get()
    assert "pk_live_123" not in str(stored.after)
    assert "rt_9" not in str(stored.after)
    assert "abc" not in str(stored.data)
    assert stored.after["name"] == "Main"


def test_it_refuses_to_change_or_delete_entries():
    entry = log_activity("sync.job.claimed")
    entry.action = "something.else"
    with pytest.raises(TypeError, match="append-only"):
        entry.save()
    with pytest.raises(TypeError, match="append-only"):
        entry.delete()
    with pytest.raises(TypeError, match="append-only"):
        ActivityEntry.objects.all().delete()
    with pytest.raises(TypeError, match="append-only"):
        ActivityEntry.objects.update(action="x")


def test_it_redacts_nested_lists_and_keeps_empty_values_visible():
    assert redact([{"client_secret": "s", "items": [{"token": ""}]}]) == [
        {"client_secret": REDACTED, "items": [{"token": ""}]}
    ]

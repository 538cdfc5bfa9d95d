"""When the mapping page asks a worker to read the ERP's records again, and when it does not."""

from __future__ import annotations

import datetime as dt

import time_machine

from exporthub.core.activity import log_activity
from exporthub.dashboard.erp_records import (
    FAILED,
    REFRESHED,
    REQUESTED,
    ensure_fresh,
    records_state,
)

START = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)


def log_at(when, action, config, **data):
    with time_machine.travel(when, tick=False):
        log_activity(action, obj=config, **data)


def state_at(when, config):
    with time_machine.travel(when, tick=False):
        return records_state(config), ensure_fresh(config, user=None)


def test_records_never_read_are_asked_for_once(integration, django_capture_on_commit_callbacks):
    config = integration.erp_connection
    with django_capture_on_commit_callbacks() as first:
        assert ensure_fresh(config, user=None).reading
    with django_capture_on_commit_callbacks() as second:
        assert ensure_fresh(config, user=None).reading
    assert (len(first), len(second)) == (1, 0)


def test_fresh_records_are_kept_and_old_ones_read_again(integration):
    config = integration.erp_connection
    log_at(START, REFRESHED, config)
    state, after = state_at(START + dt.timedelta(hours=5), config)
    assert state.refreshed_at == START and not after.reading
    state, after = state_at(START + dt.timedelta(hours=7), config)
    assert after.reading


def test_a_failed_read_is_shown_and_retried_only_after_a_while(integration):
    config = integration.erp_connection
    log_at(START, REFRESHED, config)
    log_at(START + dt.timedelta(hours=7), REQUESTED, config)
    log_at(START + dt.timedelta(hours=7, seconds=5), FAILED, config, message="ERP down")
    state, after = state_at(START + dt.timedelta(hours=7, minutes=2), config)
    assert (state.error, state.refreshed_at, after.reading) == ("ERP down", START, False)
    _, after = state_at(START + dt.timedelta(hours=7, minutes=11), config)
    assert after.reading


def test_a_request_no_worker_took_is_made_again(integration):
    config = integration.erp_connection
    log_at(START, REQUESTED, config)
    state, _ = state_at(START + dt.timedelta(minutes=1), config)
    assert state.reading
    state, after = state_at(START + dt.timedelta(minutes=6), config)
    assert not state.reading and after.reading

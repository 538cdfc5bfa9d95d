"""/healthz: fast, open to anyone, says which check failed and nothing else."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from exporthub.ops.health import check_broker
from exporthub.ops.models import WorkerHeartbeat
from exporthub.ops.tasks import heartbeat
from exporthub.sync.detection import poll_integration


@pytest.fixture
def polled(integration):
    poll_integration(integration)
    return integration


def test_it_is_healthy_when_the_worker_beats_and_every_integration_polls(client, polled):
    heartbeat()

    answer = client.get("/healthz")

    assert answer.status_code == 200
    assert answer.json() == {
        "status": "ok",
        "checks": {"database": "ok", "broker": "ok", "worker": "ok", "polling": "ok"},
    }
    assert "no-cache" in answer["Cache-Control"]


def test_a_worker_that_never_beat_fails_the_check(client, db):
    answer = client.get("/healthz")

    assert answer.status_code == 503
    assert answer.json()["checks"]["worker"] == "no_heartbeat"


def test_a_stale_heartbeat_fails_the_check(client, db, settings):
    settings.HEALTH_WORKER_MAX_AGE_SECONDS = 300
    WorkerHeartbeat.objects.create(worker="w1", beat_at=timezone.now() - timedelta(minutes=6))

    answer = client.get("/healthz")

    assert answer.status_code == 503
    assert answer.json()["checks"]["worker"] == "stale"


def test_an_integration_not_polled_for_too_long_fails_the_check_without_naming_it(
    client, polled, settings
):
    heartbeat()
    settings.HEALTH_POLL_GRACE_SECONDS = 600
    long_ago = timezone.now() - timedelta(hours=2)
    type(polled).objects.filter(pk=polled.pk).update(created_at=long_ago, last_polled_at=long_ago)

    answer = client.get("/healthz")

    assert answer.status_code == 503
    assert answer.json()["checks"]["polling"] == "stale"
    assert polled.name not in answer.text
    assert str(polled.pleo_connection.company_id) not in answer.text


def test_a_failing_poll_fails_the_check(client, polled):
    heartbeat()
    type(polled).objects.filter(pk=polled.pk).update(last_poll_error="Pleo answered 500")

    answer = client.get("/healthz")

    assert answer.status_code == 503
    assert answer.json() == {
        "status": "failing",
        "checks": {"database": "ok", "broker": "ok", "worker": "ok", "polling": "failing"},
    }


def test_the_web_scope_checks_only_what_a_web_process_needs(client, db):
    answer = client.get("/healthz?scope=web")

    assert answer.status_code == 200
    assert answer.json()["checks"] == {"database": "ok", "broker": "ok"}


def test_an_unreachable_broker_fails_the_check(db):
    import redis
    from django_q.brokers.redis_broker import Redis

    broker = Redis(list_key="healthz-test")
    broker.connection = redis.Redis(host="127.0.0.1", port=1)  # nothing listens there

    assert check_broker(broker) == "unreachable"


def test_a_heartbeat_keeps_one_row_per_machine(db):
    heartbeat()
    heartbeat()

    assert WorkerHeartbeat.objects.count() == 1


def test_the_command_line_check_fails_like_the_endpoint(db):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    call_command("healthcheck", "--scope", "web")
    with pytest.raises(CommandError, match="failing: worker"):
        call_command("healthcheck")

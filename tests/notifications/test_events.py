"""Which events are recorded, once each, from what the hub's tables say."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from exporthub.connectors.models import MasterDataRecord
from exporthub.notifications.events import send_digests, sweep
from exporthub.notifications.models import Delivery, EventKind, Notification, Subscription
from exporthub.pleo.models import PleoConnection
from exporthub.sync.models import ExportJob, JobStatus, Mapping


def subscribe(integration, events=None, channel="email", target="books@nordlys.test"):
    return Subscription.objects.create(
        integration=integration,
        channel=channel,
        target=target,
        events=events or list(EventKind.values),
    )


def test_a_job_with_failed_entries_is_recorded_once_with_one_delivery_per_subscriber(
    integration, finished_job
):
    email = subscribe(integration)
    subscribe(integration, events=[EventKind.JOB_FAILED], target="cfo@nordlys.test")

    assert sweep() == 1
    assert sweep() == 0  # the same event is not recorded again

    notification = Notification.objects.get()
    assert notification.kind == EventKind.JOB_COMPLETED_WITH_ERRORS
    assert notification.count == finished_job.items_failed > 0
    assert notification.path == f"/jobs/{finished_job.pk}/"
    assert [d.subscription for d in Delivery.objects.all()] == [email]  # cfo: other events


def test_finished_jobs_from_before_the_last_day_are_history_not_news(integration, finished_job):
    subscribe(integration)
    ExportJob.objects.filter(pk=finished_job.pk).update(
        completed_at=timezone.now() - timedelta(days=2)
    )
    assert sweep() == 0


def test_a_failed_job_names_its_reason_and_an_erp_credential_refusal_is_its_own_event(
    integration, finished_job
):
    ExportJob.objects.filter(pk=finished_job.pk).update(
        status=JobStatus.FAILED, failure_reason_type="accounting_system_authentication_failure"
    )
    sweep()
    assert Notification.objects.get().kind == EventKind.CREDENTIALS_REFUSED
    assert Notification.objects.get().data["system"] == "erp"


def test_a_job_nobody_worked_on_for_a_while_is_stuck_and_told_again_only_after_new_life(
    integration, finished_job
):
    long_ago = timezone.now() - timedelta(hours=2)
    ExportJob.objects.filter(pk=finished_job.pk).update(
        status=JobStatus.IN_PROGRESS,
        heartbeat_at=long_ago,
        started_at=long_ago,
        first_seen_at=long_ago,
        completed_at=None,
    )
    assert sweep() == 1
    stuck = Notification.objects.get(kind=EventKind.JOB_STUCK)
    assert stuck.data["quiet_minutes"] >= 119
    assert sweep() == 0
    ExportJob.objects.filter(pk=finished_job.pk).update(heartbeat_at=timezone.now())
    assert sweep() == 0  # alive again


def test_a_pleo_connection_that_needs_authorising_again_is_told(integration):
    PleoConnection.objects.filter(pk=integration.pleo_connection_id).update(
        status=PleoConnection.Status.NEEDS_REAUTHORIZATION, status_detail="invalid_grant"
    )
    integration.refresh_from_db()
    sweep()
    (event,) = Notification.objects.filter(kind=EventKind.CREDENTIALS_REFUSED)
    assert event.data == {"system": "pleo", "detail": "invalid_grant"}
    assert event.path == f"/settings/pleo/{integration.pleo_connection_id}/"


def test_a_mapping_whose_erp_record_was_archived_is_drift(integration):
    mapping = integration.mappings.filter(kind=Mapping.Kind.ACCOUNT).exclude(pleo_key="*").first()
    MasterDataRecord.objects.create(
        config=integration.erp_connection,
        kind=MasterDataRecord.Kind.ACCOUNT,
        code=mapping.erp_key,
        active=False,
        fetched_at=timezone.now(),
    )
    sweep()
    drift = Notification.objects.get(kind=EventKind.MAPPING_DRIFT)
    assert mapping.erp_key in drift.data["mappings"][0]
    assert drift.path == f"/companies/{integration.pk}/mappings/"


def test_the_daily_digest_counts_queued_failed_and_waiting(integration, finished_job):
    subscribe(integration, events=[EventKind.DAILY_DIGEST])
    assert send_digests() == 1
    assert send_digests() == 0  # one a day
    digest = Notification.objects.get(kind=EventKind.DAILY_DIGEST)
    assert digest.data["queued"] == integration.queued_entries.count()
    assert digest.data["failed"] == finished_job.items_failed
    assert digest.data["waiting_jobs"] == 0

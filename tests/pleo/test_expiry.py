from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from exporthub.pleo.enums import JobFailureReasonType, JobStatus
from exporthub.pleo.errors import ExportJobStatusUnprocessable
from exporthub.pleo.schemas import ItemUpdate
from exporthub.sandbox import services


def test_it_shows_a_job_pleo_expired_as_failed_with_abandoned_items(pleo, acme, settings):
    services.seed_company(acme.company, entries=3)
    job_id = str(services.create_export_job(acme.company).uuid)
    pleo.start_job(job_id)
    first, *_ = pleo.list_job_items(job_id)
    done = ItemUpdate.successful(first.accounting_entry_id, external_id="JE-1")
    pleo.update_job_items(job_id, [done])
    idle_too_long = timezone.now() + timedelta(seconds=settings.SANDBOX_JOB_EXPIRY_SECONDS + 60)

    assert services.expire_idle_jobs(now=idle_too_long) == 1

    job = pleo.get_job(job_id)
    assert job.status is JobStatus.FAILED
    assert job.failure_reason_type is JobFailureReasonType.JOB_EXPIRED
    assert job.expired_at is not None
    assert job.expires_in == 0
    statuses = sorted(str(item.status) for item in pleo.list_job_items(job_id))
    assert statuses == ["abandoned", "abandoned", "successful"]
    with pytest.raises(ExportJobStatusUnprocessable):
        list(pleo.list_export_items(job_id))

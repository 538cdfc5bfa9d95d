"""Dismissing a job that blocks an integration's queue.

Jobs are processed one at a time, oldest first, so one job the hub cannot finish (Pleo no longer
knows it, it fails on every attempt) holds up every later one. An operator dismisses it: the hub
stops claiming, polling and refreshing it, and says so in the activity log. Nothing is sent to
Pleo and nothing already posted to the ERP is touched.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from exporthub.core.activity import log_activity
from exporthub.sync.models import ExportJob


class CannotDismiss(Exception):
    """The job is finished or already dismissed, or no reason was given; nothing changed."""


@transaction.atomic
def dismiss_job(job: ExportJob, *, reason: str, actor=None, actor_label: str = "") -> ExportJob:
    """Stop working on `job` for `reason`; raises CannotDismiss when that makes no sense."""
    reason = reason.strip()
    if not reason:
        raise CannotDismiss(_("Say why the job is dismissed."))
    job = ExportJob.objects.select_for_update().get(pk=job.pk)
    if job.dismissed_at is not None:
        raise CannotDismiss(_("This job was already dismissed."))
    if job.is_finished:
        raise CannotDismiss(_("This job is finished; there is nothing to dismiss."))
    label = actor_label or (actor.get_username() if actor is not None else "system")
    job.dismissed_at = timezone.now()
    job.dismissed_by = label
    job.dismissed_reason = reason
    # A worker still holding the claim loses it at its next heartbeat.
    job.claimed_by = ""
    job.heartbeat_at = None
    job.save(
        update_fields=[
            "dismissed_at",
            "dismissed_by",
            "dismissed_reason",
            "claimed_by",
            "heartbeat_at",
        ]
    )
    log_activity(
        "sync.job.dismissed",
        actor=actor,
        actor_label=label,
        company_id=job.company_id,
        obj=job,
        before={"status": job.status},
        reason=reason,
    )
    return job

from __future__ import annotations

import uuid

from django.core.management.base import BaseCommand, CommandError

from exporthub.sync.dismissal import CannotDismiss, dismiss_job
from exporthub.sync.models import ExportJob


class Command(BaseCommand):
    help = (
        "Stop working on an export job that blocks its integration's queue (nothing is sent to "
        "Pleo; later jobs are processed)."
    )

    def add_arguments(self, parser):
        parser.add_argument("job_id", help="The Pleo export job id.")
        parser.add_argument("--reason", required=True, help="Why (kept in the activity log).")

    def handle(self, *args, job_id: str, reason: str, **options):
        try:
            pleo_id = uuid.UUID(job_id)
        except ValueError:
            raise CommandError(f"{job_id!r} is not a job id (a UUID).") from None
        job = ExportJob.objects.filter(pleo_id=pleo_id).first()
        if job is None:
            raise CommandError(f"No export job {pleo_id} is known here.")
        try:
            dismiss_job(job, reason=reason, actor_label="manage.py")
        except CannotDismiss as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"Dismissed export job {pleo_id}; later jobs will be processed.")

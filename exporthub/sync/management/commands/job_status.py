from __future__ import annotations

import uuid

from django.core.management.base import BaseCommand, CommandError

from exporthub.sync.models import ExportJob


class Command(BaseCommand):
    help = "Show an export job's status, item counts and failures."

    def add_arguments(self, parser):
        parser.add_argument("job_id", help="The Pleo export job id.")

    def handle(self, *args, job_id: str, **options):
        try:
            pleo_id = uuid.UUID(job_id)
        except ValueError:
            raise CommandError(f"{job_id!r} is not a job id (a UUID).") from None
        job = ExportJob.objects.filter(pleo_id=pleo_id).select_related("integration").first()
        if job is None:
            raise CommandError(f"No export job {pleo_id} is known here.")
        self.stdout.write(f"Job {job.pleo_id} ({job.integration}): {job.status}")
        self.stdout.write(
            f"  items: {job.number_of_items} — {job.items_successful} exported, "
            f"{job.items_failed} failed, {job.items_pending} open, {job.items_abandoned} abandoned"
        )
        if job.failure_reason:
            self.stdout.write(f"  failure: {job.failure_reason_type}: {job.failure_reason}")
        if job.claimed_by:
            self.stdout.write(
                f"  claimed by {job.claimed_by}, heartbeat {job.heartbeat_at:%H:%M:%S}"
            )
        for item in job.items.filter(status="failed").order_by("id")[:20]:
            self.stdout.write(
                f"  failed {item.accounting_entry_id}: "
                f"{item.failure_reason_type}: {item.failure_reason}"
            )

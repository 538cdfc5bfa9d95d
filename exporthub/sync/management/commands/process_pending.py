from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from exporthub.pleo.errors import PleoError
from exporthub.sync import engine
from exporthub.sync.claims import worker_id
from exporthub.sync.detection import poll_integration
from exporthub.sync.models import Integration


class Command(BaseCommand):
    help = "Poll Pleo and process every pending export job once, in this process, then exit."

    def add_arguments(self, parser):
        parser.add_argument("--integration", help="Only this integration (by name).")

    def handle(self, *args, integration: str | None, **options):
        integrations = Integration.objects.filter(enabled=True).select_related("pleo_connection")
        if integration:
            integrations = integrations.filter(name=integration)
            if not integrations.exists():
                raise CommandError(f"No enabled integration is named {integration!r}.")
        worker = worker_id()
        failures = 0
        for item in integrations:
            try:
                waiting = poll_integration(item)
            except PleoError as error:
                failures += 1
                self.stderr.write(f"{item}: could not reach Pleo: {error}")
                continue
            worked_on = engine.process_integration(item.pk, worker) if waiting else 0
            self.stdout.write(f"{item}: {len(waiting)} job(s) waiting, {worked_on} processed.")
            for job in item.jobs.order_by("-pleo_created_at")[:worked_on]:
                self.stdout.write(f"  {_describe(job)}")
        if failures:
            raise CommandError(f"{failures} integration(s) could not be polled.")


def _describe(job) -> str:
    return (
        f"job {job.pleo_id}: {job.status} — {job.items_successful} exported, "
        f"{job.items_failed} failed, {job.items_pending} open"
    )

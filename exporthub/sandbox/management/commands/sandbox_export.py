from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from exporthub.sandbox import services
from exporthub.sandbox.management.lookup import company_by_id


class Command(BaseCommand):
    help = "Act as the Pleo user: export all queued entries of a company (a pending job)."

    def add_arguments(self, parser):
        parser.add_argument("--company", required=True, help="Company id (UUID).")
        parser.add_argument("--vendor-based-bookkeeping", action="store_true")
        parser.add_argument("--background", action="store_true", help="isInteractive=false")

    def handle(self, *args, company: str, vendor_based_bookkeeping, background, **options):
        target = company_by_id(company)
        try:
            job = services.create_export_job(
                target,
                is_interactive=not background,
                vendor_based_bookkeeping=vendor_based_bookkeeping,
            )
        except services.SandboxError as error:
            raise CommandError(f"{error.type}: {error.message}") from None
        self.stdout.write(str(job.uuid))

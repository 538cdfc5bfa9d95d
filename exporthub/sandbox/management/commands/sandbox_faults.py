from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from exporthub.sandbox import services
from exporthub.sandbox.management.lookup import company_by_id


class Command(BaseCommand):
    help = "Make a sandbox company's API misbehave (or behave again with --clear)."

    def add_arguments(self, parser):
        parser.add_argument("--company", required=True, help="Company id (UUID).")
        parser.add_argument("--clear", action="store_true", help="Switch every fault off.")
        parser.add_argument("--rate-limit", type=int, help="429 above this many requests/second.")
        parser.add_argument("--error-rate", type=float, default=0.0, help="Share of 5xx (0-1).")
        parser.add_argument("--latency-ms", type=int, default=0)
        parser.add_argument("--malformed-rate", type=float, default=0.0, help="Share (0-1).")
        parser.add_argument("--fail-next", type=int, default=0, help="Fail the next N requests.")
        parser.add_argument("--fail-status", type=int, default=429)
        parser.add_argument("--retry-after", type=int, default=1)

    def handle(self, *args, company: str, clear: bool, **options):
        target = company_by_id(company)
        if clear:
            services.clear_faults(target)
            self.stdout.write(f"Faults cleared for {target.name}.")
            return
        try:
            services.set_faults(
                target,
                rate_limit_per_second=options["rate_limit"],
                error_rate=options["error_rate"],
                latency_ms=options["latency_ms"],
                malformed_rate=options["malformed_rate"],
                fail_next=options["fail_next"],
                fail_status=options["fail_status"],
                retry_after=options["retry_after"],
            )
        except ValueError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"Faults set for {target.name}.")

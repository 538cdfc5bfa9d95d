from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from exporthub.sandbox import services
from exporthub.sandbox.models import Company


class Command(BaseCommand):
    help = "Create (or top up) a sandbox company with master data and queued entries."

    def add_arguments(self, parser):
        parser.add_argument("--company", required=True, help="Company name.")
        parser.add_argument("--entries", type=int, default=50)
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--currency", default="DKK")

    def handle(self, *args, company: str, entries: int, seed: int, currency: str, **options):
        if entries < 0 or entries > 1_000_000:
            raise CommandError("--entries must be between 0 and 1000000.")
        if len(currency) != 3 or not currency.isalpha():
            raise CommandError("--currency must be a three-letter ISO 4217 code.")
        existing = Company.objects.filter(name=company).first()
        if existing is None:
            target, api_key = services.create_company(name=company, currency=currency)
        else:
            target, api_key = existing, services.create_api_key(existing)
        created = services.seed_company(target, entries=entries, seed=seed)
        self.stdout.write(f"company_id={target.uuid}")
        self.stdout.write(f"api_key={api_key}")
        self.stdout.write(f"entries_created={created}")

from __future__ import annotations

from django.core.management.base import BaseCommand

from exporthub.sandbox import services


class Command(BaseCommand):
    help = "Expire every export job idle longer than SANDBOX_JOB_EXPIRY_SECONDS."

    def handle(self, *args, **options):
        count = services.expire_idle_jobs()
        self.stdout.write(f"Expired {count} export job{'s' if count != 1 else ''}.")

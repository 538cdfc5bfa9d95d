from __future__ import annotations

from django.core.management.base import BaseCommand

from exporthub.sync.schedules import ensure_schedules


class Command(BaseCommand):
    help = "Create or update the recurring tasks (polling Pleo) in django-q2's schedule."

    def handle(self, *args, **options):
        for name in ensure_schedules():
            self.stdout.write(f"schedule up to date: {name}")

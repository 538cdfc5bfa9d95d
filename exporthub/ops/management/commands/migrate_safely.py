"""`bin/serve migrate`: migrations and schedules, one process at a time."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from exporthub.ops.migrating import migrate_once


class Command(BaseCommand):
    help = (
        "Apply migrations and (re)create the schedules under a lock, so only one process migrates."
    )

    def handle(self, *args, verbosity: int, **options):
        migrate_once(verbosity=verbosity)

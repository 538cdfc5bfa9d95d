"""`manage.py healthcheck [--scope web|all]`: /healthz's checks from the command line (exit 1 when
failing), for container health checks of processes that serve no HTTP, such as the worker."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from exporthub.ops.health import OK, run_checks


class Command(BaseCommand):
    help = "Run the health checks of /healthz; exits non-zero when one fails."
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--scope", choices=["all", "web"], default="all")

    def handle(self, *args, scope: str, **options):
        checks = run_checks(scope)
        self.stdout.write(json.dumps(checks))
        failing = sorted(name for name, result in checks.items() if result != OK)
        if failing:
            raise CommandError(f"failing: {', '.join(failing)}")

"""`make run`: migrate, seed the demo, then run the web server and the task worker together."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.utils.module_loading import import_string
from django_q.tasks import async_task

from exporthub.demo.children import (
    StopRequested,
    handle_stop_signals,
    ignore_stop_signals,
    spawn,
    stop_all,
)
from exporthub.demo.services import DEMO_USERNAME, TrytonTarget, seed_demo, seed_journal_demo

TRYTON_DATABASE = "books"
STARTUP_SECONDS = 120  # generous: a loaded machine may take a while to start Django twice


class Command(BaseCommand):
    help = (
        "Set up and run the local demo: web server, django-q2 worker and (optionally) Tryton; "
        "Ctrl-C or SIGTERM stops them all within 5 s."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--port", type=int, default=int(os.environ.get("EXPORTHUB_DEMO_PORT", 8000))
        )
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument(
            "--erp",
            choices=["beancount", "tryton"],
            default=os.environ.get("EXPORTHUB_DEMO_ERP") or "beancount",
            help="Where the demo company posts (default: beancount, or $EXPORTHUB_DEMO_ERP).",
        )

    def handle(self, *args, host: str, port: int, erp: str, **options):
        handle_stop_signals()
        try:
            self._set_up_and_run(host, port, erp)
        except StopRequested:
            self.stdout.write("\nStopped.")

    def _set_up_and_run(self, host: str, port: int, erp: str) -> None:
        password = os.environ.get("EXPORTHUB_DEMO_PASSWORD")
        if not password:
            raise CommandError(
                "EXPORTHUB_DEMO_PASSWORD is not set (make run writes it to var/local.env)."
            )
        if not settings.SANDBOX_ENABLED:
            raise CommandError(
                "The demo needs the Pleo sandbox: set EXPORTHUB_SANDBOX_ENABLED=True."
            )

        base_url = f"http://{host}:{port}"
        # The sandbox announces new jobs to the hub's webhook, as Pleo would.
        os.environ.setdefault("EXPORTHUB_SANDBOX_WEBHOOK_URL", f"{base_url}/webhooks/pleo/")
        # Migrations and every schedule (the engine's and the worker heartbeat), as bin/serve does.
        call_command("migrate_safely", verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        tryton = self._start_tryton() if erp == "tryton" else None
        processes = [] if tryton is None else [tryton.process]
        try:
            self._run(host, port, password, tryton, processes)
        finally:
            ignore_stop_signals()
            stop_all(processes)

    def _run(self, host: str, port: int, password: str, tryton, processes: list) -> None:
        """Seed, start the web server and the worker (added to `processes`), wait for a stop."""
        base_url = f"http://{host}:{port}"
        target = None
        if tryton is not None:
            target = TrytonTarget(tryton.url, TRYTON_DATABASE, tryton.company_id, tryton.api_key)
        state = seed_demo(password=password, base_url=base_url, tryton=target)
        journal = seed_journal_demo(base_url=base_url)
        if state.created:
            self.stdout.write(
                f"Seeded the sandbox company {state.company_id} with a pending export job."
            )
        if journal.created:
            self.stdout.write(
                f"Seeded a second sandbox company {journal.company_id}, exported as journal files."
            )
        books = (
            f"Tryton: {tryton.url}/{TRYTON_DATABASE}/rest/model/account.move"
            if tryton
            else f"Beancount ledger: {state.ledger_path}"
        )
        # Setting up left a large heap that only lives until exit; the interpreter's last
        # garbage collection over it took seconds on a loaded machine, after the children had
        # stopped. Frozen objects are left out of collections, so the stop stays quick.
        gc.freeze()
        processes.append(self._spawn("runserver", f"{host}:{port}", "--noreload"))
        processes.append(self._spawn("qcluster"))
        try:
            self._wait_until_up(f"{base_url}/accounts/login/", processes)
            # Look for waiting jobs now rather than at the next minute's poll.
            async_task("exporthub.sync.tasks.poll_all")
            async_task("exporthub.sync.tasks.refresh_export_queues")
            self.stdout.write(
                self.style.SUCCESS(
                    f"\nexporthub is running at {base_url}/\n"
                    f"  sign in as: {DEMO_USERNAME} / {password}\n"
                    f"  Pleo sandbox: {base_url}/sandbox/\n"
                    f"  {books}\n"
                    f"  Journal files (also on each job's page): {journal.folder}\n"
                    "Press Ctrl-C to stop the web server, the worker and any ERP server.\n"
                )
            )
            self._wait_for_any_exit(processes)
        except StopRequested:
            self.stdout.write("\nStopping…")

    def _start_tryton(self):
        # The local Tryton server is development tooling outside the installed package: `make run
        # EXPORTHUB_DEMO_ERP=tryton` installs Tryton and names the helper that starts it.
        helper = os.environ.get("EXPORTHUB_DEMO_TRYTON_SERVER", "")
        try:
            start_server = import_string(helper)
        except ImportError:
            start_server = None
        if start_server is None or not (Path(sys.executable).parent / "trytond").exists():
            raise CommandError(
                "Tryton is not installed here: run `make run EXPORTHUB_DEMO_ERP=tryton`, "
                "which installs it."
            )
        self.stdout.write("Starting Tryton (the first start builds its database, about 30 s)…")
        return start_server(settings.DATA_DIR / "demo" / "tryton", TRYTON_DATABASE)

    def _spawn(self, *command: str) -> subprocess.Popen:
        return spawn([sys.executable, "manage.py", *command], cwd=settings.BASE_DIR)

    def _wait_until_up(self, url: str, processes: list[subprocess.Popen]) -> None:
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            if any(process.poll() is not None for process in processes):
                raise CommandError("The web server or the worker stopped during start-up.")
            try:
                if httpx.get(url, timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.3)
        raise CommandError(f"{url} did not answer within {STARTUP_SECONDS} seconds.")

    def _wait_for_any_exit(self, processes: list[subprocess.Popen]) -> None:
        while all(process.poll() is None for process in processes):
            time.sleep(0.5)
        raise CommandError("The web server or the worker stopped unexpectedly.")

from __future__ import annotations

import os
import sys
import uuid

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from exporthub.core.activity import log_activity
from exporthub.core.formatting import validate_locale
from exporthub.core.http_urls import http_url_problem
from exporthub.pleo.models import PleoConnection


class Command(BaseCommand):
    help = (
        "Create or update a Pleo connection that uses an API key. The key is read from an "
        "environment variable or standard input, never from the command line."
    )

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("--company-id", required=True, help="The Pleo company's id (UUID).")
        parser.add_argument("--base-url", help="Pleo's API root (default: production).")
        parser.add_argument(
            "--locale", help="How the company's money and dates are written, e.g. da_DK."
        )
        key = parser.add_mutually_exclusive_group()
        key.add_argument("--api-key-env", metavar="VAR", help="Read the API key from $VAR.")
        key.add_argument(
            "--api-key-stdin", action="store_true", help="Read the API key from stdin."
        )

    def handle(
        self, *args, name, company_id, base_url, locale, api_key_env, api_key_stdin, **options
    ):
        try:
            company = uuid.UUID(company_id)
        except ValueError:
            raise CommandError(f"--company-id {company_id!r} is not a UUID.") from None
        if base_url and (problem := http_url_problem(base_url)):
            raise CommandError(f"--base-url: {problem}")
        if locale:
            try:
                validate_locale(locale)
            except ValidationError as error:
                raise CommandError(f"--locale: {error.messages[0]}") from None
        api_key = ""
        if api_key_env:
            api_key = os.environ.get(api_key_env, "").strip()
            if not api_key:
                raise CommandError(f"${api_key_env} is empty or not set.")
        elif api_key_stdin:
            api_key = sys.stdin.readline().strip()
            if not api_key:
                raise CommandError("No API key on standard input.")
        connection = PleoConnection.objects.filter(name=name).first()
        created = connection is None
        if created:
            if not api_key:
                raise CommandError(
                    "A new connection needs an API key (--api-key-env or --api-key-stdin)."
                )
            connection = PleoConnection(name=name, auth_method=PleoConnection.AuthMethod.API_KEY)
        connection.company_id = company
        moved = not created and base_url and base_url.rstrip("/") != connection.base_url
        if moved and not api_key:
            raise CommandError(
                "--base-url changes where the API key is sent: give the key again "
                "(--api-key-env or --api-key-stdin)."
            )
        if base_url:
            connection.base_url = base_url.rstrip("/")
        if locale:
            connection.locale = locale
        if api_key:
            connection.api_key = api_key
            connection.status = PleoConnection.Status.ACTIVE
        connection.save()
        log_activity(
            "pleo.connection.created" if created else "pleo.connection.updated",
            actor_label="manage.py",
            company_id=company,
            obj=connection,
            after={"name": name, "base_url": connection.base_url, "api_key_changed": bool(api_key)},
        )
        self.stdout.write(f"{'Created' if created else 'Updated'} Pleo connection {connection}.")

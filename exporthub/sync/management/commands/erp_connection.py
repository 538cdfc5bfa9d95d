from __future__ import annotations

import os

from django.core.management.base import BaseCommand, CommandError

from exporthub.connectors.errors import ConnectorError
from exporthub.connectors.models import ConnectorConfig
from exporthub.connectors.registry import available_connectors, build_connector, get_connector_class
from exporthub.connectors.settings_policy import settings_problems
from exporthub.core.activity import log_activity


def _pairs(values: list[str], option: str) -> dict[str, str]:
    pairs = {}
    for value in values:
        key, sep, rest = value.partition("=")
        if not sep or not key:
            raise CommandError(f"{option} takes NAME=VALUE, not {value!r}.")
        pairs[key.strip()] = rest
    return pairs


class Command(BaseCommand):
    help = (
        "Create or update an ERP connection. Secrets are read from environment variables "
        "(--secret-env NAME=VAR), never from the command line."
    )

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("--kind", choices=sorted(available_connectors()), help="The connector.")
        parser.add_argument(
            "--set",
            dest="setting",
            action="append",
            default=[],
            metavar="NAME=VALUE",
            help="A setting, e.g. --set ledger_path=/srv/books/main.beancount",
        )
        parser.add_argument(
            "--secret-env",
            action="append",
            default=[],
            metavar="NAME=VAR",
            help="Store secret NAME from environment variable VAR.",
        )
        parser.add_argument("--check", action="store_true", help="Test the connection afterwards.")

    def handle(self, *args, name, kind, setting, secret_env, check, **options):
        config = ConnectorConfig.objects.filter(name=name).first()
        created = config is None
        if created and not kind:
            raise CommandError("A new ERP connection needs --kind.")
        config = config or ConnectorConfig(name=name)
        if kind:
            config.kind = kind
        settings = {**(config.settings or {}), **_pairs(setting, "--set")}
        connector_class = get_connector_class(config.kind)
        if connector_class.config_form is not None:
            form = connector_class.config_form(data=settings)
            if not form.is_valid():
                problems = "; ".join(
                    f"{field}: {' '.join(errors)}" for field, errors in form.errors.items()
                )
                raise CommandError(f"Invalid settings for {config.kind}: {problems}")
        secrets = _pairs(secret_env, "--secret-env")
        problems = settings_problems(
            config.kind,
            before={} if created else dict(config.settings or {}),
            after=settings,
            secrets_entered=secrets,
            secrets_stored=[] if created else config.secrets_set(),
        )
        if problems:
            listed = "; ".join(f"{name}: {message}" for name, message in problems.items())
            raise CommandError(f"Invalid settings for {config.kind}: {listed}")
        config.settings = settings
        for secret, variable in secrets.items():
            if secret not in connector_class.secret_fields:
                raise CommandError(
                    f"{config.kind} has no secret {secret!r} "
                    f"(it has: {', '.join(connector_class.secret_fields) or 'none'})."
                )
            value = os.environ.get(variable, "")
            if not value:
                raise CommandError(f"${variable} is empty or not set.")
            config.set_secret(secret, value)
        config.save()
        log_activity(
            "erp.connection.created" if created else "erp.connection.updated",
            actor_label="manage.py",
            obj=config,
            after={
                "name": name,
                "kind": config.kind,
                "settings": config.settings,
                "secrets_set": config.secrets_set(),
            },
        )
        self.stdout.write(f"{'Created' if created else 'Updated'} ERP connection {config}.")
        if check:
            try:
                with build_connector(config) as connector:
                    connector.check_connection()
            except ConnectorError as error:
                raise CommandError(f"Connection test failed: {error}") from None
            self.stdout.write("Connection test passed.")

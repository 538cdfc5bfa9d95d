from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from exporthub.connectors.models import ConnectorConfig
from exporthub.core.activity import log_activity
from exporthub.pleo.models import PleoConnection
from exporthub.sync.mapping_csv import MappingImportError, import_mappings
from exporthub.sync.models import Integration


class Command(BaseCommand):
    help = "Create or update an integration: a Pleo connection wired to an ERP connection."

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("--pleo", help="Name of the Pleo connection.")
        parser.add_argument("--erp", help="Name of the ERP connection.")
        parser.add_argument("--erp-company", help="ERP company that must match before exporting.")
        parser.add_argument("--poll-interval", type=int, help="Seconds between polls of Pleo.")
        parser.add_argument(
            "--strict-mappings",
            action="store_true",
            help="Fail items whose values have no mapping (no fallback to Pleo codes).",
        )
        parser.add_argument("--mappings", metavar="CSV", help="Import mappings from a CSV file.")
        state = parser.add_mutually_exclusive_group()
        state.add_argument("--enable", action="store_true")
        state.add_argument("--disable", action="store_true")

    def handle(
        self,
        *args,
        name,
        pleo,
        erp,
        erp_company,
        poll_interval,
        strict_mappings,
        mappings,
        enable,
        disable,
        **options,
    ):
        integration = Integration.objects.filter(name=name).first()
        created = integration is None
        if created and not (pleo and erp):
            raise CommandError("A new integration needs --pleo and --erp.")
        integration = integration or Integration(name=name)
        if pleo:
            integration.pleo_connection = self._get(PleoConnection, pleo, "Pleo connection")
        if erp:
            integration.erp_connection = self._get(ConnectorConfig, erp, "ERP connection")
        if erp_company is not None:
            integration.erp_company = erp_company
        if poll_interval is not None:
            if poll_interval < 10:
                raise CommandError("--poll-interval must be at least 10 seconds.")
            integration.poll_interval_seconds = poll_interval
        if strict_mappings:
            integration.fallback_to_pleo_codes = False
        if enable or disable:
            integration.enabled = enable
        integration.save()
        if mappings:
            try:
                with open(mappings, newline="", encoding="utf-8") as csv_file:
                    count = import_mappings(integration, csv_file)
            except OSError as error:
                raise CommandError(f"Cannot read {mappings}: {error.strerror}") from None
            except MappingImportError as error:
                raise CommandError("Mappings not imported:\n" + "\n".join(error.problems)) from None
            self.stdout.write(f"Imported {count} mapping(s).")
        log_activity(
            "sync.integration.created" if created else "sync.integration.updated",
            actor_label="manage.py",
            obj=integration,
            after={
                "name": name,
                "enabled": integration.enabled,
                "erp_company": integration.erp_company,
            },
        )
        self.stdout.write(f"{'Created' if created else 'Updated'} integration {integration}.")

    def _get(self, model, name, what):
        found = model.objects.filter(name=name).first()
        if found is None:
            raise CommandError(f"No {what} is named {name!r}.")
        return found

"""Which connectors exist: one dict from `kind` to the dotted path of its class.

Adding a connector is one line here (plus its package and test module); `ConnectorConfig.kind`
takes its choices from this dict at run time, so no migration is needed.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from django.utils.module_loading import import_string

if TYPE_CHECKING:
    from exporthub.connectors.base import Connector
    from exporthub.connectors.models import ConnectorConfig

CONNECTORS: dict[str, str] = {
    "beancount": "exporthub.connectors.beancount.connector.BeancountConnector",
    "tryton": "exporthub.connectors.tryton.connector.TrytonConnector",
    "csv_journal": "exporthub.connectors.file_journal.connector.CsvJournalConnector",
    "xlsx_journal": "exporthub.connectors.file_journal.connector.XlsxJournalConnector",
    "sie4_journal": "exporthub.connectors.file_journal.connector.SieJournalConnector",
    "datev_journal": "exporthub.connectors.file_journal.connector.DatevJournalConnector",
}


@cache
def get_connector_class(kind: str) -> type[Connector]:
    """The connector class for `kind`; KeyError for a kind nobody registered."""
    return import_string(CONNECTORS[kind])


def connector_choices() -> list[tuple[str, str]]:
    """(kind, label) pairs for `ConnectorConfig.kind`, leaving out connectors whose optional
    dependency is not installed (Beancount comes with the `beancount` extra)."""
    choices = []
    for kind in CONNECTORS:
        try:
            choices.append((kind, get_connector_class(kind).label))
        except ImportError:
            continue
    return choices


def build_connector(config: ConnectorConfig) -> Connector:
    """A ready connector for a stored configuration."""
    return get_connector_class(config.kind)(config)

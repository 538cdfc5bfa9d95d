"""Where the engine gets its Pleo client and its ERP connector for an integration."""

from __future__ import annotations

from collections.abc import Callable

import httpx
from django.conf import settings
from django.utils.module_loading import import_string

from exporthub.connectors.base import Connector
from exporthub.connectors.registry import build_connector
from exporthub.pleo.client import PleoClient
from exporthub.sync.models import Integration


def pleo_transport() -> httpx.BaseTransport | None:
    """The HTTP transport to reach Pleo through; None (the default) means real HTTP.

    `settings.PLEO_TRANSPORT_FACTORY` may name a callable (a dotted path, or the callable itself)
    returning a transport: the tests and the bench inject the in-process sandbox this way.
    """
    factory: str | Callable[[], httpx.BaseTransport] | None = settings.PLEO_TRANSPORT_FACTORY
    if not factory:
        return None
    if isinstance(factory, str):
        factory = import_string(factory)
    return factory()


def open_pleo(integration: Integration) -> PleoClient:
    """A Pleo client for the integration's connection (close it, or use it with `with`)."""
    return PleoClient.for_connection(integration.pleo_connection, transport=pleo_transport())


def open_erp(integration: Integration) -> Connector:
    """The ERP connector for the integration's ERP connection (close it, or use `with`)."""
    return build_connector(integration.erp_connection)

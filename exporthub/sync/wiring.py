"""Where the engine gets its Pleo client and its ERP connector for an integration."""

from __future__ import annotations

import httpx

from exporthub.connectors.base import Connector
from exporthub.connectors.registry import build_connector
from exporthub.pleo.client import PleoClient
from exporthub.sync.models import Integration

# Tests point this at the Pleo sandbox served in-process; None means real HTTP.
pleo_transport: httpx.BaseTransport | None = None


def open_pleo(integration: Integration) -> PleoClient:
    """A Pleo client for the integration's connection (close it, or use it with `with`)."""
    return PleoClient.for_connection(integration.pleo_connection, transport=pleo_transport)


def open_erp(integration: Integration) -> Connector:
    """The ERP connector for the integration's ERP connection (close it, or use `with`)."""
    return build_connector(integration.erp_connection)

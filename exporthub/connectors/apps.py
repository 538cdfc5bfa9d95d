from __future__ import annotations

from django.apps import AppConfig


class ConnectorsConfig(AppConfig):
    name = "exporthub.connectors"
    label = "connectors"
    verbose_name = "Connectors"

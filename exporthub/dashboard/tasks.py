"""django-q2 entry points of the dashboard: thin wrappers that take ids and call the services."""

from __future__ import annotations

from django.contrib.auth import get_user_model

from exporthub.connectors.models import ConnectorConfig
from exporthub.dashboard.connections import refresh_erp_records as refresh


def refresh_erp_records(config_id: int, user_id: int | None = None) -> bool:
    """Read the ERP's records into the cache, on behalf of the user who asked; logged."""
    config = ConnectorConfig.objects.filter(pk=config_id).first()
    if config is None:
        return False
    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    return refresh(config, user=user).ok

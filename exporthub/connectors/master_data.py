"""The ERP's master data, cached in the database and refreshable on demand."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from exporthub.connectors.base import Connector
from exporthub.connectors.models import ConnectorConfig, MasterDataRecord

Kind = MasterDataRecord.Kind


@dataclass(frozen=True)
class RefreshResult:
    active: int
    archived: int


def _records(connector: Connector) -> dict[tuple[str, str], tuple[str, Decimal | None]]:
    """(kind, code) → (name, tax rate or None) of everything the ERP reports now."""
    data = connector.fetch_master_data()
    found: dict[tuple[str, str], tuple[str, Decimal | None]] = {}
    found.update({(Kind.ACCOUNT, a.code): (a.name, None) for a in data.accounts})
    found.update({(Kind.TAX, t.code): (t.name, t.rate) for t in data.taxes})
    found.update({(Kind.DIMENSION, f"{d.group}:{d.code}"): (d.name, None) for d in data.dimensions})
    found.update({(Kind.PARTY, p.code or p.name): (p.name, None) for p in data.parties})
    found.update({(Kind.PERIOD, p.name): (f"{p.start} – {p.end}", None) for p in data.periods})
    return found


def refresh_master_data(config: ConnectorConfig, connector: Connector) -> RefreshResult:
    """Store what the ERP reports now; records it no longer reports become inactive."""
    found = _records(connector)
    now = timezone.now()
    with transaction.atomic():
        existing = {(r.kind, r.code): r for r in config.master_data.all()}
        for key, (name, rate) in found.items():
            name = name[:255]
            record = existing.get(key)
            if record is None:
                MasterDataRecord.objects.create(
                    config=config, kind=key[0], code=key[1], name=name, rate=rate, fetched_at=now
                )
            elif record.name != name or record.rate != rate or not record.active:
                record.name, record.rate, record.active, record.fetched_at = name, rate, True, now
                record.save(update_fields=["name", "rate", "active", "fetched_at"])
        gone = [r.pk for key, r in existing.items() if key not in found and r.active]
        MasterDataRecord.objects.filter(pk__in=gone).update(active=False, fetched_at=now)
    return RefreshResult(active=len(found), archived=len(gone))

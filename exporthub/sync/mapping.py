"""Resolving Pleo values to ERP values through an integration's mappings."""

from __future__ import annotations

from collections.abc import Iterable

from exporthub.sync.models import Integration, Mapping


class MappingTable:
    """All mappings of one integration, loaded once, so a job makes no query per item.

    `resolve(kind, *keys)` tries each Pleo key in order (e.g. an account's code, then its id),
    then the kind's default (`*`), and returns the ERP key, or None when nothing matches.
    """

    def __init__(self, mappings: Iterable[Mapping]):
        self._table = {(m.kind, m.pleo_key.casefold()): m.erp_key for m in mappings}

    @classmethod
    def for_integration(cls, integration: Integration) -> MappingTable:
        return cls(integration.mappings.all())

    def find(self, kind: str, *keys: str | None) -> str | None:
        """The ERP key mapped to the first of `keys` that has a mapping; no default."""
        for key in keys:
            if key:
                found = self._table.get((kind, str(key).casefold()))
                if found:
                    return found
        return None

    def resolve(self, kind: str, *keys: str | None) -> str | None:
        """Like `find`, falling back to the kind's default mapping (`*`)."""
        return self.find(kind, *keys) or self._table.get((kind, Mapping.DEFAULT_KEY))

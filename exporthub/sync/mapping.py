"""Resolving Pleo values to ERP values: the one mapping rule, used by posting, pre-flight and
mapping health alike, so they cannot disagree.

The rule, for every kind (account, tax code, tag, contra account, vendor):

1. **Where Pleo sends a value** (a line's category, a tax code, a tag, an entry's contra
   account, a vendor), an *explicit* mapping of that value wins (looked up by its code, its
   identifier, then its id). Otherwise, when the integration falls back to Pleo's codes, Pleo's
   own code is used as the ERP's (the ERP's master data then decides whether it exists).
   Otherwise the item fails, naming the missing mapping. A default (`*`) never replaces a value
   Pleo sent.
2. **Where Pleo sends no value** (a line without a category, an entry without a contra account,
   a line without a tax code, an entry without a vendor), the kind's default (`*`) applies, e.g.
   a suspense account or a "no VAT" tax code. Tags default per group (`DEPT:*`: the dimension of
   lines without a DEPT tag). Without a default the item fails where the value is needed (a line
   without a category: fix the category in Pleo) and goes without where it is optional (tax
   code, tag, vendor).

Some keys are not Pleo codes but explicit keys an admin may map, looked up after the value's own
keys and before Pleo's code: for contra accounts the item type (`out_of_pocket`, `mileage`,
`per_diem`, `invoice`: entries Pleo sends without a contra account, which are owed to the
employee or the supplier) and the wallet currency (`DKK`); for VAT accounts `vat:in` and
`vat:out` (the VAT accounts of taxes that carry none of their own). They are explicit mappings,
not defaults: they only ever match the entries they name.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from exporthub.sync.models import Integration, Mapping


class Source(StrEnum):
    """What an ERP value was resolved from."""

    EXPLICIT = "explicit"  # an explicit mapping of a key Pleo sent (or an item type/currency)
    PLEO_CODE = "pleo_code"  # Pleo's own code, in fallback mode
    DEFAULT = "default"  # the kind's `*` mapping, where Pleo sent no value


@dataclass(frozen=True)
class Resolution:
    """The outcome of resolving one Pleo value: the ERP key and where it came from, or nothing.

    `pleo_key` is the key a person would map (the first key Pleo sent: its code where it has
    one; else the first explicit key, e.g. the item type), "" when there is none; `mapping` is
    the Mapping row that matched, if any.
    """

    kind: str
    pleo_key: str
    pleo_label: str
    erp_key: str
    source: Source | None
    mapping: Mapping | None = None

    @property
    def resolved(self) -> bool:
        return self.source is not None


class MappingTable:
    """All mappings of one integration, loaded once, so a job makes no query per item."""

    def __init__(self, mappings: Iterable[Mapping]):
        self._table = {(m.kind, m.pleo_key.casefold()): m for m in mappings}

    @classmethod
    def for_integration(cls, integration: Integration) -> MappingTable:
        return cls(integration.mappings.all())

    def explicit(self, kind: str, *keys: str | None) -> Mapping | None:
        """The explicit mapping of the first of `keys` that has one (never the default)."""
        for key in keys:
            if key and key != Mapping.DEFAULT_KEY:
                found = self._table.get((kind, str(key).casefold()))
                if found is not None:
                    return found
        return None

    def default(self, kind: str) -> Mapping | None:
        return self._table.get((kind, Mapping.DEFAULT_KEY))

    def tag_group_defaults(self) -> dict[str, Mapping]:
        """Tag defaults by group code (`DEPT:*`): the dimension of lines without such a tag."""
        suffix = ":" + Mapping.DEFAULT_KEY
        return {
            mapping.pleo_key[: -len(suffix)]: mapping
            for (kind, _key), mapping in self._table.items()
            if kind == Mapping.Kind.TAG and mapping.pleo_key.endswith(suffix)
        }

    def resolve(
        self,
        kind: str,
        sent: Iterable[str | None] = (),
        *,
        code: str | None = None,
        label: str = "",
        explicit_keys: Iterable[str | None] = (),
        fallback: bool,
    ) -> Resolution:
        """Resolve one Pleo value by the rule in this module's docstring.

        `sent`: the keys of the value Pleo sent (code, identifier, id; empty if it sent none);
        `code`: Pleo's own code, used in fallback mode; `explicit_keys`: further explicit keys
        (item type, currency, `vat:in`) tried after `sent`.
        """
        sent = [str(key) for key in sent if key]
        extra = [str(key) for key in explicit_keys if key]
        pleo_key = sent[0] if sent else (extra[0] if extra else "")
        found = self.explicit(kind, *sent, *extra)
        if found is not None:
            return Resolution(kind, pleo_key, label, found.erp_key, Source.EXPLICIT, found)
        if sent:
            if fallback and code:
                return Resolution(kind, pleo_key, label, str(code), Source.PLEO_CODE)
            return Resolution(kind, pleo_key, label, "", None)
        default = self.default(kind)
        if default is not None:
            return Resolution(kind, pleo_key, label, default.erp_key, Source.DEFAULT, default)
        return Resolution(kind, pleo_key, label, "", None)

    def fixes(self, kind: str, pleo_key: str, failed_erp_key: str = "") -> bool:
        """Whether a failure on (kind, Pleo key) would now resolve differently: an explicit
        mapping exists (to another ERP key than the one the ERP refused), or, for a value Pleo
        did not send (empty key), a default exists now."""
        if not kind:
            return False
        found = self.explicit(kind, pleo_key) if pleo_key else self.default(kind)
        return found is not None and found.erp_key != failed_erp_key

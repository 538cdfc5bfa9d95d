"""Labels for a new mapping, filled in when the admin leaves them blank.

The Pleo label comes from what Pleo already told the hub about that value (the entries it sent:
a category's name, a contra account's or vendor's name, or the label a failure recorded); the
ERP label from the ERP's records as last read (the master-data cache). Neither asks Pleo or the
ERP: a request never waits for them.
"""

from __future__ import annotations

from exporthub.connectors.models import ConnectorConfig
from exporthub.dashboard.connections import RECORD_KIND_FOR_MAPPING
from exporthub.sync.models import ExportItem, Integration, Mapping

Kind = Mapping.Kind
# The stored columns naming a value of each kind (sync/item_summary.py): (code, name), each
# code column with an index of its own, newest first.
_STORED_NAMES = {
    Kind.CONTRA_ACCOUNT: ("contra_account_code", "contra_account_name"),
    Kind.VENDOR: ("vendor_code", "vendor_name"),
}


def pleo_label_for(integration: Integration, kind: str, pleo_key: str) -> str:
    """Pleo's name for `pleo_key` of `kind`, from the newest entry that named it; "" if none."""
    if not pleo_key or pleo_key == Mapping.DEFAULT_KEY:
        return ""
    items = ExportItem.objects.filter(job__integration=integration).order_by("-id")
    if kind == Kind.ACCOUNT:
        found = (
            items.filter(category_code=pleo_key)
            .exclude(category_name="")
            .values_list("category_name", flat=True)
            .first()
        )
        if found:
            return found
    if kind in _STORED_NAMES:
        code, name = _STORED_NAMES[kind]
        found = (
            items.filter(**{code: pleo_key})
            .exclude(**{name: ""})
            .values_list(name, flat=True)
            .first()
        )
        if found:
            return found
    failed = (
        items.filter(failure_mapping_kind=kind, failure_pleo_key=pleo_key)
        .exclude(failure_pleo_label="")
        .values_list("failure_pleo_label", flat=True)
        .first()
    )
    return failed or ""


def erp_label_for(config: ConnectorConfig, kind: str, erp_key: str) -> str:
    """The ERP's name for `erp_key`, from its records as last read; "" if not known."""
    record_kind = RECORD_KIND_FOR_MAPPING.get(kind)
    if record_kind is None or not erp_key:
        return ""
    name = (
        config.master_data.filter(kind=record_kind, code=erp_key)
        .values_list("name", flat=True)
        .first()
    )
    return name or ""

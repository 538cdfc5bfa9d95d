from __future__ import annotations

from exporthub.connectors.master_data import refresh_master_data
from exporthub.connectors.models import MasterDataRecord
from exporthub.connectors.registry import build_connector
from exporthub.sync.mapping_health import items_depending_on, mapping_flags, pleo_keys_used
from exporthub.sync.models import Mapping

Kind = Mapping.Kind


def refresh(integration):
    with build_connector(integration.erp_connection) as erp:
        return refresh_master_data(integration.erp_connection, erp)


def test_it_caches_the_erps_accounts_and_refreshes_them(integration, ledger_path):
    result = refresh(integration)
    records = MasterDataRecord.objects.filter(config=integration.erp_connection, kind="account")
    assert result.active == records.count() >= 10
    assert records.filter(code="6900", active=True).exists()


def test_it_flags_mappings_to_missing_or_archived_erp_records(integration, ledger_path):
    assert mapping_flags(integration) == []  # nothing is known before the first fetch
    refresh(integration)
    integration.mappings.create(kind=Kind.ACCOUNT, pleo_key="6999", erp_key="7777")
    MasterDataRecord.objects.filter(code="2400").update(active=False)

    flags = {flag.mapping.erp_key: flag for flag in mapping_flags(integration)}

    assert set(flags) == {"7777", "2400"}
    assert flags["7777"].problem == "missing"
    assert "has no account '7777'" in flags["7777"].message
    assert flags["2400"].problem == "archived"


def test_a_record_the_erp_stops_reporting_becomes_archived(integration, ledger_path):
    refresh(integration)
    MasterDataRecord.objects.create(
        config=integration.erp_connection,
        kind="account",
        code="1234",
        fetched_at="2026-01-01T00:00Z",
    )
    result = refresh(integration)
    assert result.archived == 1
    assert not MasterDataRecord.objects.get(code="1234").active


def test_it_knows_which_items_a_mapping_would_break(integration):
    meals = integration.mappings.create(kind=Kind.ACCOUNT, pleo_key="6000", erp_key="7000")
    vat = integration.mappings.create(kind=Kind.TAX_CODE, pleo_key="I25", erp_key="VAT25")
    payloads = [
        {"accountingEntryLines": [{"account": {"code": "6000"}, "tax": {"code": "I25"}}]},
        {"accountingEntryLines": [{"account": {"code": "6010"}, "tax": {"code": "I25"}}]},
        {"accountingEntryLines": [{"account": {"code": "6000"}, "tax": None}]},
    ]
    counts = items_depending_on([meals, vat], payloads)
    assert counts == {meals.pk: 2, vat.pk: 2}


def test_it_reads_every_key_a_payload_needs():
    payload = {
        "type": "card_purchase",
        "accountingEntryLines": [
            {"account": {"code": "6000"}, "tax": {"code": "I25"},
             "tags": [{"groupCode": "DEPT", "code": "SALES"}]}
        ],
        "contraAccount": {"code": "5820"},
    }  # fmt: skip
    assert pleo_keys_used(payload) >= {
        (Kind.ACCOUNT, "6000"), (Kind.TAX_CODE, "i25"), (Kind.TAG, "dept:sales"),
        (Kind.CONTRA_ACCOUNT, "5820"), (Kind.CONTRA_ACCOUNT, "card_purchase"),
    }  # fmt: skip

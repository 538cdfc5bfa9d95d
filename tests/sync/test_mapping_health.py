from __future__ import annotations

from exporthub.connectors.master_data import refresh_master_data
from exporthub.connectors.models import MasterDataRecord
from exporthub.connectors.registry import build_connector
from exporthub.sync.mapping_health import items_depending_on, mapping_flags
from exporthub.sync.models import Mapping
from tests.sync.payloads import export_payload, line, tax

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
    MasterDataRecord.objects.filter(code="2400").update(active=False)  # Liabilities:Suppliers

    flags = {flag.mapping.erp_key: flag for flag in mapping_flags(integration)}

    assert set(flags) == {"7777", "Liabilities:Suppliers"}  # ledger names count as accounts
    assert flags["7777"].problem == "missing"
    assert "has no account '7777'" in flags["7777"].message
    assert flags["Liabilities:Suppliers"].problem == "archived"


def test_it_flags_a_tax_mapping_to_a_tax_code_the_ledger_does_not_declare(integration):
    integration.erp_connection.settings["tax_codes"] = {"I25": "VAT 25 %"}
    integration.erp_connection.save()
    integration.mappings.create(kind=Kind.TAX_CODE, pleo_key="E25", erp_key="NOSUCHTAX")
    integration.mappings.create(kind=Kind.TAX_CODE, pleo_key="I25", erp_key="I25")
    refresh(integration)

    flags = [(flag.mapping.erp_key, flag.problem) for flag in mapping_flags(integration)]

    assert flags == [("NOSUCHTAX", "missing")]


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


def test_it_counts_the_items_each_mapping_serves_as_posting_resolves_them(integration):
    meals = integration.mappings.create(kind=Kind.ACCOUNT, pleo_key="6000", erp_key="7000")
    vat = integration.mappings.create(kind=Kind.TAX_CODE, pleo_key="I25", erp_key="VAT25")
    sales = integration.mappings.create(kind=Kind.TAG, pleo_key="DEPT:SALES", erp_key="S")
    adobe = integration.mappings.create(kind=Kind.VENDOR, pleo_key="V1005", erp_key="SUP-7")
    suspense = integration.mappings.create(kind=Kind.ACCOUNT, pleo_key="*", erp_key="9999")
    wallet = integration.mappings.get(kind=Kind.CONTRA_ACCOUNT, pleo_key="5820")
    vendor = {"id": "0b7d4c1e-2f3a-4e5b-8c9d-1a2b3c4d5e6f", "name": "Adobe Ireland",
              "code": "V1005", "defaultCurrency": "DKK"}  # fmt: skip
    payloads = [
        export_payload(line(12500, tax=tax(2500), tags=[("DEPT", "SALES")])),
        export_payload(line(12500, account="6010", tax=tax(2500)), vendor=vendor),
        export_payload(line(5000)),
        export_payload(line(5000, account=None)),
    ]

    counts = items_depending_on(integration.mappings.all(), payloads)

    assert counts[meals.pk] == 2  # not the 6010 line, not the line without a category
    assert counts[vat.pk] == 2
    assert counts[sales.pk] == 1
    assert counts[adobe.pk] == 1
    assert counts[suspense.pk] == 1  # only where Pleo sent no category
    assert counts[wallet.pk] == 4


def test_pre_flight_flags_an_entry_whose_mapping_points_at_a_missing_erp_record(integration):
    import datetime as dt

    from exporthub.sync.models import QueuedEntry
    from exporthub.sync.queue_mirror import Preflight

    refresh(integration)
    row = QueuedEntry(
        account_code="6000", account_id="a1", tax_code="", tax_code_id="",
        performed_at=dt.datetime(2026, 3, 1, tzinfo=dt.UTC),
    )  # fmt: skip
    assert Preflight(integration).problems(row) == ""  # Pleo's 6000 is open in the ledger

    integration.mappings.create(kind=Kind.ACCOUNT, pleo_key="6000", erp_key="7777")

    assert Preflight(integration).problems(row) == "account"

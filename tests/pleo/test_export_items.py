from __future__ import annotations

import copy
from decimal import Decimal

import pytest

from exporthub.pleo.enums import ExportItemType, JobStatus
from exporthub.pleo.errors import ExportJobStatusUnprocessable, PleoPayloadError
from exporthub.pleo.schemas import ExportItem, Money
from exporthub.sandbox import services


def _job_with_entries(company, entries: int) -> str:
    services.seed_company(company, entries=entries, seed=7)
    return str(services.create_export_job(company).uuid)


def _raw_items(pleo, job_id: str) -> list[dict]:
    """Pleo's JSON for the job's export items, as the sandbox sends it (first page)."""
    return pleo.request("GET", "/v3/export-items", params={"job_id": job_id, "limit": 50})["data"]


def test_it_reads_every_export_item_of_a_job_with_its_accounting_payload(pleo, acme):
    job_id = _job_with_entries(acme.company, entries=45)

    items = list(pleo.list_export_items(job_id))

    assert len(items) == 45
    job_entries = {item.accounting_entry_id for item in pleo.list_job_items(job_id)}
    assert {item.accounting_entry_id for item in items} == job_entries
    for item in items:
        assert item.company_id == acme.id
        assert item.type.is_known
        assert item.lines
        assert item.additional_information.reconciliation_id
        assert item.unknown_values == ()
        for line in item.lines:
            assert line.line_amount.in_wallet_currency.currency == "DKK"
            assert isinstance(line.line_amount.in_wallet_currency.amount, Decimal)
    assert any(line.account for item in items for line in item.lines)
    assert any(line.tax and isinstance(line.tax.rate, Decimal) for i in items for line in i.lines)
    assert any(line.tags for item in items for line in item.lines)


def test_it_parses_the_sandboxs_payload_losslessly(pleo, acme):
    job_id = _job_with_entries(acme.company, entries=10)

    for raw in _raw_items(pleo, job_id):
        item = ExportItem.from_json(raw)
        assert item.accounting_entry_id == raw["accountingEntryId"]
        assert (
            item.amount.in_supplier_currency.minor_units
            == raw["amount"]["inSupplierCurrency"]["value"]
        )
        assert len(item.lines) == len(raw["accountingEntryLines"])
        assert item.note == raw.get("note")
        if raw.get("contraAccount"):
            assert item.contra_account.id == raw["contraAccount"]["id"]
        if raw.get("files"):
            assert [f.url for f in item.files] == [f["url"] for f in raw["files"]]


@pytest.mark.parametrize(("currency", "exponent"), [("JPY", 0), ("EUR", 2), ("KWD", 3)])
def test_it_turns_minor_units_into_decimals_with_the_currencys_exponent(
    make_client, currency, exponent
):
    company, api_key = services.create_company(name=f"Wallet in {currency}", currency=currency)
    services.seed_company(company, entries=5, seed=3)
    job_id = str(services.create_export_job(company).uuid)
    pleo = make_client(api_key, str(company.uuid))

    wallet_amounts = [
        money
        for item in pleo.list_export_items(job_id)
        for money in (
            item.amount.in_wallet_currency,
            *(line.line_amount.in_wallet_currency for line in item.lines),
        )
    ]

    assert wallet_amounts
    for money in wallet_amounts:
        assert money.currency == currency
        assert isinstance(money.minor_units, int)
        assert money.amount.as_tuple().exponent == -exponent
        assert money.amount.scaleb(exponent) == money.minor_units


def test_it_never_uses_floats_for_money():
    assert Money("KWD", 1001).amount == Decimal("1.001")
    assert Money("JPY", 1001).amount == Decimal("1001")
    assert Money("EUR", -1001).amount == Decimal("-10.01")


def test_it_keeps_and_flags_enum_values_pleo_adds_later(pleo, acme):
    job_id = _job_with_entries(acme.company, entries=1)
    raw = copy.deepcopy(_raw_items(pleo, job_id)[0])
    raw["type"] = "crypto_purchase"
    raw["bookkeeping"] = {"method": "barter"}

    item = ExportItem.from_json(raw)

    assert item.type == "crypto_purchase"
    assert item.type.is_known is False
    assert item.type.enum is ExportItemType
    assert item.bookkeeping_method == "barter"
    assert item.unknown_values == ("type='crypto_purchase'", "bookkeeping.method='barter'")


def test_it_names_the_item_and_the_field_of_a_malformed_payload(pleo, acme):
    job_id = _job_with_entries(acme.company, entries=1)
    raw = copy.deepcopy(_raw_items(pleo, job_id)[0])
    last = len(raw["accountingEntryLines"]) - 1
    raw["accountingEntryLines"][last]["lineAmount"]["inWalletCurrency"]["value"] = "abc"

    with pytest.raises(PleoPayloadError) as caught:
        ExportItem.from_json(raw)

    assert str(caught.value) == (
        f"export item {raw['accountingEntryId']}: accountingEntryLines[{last}].lineAmount."
        f'inWalletCurrency.value: expected a number, got "abc"'
    )


def test_it_names_a_missing_field_and_refuses_fractional_minor_units(pleo, acme):
    job_id = _job_with_entries(acme.company, entries=1)
    raw = _raw_items(pleo, job_id)[0]
    without_date = {key: value for key, value in raw.items() if key != "date"}
    fractional = copy.deepcopy(raw)
    fractional["amount"]["inSupplierCurrency"]["value"] = Decimal("12.5")

    with pytest.raises(PleoPayloadError, match=r": date: missing$"):
        ExportItem.from_json(without_date)
    with pytest.raises(
        PleoPayloadError,
        match=r"amount\.inSupplierCurrency\.value: expected a whole number, got 12\.5 of minor",
    ):
        ExportItem.from_json(fractional)


def test_it_refuses_export_items_of_a_finished_job(pleo, acme):
    job_id = _job_with_entries(acme.company, entries=1)
    pleo.start_job(job_id)
    pleo.complete_job(job_id, with_errors=True)

    assert pleo.get_job(job_id).status is JobStatus.COMPLETED_WITH_ERRORS
    with pytest.raises(ExportJobStatusUnprocessable):
        list(pleo.list_export_items(job_id))

from __future__ import annotations

from decimal import Decimal

import pytest

from exporthub.sync.mapping import MappingTable
from exporthub.sync.models import Mapping
from exporthub.sync.posting import UnpostableItem, build_journal_entry
from tests.sync.payloads import export_item, line, tax

Kind = Mapping.Kind


def table(*rows: tuple[str, str, str]) -> MappingTable:
    return MappingTable(Mapping(kind=k, pleo_key=p, erp_key=e) for k, p, e in rows)


VAT = table((Kind.ACCOUNT, "vat:in", "6900"))


def amounts(entry) -> list[tuple[str, Decimal]]:
    return [(line.account, line.amount) for line in entry.lines]


def test_it_splits_inclusive_vat_out_of_the_expense():
    entry = build_journal_entry(export_item(line(12500, tax=tax(2500))), VAT)

    assert amounts(entry) == [
        ("6000", Decimal("100.00")),
        ("6900", Decimal("25.00")),
        ("5820", Decimal("-125.00")),
    ]
    assert entry.is_balanced
    assert entry.lines[0].tax_code == "I25"
    assert entry.lines[1].is_tax


def test_it_books_exclusive_vat_the_same_way_from_the_amount_paid():
    entry = build_journal_entry(
        export_item(line(12500, tax=tax(2500, code="E25", kind="exclusive"))), VAT
    )
    assert amounts(entry)[:2] == [("6000", Decimal("100.00")), ("6900", Decimal("25.00"))]


def test_it_books_reverse_charge_as_input_and_output_vat_that_cancel_out():
    reverse = tax(2500, code="RC25", kind="reverse", ingoingTaxAccount="6910",
                  outgoingTaxAccount="6920")  # fmt: skip
    entry = build_journal_entry(export_item(line(10000, tax=reverse)), VAT)

    assert amounts(entry) == [
        ("6000", Decimal("100.00")),
        ("6910", Decimal("25.00")),
        ("6920", Decimal("-25.00")),
        ("5820", Decimal("-100.00")),
    ]


def test_it_turns_a_refund_into_credits():
    entry = build_journal_entry(export_item(line(-12500, tax=tax(-2500)), type="refund"), VAT)
    assert amounts(entry) == [
        ("6000", Decimal("-100.00")),
        ("6900", Decimal("-25.00")),
        ("5820", Decimal("125.00")),
    ]
    assert entry.lines[0].credit == Decimal("100.00") and entry.lines[0].debit == 0


def test_it_uses_the_currencys_own_decimals():
    yen = {"inSupplierCurrency": {"currency": "JPY", "value": 1250},
           "inWalletCurrency": {"currency": "JPY", "value": 1250}}  # fmt: skip
    item = export_item({**line(1250), "lineAmount": yen}, amount=yen)

    entry = build_journal_entry(item, VAT)

    assert entry.currency == "JPY"
    assert amounts(entry) == [("6000", Decimal("1250")), ("5820", Decimal("-1250"))]


def test_it_prefers_a_mapping_over_pleos_own_code():
    mappings = table((Kind.ACCOUNT, "6000", "Expenses:Meals"), (Kind.ACCOUNT, "vat:in", "6900"),
                     (Kind.TAX_CODE, "I25", "VAT25"), (Kind.CONTRA_ACCOUNT, "5820", "1020"),
                     (Kind.TAG, "DEPT:SALES", "SALES-DK"))  # fmt: skip
    item = export_item(line(12500, tax=tax(2500), tags=[("DEPT", "SALES")]))

    entry = build_journal_entry(item, mappings)

    assert [line.account for line in entry.lines] == ["Expenses:Meals", "6900", "1020"]
    assert entry.lines[0].tax_code == "VAT25"
    assert entry.lines[0].dimensions == {"DEPT": "SALES-DK"}


def test_it_names_everything_that_is_unmapped_when_fallback_is_off():
    item = export_item(line(12500, tax=tax(2500), tags=[("DEPT", "SALES")]))

    with pytest.raises(UnpostableItem) as raised:
        build_journal_entry(item, VAT, fallback_to_pleo_codes=False)

    problems = {problem.reason_type: problem.message for problem in raised.value.problems}
    assert raised.value.reason_type == "account_unknown"
    assert (
        problems["account_unknown"] == "Map Pleo category 'Account 6000' (6000) to an ERP account."
    )
    assert problems["tag_unknown"] == "Map Pleo tag DEPT:SALES to an ERP dimension."
    assert problems["tax_code_unknown"] == "Map Pleo tax code I25 to an ERP tax code."
    assert problems["missing_configuration"] == (
        "Map Pleo contra account 'Pleo DKK' (5820) to an ERP account."
    )
    as_data = {(p.mapping_kind, p.pleo_key) for p in raised.value.problems}
    assert as_data == {("account", "6000"), ("tag", "DEPT:SALES"), ("tax_code", "I25"),
                       ("contra_account", "5820")}  # fmt: skip


def test_it_fails_a_line_without_a_category_unless_a_default_account_is_mapped():
    item = export_item(line(5000, account=None))
    with pytest.raises(
        UnpostableItem, match="Line 1 has no category in Pleo: fix the category in Pleo"
    ):
        build_journal_entry(item, VAT)
    entry = build_journal_entry(item, table((Kind.ACCOUNT, "*", "9999")))
    assert entry.lines[0].account == "9999"


def test_it_needs_a_contra_account_for_entries_outside_the_wallet():
    item = export_item(line(5000), type="out_of_pocket", contraAccount=None)
    with pytest.raises(UnpostableItem) as raised:
        build_journal_entry(item, VAT)
    assert raised.value.reason_type == "missing_configuration"
    assert raised.value.problems[0].mapping_kind == "contra_account"
    assert raised.value.problems[0].pleo_key == "out_of_pocket"
    entry = build_journal_entry(item, table((Kind.CONTRA_ACCOUNT, "out_of_pocket", "2820")))
    assert entry.lines[-1].account == "2820"


def test_it_maps_the_vendor_to_an_erp_party_and_refuses_an_unknown_one_when_strict():
    vendor = {"id": "0b7d4c1e-2f3a-4e5b-8c9d-1a2b3c4d5e6f", "name": "Adobe Ireland",
              "code": "V1005", "defaultCurrency": "EUR"}  # fmt: skip
    item = export_item(line(5000), vendor=vendor)
    mapped = table((Kind.VENDOR, "V1005", "SUP-77"), (Kind.ACCOUNT, "6000", "6000"),
                   (Kind.CONTRA_ACCOUNT, "5820", "5820"))  # fmt: skip

    assert build_journal_entry(item, mapped, fallback_to_pleo_codes=False).party.code == "SUP-77"
    with pytest.raises(UnpostableItem) as raised:
        build_journal_entry(item, table((Kind.ACCOUNT, "6000", "6000"),
                                        (Kind.CONTRA_ACCOUNT, "5820", "5820")),
                            fallback_to_pleo_codes=False)  # fmt: skip
    assert raised.value.reason_type == "vendor_unknown"


def test_it_refuses_an_item_whose_lines_do_not_add_up_to_its_total():
    with pytest.raises(UnpostableItem, match="does not balance") as raised:
        build_journal_entry(export_item(line(10000), total=10001), VAT)
    assert raised.value.reason_type == "validation_failure"


def test_it_refuses_a_tax_type_it_does_not_know_instead_of_guessing():
    with pytest.raises(UnpostableItem, match="tax type 'partial'"):
        build_journal_entry(export_item(line(12500, tax=tax(2500, kind="partial"))), VAT)


def test_it_carries_the_references_a_bookkeeper_needs():
    item = export_item(line(12500, tax=tax(2500)))
    entry = build_journal_entry(item, VAT)
    assert entry.pleo_id == item.accounting_entry_id
    assert entry.reference == "4100001"
    assert entry.party.name == "Café Nord"
    assert entry.text == "Team lunch"
    assert str(entry.date) == "2026-03-14"


def test_it_names_the_spender_as_the_party_when_there_is_no_merchant():
    spender = {"id": "0b7d4c1e-2f3a-4e5b-8c9d-1a2b3c4d5e6f", "name": "Bo Madsen", "code": "E002"}
    item = export_item(line(5000), type="mileage", supplier=None, user=spender,
                       contraAccount=None)  # fmt: skip
    entry = build_journal_entry(item, table((Kind.CONTRA_ACCOUNT, "*", "2820")))
    assert entry.party.name == "Bo Madsen"
    assert entry.party.code == ""
    # A default vendor party is for merchants: it never replaces the person owed.
    mapped = table((Kind.CONTRA_ACCOUNT, "*", "2820"), (Kind.VENDOR, "*", "MISC"))
    assert build_journal_entry(item, mapped).party.code == ""

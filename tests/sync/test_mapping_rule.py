"""The mapping rule, checked where it matters: on which ledger account each line lands.

Every entry is built by the posting code and appended to a real Beancount ledger; the tests read
the ledger back (bean-check clean) and look at the postings.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from beancount import loader
from beancount.core import data

from exporthub.connectors.beancount.connector import BeancountConnector
from exporthub.connectors.models import ConnectorConfig
from exporthub.sync.mapping import MappingTable, Source
from exporthub.sync.models import Mapping
from exporthub.sync.posting import UnpostableItem, build_journal_entry
from tests.sync.payloads import export_item, line, tax

Kind = Mapping.Kind

ACCOUNTS = {
    "Expenses:Meals": "6000",
    "Expenses:Travel": "6010",
    "Expenses:Suspense": "9999",
    "Assets:VAT:Input": "6900",
    "Assets:Pleo:DKK": "5820",
    "Assets:Pleo:Other": "5830",
    "Liabilities:Employees": "2820",
}
TAX_CODES = {"I25": "VAT 25 %", "VAT25": "Purchase VAT 25 %", "NOVAT": "No VAT"}
VAT = (Kind.ACCOUNT, "vat:in", "Assets:VAT:Input")
WALLET = (Kind.CONTRA_ACCOUNT, "5820", "Assets:Pleo:DKK")
VENDOR = {"id": "0b7d4c1e-2f3a-4e5b-8c9d-1a2b3c4d5e6f", "name": "Adobe Ireland",
          "code": "V1005", "defaultCurrency": "DKK"}  # fmt: skip


def table(*rows: tuple[str, str, str]) -> MappingTable:
    return MappingTable(Mapping(kind=k, pleo_key=p, erp_key=e) for k, p, e in rows)


@pytest.fixture
def ledger(tmp_path):
    path = tmp_path / "books.beancount"
    config = ConnectorConfig(
        name="Books",
        kind="beancount",
        settings={
            "ledger_path": str(path),
            "currency": "DKK",
            "open_accounts": ACCOUNTS,
            "tax_codes": TAX_CODES,
        },
    )
    return BeancountConnector(config)


def post(ledger, item, *rows, fallback=True) -> list[data.Posting]:
    """Post the item through the mappings into the ledger; the postings as the ledger has them."""
    entry = build_journal_entry(item, table(*rows), fallback_to_pleo_codes=fallback)
    ledger.post(entry)
    entries, errors, _ = loader.load_file(str(ledger.path))
    assert errors == []
    (transaction,) = [e for e in entries if isinstance(e, data.Transaction)]
    return transaction.postings


def accounts(postings) -> list[tuple[str, Decimal]]:
    return [(p.account, p.units.number) for p in postings]


def refused(item, *rows, fallback=True) -> UnpostableItem:
    with pytest.raises(UnpostableItem) as raised:
        build_journal_entry(item, table(*rows), fallback_to_pleo_codes=fallback)
    return raised.value


# -- accounts ---------------------------------------------------------------------------------


def test_a_default_account_does_not_replace_the_category_pleo_sent(ledger):
    postings = post(ledger, export_item(line(5000)), (Kind.ACCOUNT, "*", "Expenses:Suspense"),
                    WALLET)  # fmt: skip
    assert accounts(postings) == [
        ("Expenses:Meals", Decimal("50.00")),
        ("Assets:Pleo:DKK", Decimal("-50.00")),
    ]


def test_a_default_account_books_a_line_pleo_sent_without_a_category(ledger):
    postings = post(ledger, export_item(line(5000, account=None)),
                    (Kind.ACCOUNT, "*", "Expenses:Suspense"), WALLET)  # fmt: skip
    assert accounts(postings)[0] == ("Expenses:Suspense", Decimal("50.00"))


def test_an_explicit_account_mapping_beats_pleos_code(ledger):
    postings = post(ledger, export_item(line(5000)), (Kind.ACCOUNT, "6000", "Expenses:Travel"),
                    WALLET)  # fmt: skip
    assert accounts(postings)[0] == ("Expenses:Travel", Decimal("50.00"))


def test_strict_mode_fails_naming_the_category_to_map_even_with_a_default():
    problem = refused(export_item(line(5000)), (Kind.ACCOUNT, "*", "Expenses:Suspense"), WALLET,
                      fallback=False).problems[0]  # fmt: skip
    assert (problem.reason_type, problem.mapping_kind, problem.pleo_key, problem.pleo_label) == (
        "account_unknown", "account", "6000", "Account 6000")  # fmt: skip
    assert problem.message == "Map Pleo category 'Account 6000' (6000) to an ERP account."


def test_a_line_without_a_category_and_no_default_is_fixed_in_pleo():
    problem = refused(export_item(line(5000), line(700, account=None)), WALLET).problems[0]
    assert (problem.mapping_kind, problem.pleo_key) == ("account", "")
    assert problem.message == (
        "Line 2 has no category in Pleo: fix the category in Pleo, then export again."
    )


# -- tax codes ----------------------------------------------------------------------------------


def test_a_default_tax_code_does_not_replace_the_tax_code_pleo_sent(ledger):
    postings = post(ledger, export_item(line(12500, tax=tax(2500))), VAT, WALLET,
                    (Kind.TAX_CODE, "*", "NOVAT"))  # fmt: skip
    assert accounts(postings) == [
        ("Expenses:Meals", Decimal("100.00")),
        ("Assets:VAT:Input", Decimal("25.00")),
        ("Assets:Pleo:DKK", Decimal("-125.00")),
    ]
    assert postings[0].meta["tax-code"] == "I25"


def test_a_default_tax_code_names_the_tax_of_a_line_pleo_sent_without_one(ledger):
    postings = post(ledger, export_item(line(5000)), WALLET, (Kind.TAX_CODE, "*", "NOVAT"))
    assert postings[0].account == "Expenses:Meals"
    assert postings[0].meta["tax-code"] == "NOVAT"


def test_an_explicit_tax_code_mapping_beats_pleos_code(ledger):
    postings = post(ledger, export_item(line(12500, tax=tax(2500))), VAT, WALLET,
                    (Kind.TAX_CODE, "I25", "VAT25"))  # fmt: skip
    assert [p.meta.get("tax-code") for p in postings] == ["VAT25", "VAT25", None]


def test_strict_mode_fails_naming_the_tax_code_to_map():
    problems = refused(export_item(line(12500, tax=tax(2500))), VAT, WALLET,
                       (Kind.ACCOUNT, "6000", "Expenses:Meals"), (Kind.TAX_CODE, "*", "NOVAT"),
                       fallback=False).problems  # fmt: skip
    assert [(p.reason_type, p.mapping_kind, p.pleo_key) for p in problems] == [
        ("tax_code_unknown", "tax_code", "I25")
    ]


def test_a_tax_code_the_ledger_does_not_declare_is_refused_with_the_erp_key(ledger):
    mappings = table(VAT, WALLET, (Kind.TAX_CODE, "I25", "NOSUCHTAX"))
    entry = build_journal_entry(export_item(line(12500, tax=tax(2500))), mappings)
    problems = ledger.validate(entry)
    assert {(p.reason_type, p.mapping_kind, p.erp_key) for p in problems} == {
        ("tax_code_unknown", "tax_code", "NOSUCHTAX")}  # fmt: skip
    assert ledger.taxes() and {t.code for t in ledger.taxes()} == set(TAX_CODES)


# -- tags -------------------------------------------------------------------------------------


def test_a_tag_default_does_not_replace_the_tag_pleo_sent(ledger):
    item = export_item(line(5000, tags=[("DEPT", "SALES")]))
    postings = post(ledger, item, WALLET, (Kind.TAG, "DEPT:*", "GENERAL"))
    assert postings[0].account == "Expenses:Meals"
    assert postings[0].meta["dim-dept"] == "SALES"


def test_a_tag_default_applies_to_a_line_without_a_tag_of_its_group(ledger):
    postings = post(ledger, export_item(line(5000)), WALLET, (Kind.TAG, "DEPT:*", "GENERAL"))
    assert postings[0].meta["dim-dept"] == "GENERAL"


def test_an_explicit_tag_mapping_beats_pleos_code(ledger):
    item = export_item(line(5000, tags=[("DEPT", "SALES")]))
    postings = post(ledger, item, WALLET, (Kind.TAG, "DEPT:SALES", "SALES-DK"))
    assert postings[0].meta["dim-dept"] == "SALES-DK"


def test_strict_mode_fails_naming_the_tag_to_map():
    item = export_item(line(5000, tags=[("DEPT", "SALES")]))
    problems = refused(item, WALLET, (Kind.ACCOUNT, "6000", "Expenses:Meals"),
                       (Kind.TAG, "DEPT:*", "GENERAL"), fallback=False).problems  # fmt: skip
    assert [(p.reason_type, p.mapping_kind, p.pleo_key) for p in problems] == [
        ("tag_unknown", "tag", "DEPT:SALES")
    ]


# -- contra accounts --------------------------------------------------------------------------


def test_a_default_contra_account_does_not_replace_the_wallet_account_pleo_sent(ledger):
    postings = post(ledger, export_item(line(5000)),
                    (Kind.CONTRA_ACCOUNT, "*", "Liabilities:Employees"))  # fmt: skip
    assert accounts(postings) == [
        ("Expenses:Meals", Decimal("50.00")),
        ("Assets:Pleo:DKK", Decimal("-50.00")),  # Pleo's 5820, the ledger's code for it
    ]


def test_a_default_contra_account_books_an_entry_pleo_sent_without_one(ledger):
    item = export_item(line(5000), type="out_of_pocket", contraAccount=None)
    postings = post(ledger, item, (Kind.CONTRA_ACCOUNT, "*", "Liabilities:Employees"))
    assert accounts(postings)[-1] == ("Liabilities:Employees", Decimal("-50.00"))


def test_an_item_type_is_an_explicit_key_for_entries_pleo_sends_without_a_contra_account(ledger):
    item = export_item(line(5000), type="out_of_pocket", contraAccount=None)
    postings = post(ledger, item, (Kind.CONTRA_ACCOUNT, "out_of_pocket", "Liabilities:Employees"),
                    (Kind.CONTRA_ACCOUNT, "*", "Assets:Pleo:Other"))  # fmt: skip
    assert accounts(postings)[-1] == ("Liabilities:Employees", Decimal("-50.00"))


def test_an_explicit_contra_mapping_beats_pleos_code(ledger):
    postings = post(ledger, export_item(line(5000)),
                    (Kind.CONTRA_ACCOUNT, "5820", "Assets:Pleo:Other"))  # fmt: skip
    assert accounts(postings)[-1] == ("Assets:Pleo:Other", Decimal("-50.00"))


def test_a_currency_is_an_explicit_contra_key_too(ledger):
    postings = post(ledger, export_item(line(5000)),
                    (Kind.CONTRA_ACCOUNT, "DKK", "Assets:Pleo:Other"),
                    (Kind.ACCOUNT, "6000", "Expenses:Meals"), fallback=False)  # fmt: skip
    assert accounts(postings)[-1] == ("Assets:Pleo:Other", Decimal("-50.00"))


def test_strict_mode_fails_naming_the_contra_account_to_map():
    problems = refused(export_item(line(5000)), (Kind.ACCOUNT, "6000", "Expenses:Meals"),
                       (Kind.CONTRA_ACCOUNT, "*", "Liabilities:Employees"),
                       fallback=False).problems  # fmt: skip
    assert [(p.reason_type, p.mapping_kind, p.pleo_key, p.pleo_label) for p in problems] == [
        ("missing_configuration", "contra_account", "5820", "Pleo DKK")
    ]
    assert problems[0].message == "Map Pleo contra account 'Pleo DKK' (5820) to an ERP account."


# -- vendors ----------------------------------------------------------------------------------


def test_a_default_vendor_does_not_replace_the_vendor_pleo_sent(ledger):
    item = export_item(line(5000), vendor=VENDOR)
    entry = build_journal_entry(item, table(WALLET, (Kind.VENDOR, "*", "SUP-1")))
    assert entry.party.code == "V1005"
    assert post(ledger, item, WALLET, (Kind.VENDOR, "*", "SUP-1"))[0].account == "Expenses:Meals"


def test_a_default_vendor_applies_where_pleo_sent_none():
    entry = build_journal_entry(export_item(line(5000)), table(WALLET, (Kind.VENDOR, "*", "SUP-1")))
    assert (entry.party.name, entry.party.code) == ("Café Nord", "SUP-1")


def test_an_explicit_vendor_mapping_beats_pleos_code():
    item = export_item(line(5000), vendor=VENDOR)
    entry = build_journal_entry(item, table(WALLET, (Kind.VENDOR, "V1005", "SUP-77")))
    assert entry.party.code == "SUP-77"


def test_strict_mode_fails_naming_the_vendor_to_map():
    item = export_item(line(5000), vendor=VENDOR)
    problems = refused(item, WALLET, (Kind.ACCOUNT, "6000", "Expenses:Meals"),
                       (Kind.VENDOR, "*", "SUP-1"), fallback=False).problems  # fmt: skip
    assert [(p.reason_type, p.mapping_kind, p.pleo_key, p.pleo_label) for p in problems] == [
        ("vendor_unknown", "vendor", "V1005", "Adobe Ireland")
    ]


# -- the resolver as data ---------------------------------------------------------------------


def test_the_resolver_says_what_matched():
    mappings = table((Kind.ACCOUNT, "6000", "Expenses:Travel"), (Kind.ACCOUNT, "*", "Suspense"))
    explicit = mappings.resolve(Kind.ACCOUNT, ("6000",), code="6000", fallback=True)
    pleo = mappings.resolve(Kind.ACCOUNT, ("6010",), code="6010", fallback=True)
    default = mappings.resolve(Kind.ACCOUNT, (), code=None, fallback=True)
    missing = mappings.resolve(Kind.ACCOUNT, ("6010",), code="6010", fallback=False)
    assert [(r.erp_key, r.source) for r in (explicit, pleo, default, missing)] == [
        ("Expenses:Travel", Source.EXPLICIT),
        ("6010", Source.PLEO_CODE),
        ("Suspense", Source.DEFAULT),
        ("", None),
    ]
    assert missing.pleo_key == "6010" and not missing.resolved

"""DATEV EXTF Buchungsstapel files, read back by the strict reader in `datev_reader.py` and by
the EXTF reader of mloda-community-german-ledger (an independent package)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

import pytest
from mloda.community.feature_groups.experimental.german_ledger.datev import read_batch

from exporthub.connectors.errors import (
    AccountUnknownError,
    MissingConfigError,
    TaxCodeUnknownError,
    ValidationError,
)
from exporthub.connectors.file_journal.datev import DatevSettingsForm, document_number
from exporthub.connectors.file_journal.formats import get_format
from exporthub.connectors.file_journal.text import fit_text
from tests.connectors.file_formats.conftest import SETTINGS, header
from tests.connectors.file_formats.corpus import (
    CONTRA,
    EXPENSE,
    VAT_IN,
    VAT_OUT,
    base,
    corpus,
    entry,
    jpy_entry,
    kwd_entry,
)
from tests.connectors.file_formats.datev_reader import DatevError, read_datev

DATEV = get_format("datev")


def render(entries, **settings):
    return DATEV.render(header(entries, **settings), entries)


def by_account(rows) -> dict[str, Decimal]:
    """Σ per account over both sides of every row (Konto as written, Gegenkonto opposite)."""
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for row in rows:
        totals[row.account] += row.amount
        totals[row.contra] -= row.amount
    return {account: total for account, total in totals.items() if total}


def expected(entries, *, fold: bool) -> dict[str, Decimal]:
    """What the books must show per account: the lines, with VAT on the base lines if folded."""
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for source in entries:
        for line in source.lines:
            account = line.account
            if fold and line.is_tax:
                account = EXPENSE if line.tax_code != "8" else "5800"
            totals[account] += line.amount
    return {account: total for account, total in totals.items() if total}


def test_rows_fold_vat_into_the_bu_key_and_balance_against_the_contra_account(tmp_path):
    entries = corpus()
    assert all(DATEV.problems(e, SETTINGS) == [] for e in entries)
    rendered = render(entries)
    head, rows = read_datev(rendered.content)
    assert (head.consultant, head.client, head.account_length) == (1234567, 10001, 4)
    assert (head.fiscal_year_start, head.date_from, head.date_to) == (
        dt.date(2026, 1, 1),
        dt.date(2026, 4, 28),
        dt.date(2026, 4, 30),
    )
    assert [(r.amount, r.account, r.contra, r.bu_key) for r in rows] == [
        (Decimal("100.00"), EXPENSE, CONTRA, "9"),  # 84.03 + 15.97 VAT, DATEV books the VAT
        (Decimal("-50.00"), EXPENSE, CONTRA, "9"),  # the refund: "H"
        (Decimal("100.00"), "5800", CONTRA, "8"),  # the split, line 1 (7 %)
        (Decimal("20.00"), EXPENSE, CONTRA, "9"),  # the split, line 2 (19 %)
        (Decimal("250.00"), EXPENSE, CONTRA, "94"),  # reverse charge: the VAT lines net to 0
        (Decimal("12.00"), EXPENSE, CONTRA, ""),
    ]
    assert [r.fields["Soll/Haben-Kennzeichen"] for r in rows[:2]] == ["S", "H"]
    assert rendered.locators == ["1", "2", "3", "5", "6"]
    assert by_account(rows) == expected(entries, fold=True)
    assert by_account(rows)[CONTRA] == -sum((e.wallet_amount.value for e in entries), Decimal(0))
    for source, locator in zip(entries, rendered.locators, strict=True):
        row = rows[int(locator) - 1]
        assert row.document == source.pleo_id.upper()
        assert row.date == source.date
        assert row.fields["Beleginfo - Inhalt 1"] == source.pleo_id
    assert rows[0].fields["Beleginfo - Inhalt 2"] == "4113617"
    assert (rows[2].fields["KOST1 - Kostenstelle"], rows[2].fields["KOST2 - Kostenstelle"]) == (
        "OPS",
        "P-7",
    )
    # The independent reader agrees, leg by leg.
    path = tmp_path / "EXTF_Buchungsstapel.csv"
    path.write_bytes(rendered.content)
    _mloda_header, legs = read_batch(str(path))
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for account, amount in zip(legs["Konto"], legs["Betrag"], strict=True):
        totals[account] += amount
    assert {a: t for a, t in totals.items() if t} == expected(entries, fold=True)


def test_vat_as_rows_books_every_line_exactly_as_pleo_computed_it(tmp_path):
    entries = corpus()
    _head, rows = read_datev(render(entries, datev_vat="rows").content)
    assert all(row.bu_key == "" for row in rows)
    assert by_account(rows) == expected(entries, fold=False)
    assert [(r.account, r.amount) for r in rows[8:11]] == [
        (EXPENSE, Decimal("250.00")),
        (VAT_IN, Decimal("47.50")),
        (VAT_OUT, Decimal("-47.50")),
    ]


def test_text_is_quoted_cut_to_60_and_transliterated_into_cp1252():
    long = 'A "quoted" Ørsted Αθήνα note ' + "x" * 80
    entries = [entry("t-1", [base(EXPENSE, "5.00", text=long)], text="Ünïcödé € 😀 <b>&amp;")]
    _head, rows = read_datev(render(entries).content)
    assert rows[0].text == fit_text(long, "cp1252")[:60]
    assert rows[0].text.startswith('A "quoted" Ørsted Athena note xxx')
    assert len(rows[0].text) == 60
    single = [entry("t-2", [base(EXPENSE, "5.00")], text="Ünïcödé € 😀 <b>&amp;")]
    assert read_datev(render(single).content)[1][0].text == "Ünïcödé € <b>&amp;"


def test_amounts_are_exact_for_jpy_and_kwd():
    _head, rows = read_datev(render([jpy_entry()], currency="JPY").content)
    assert [(r.amount, r.currency, r.fields["Umsatz (ohne Soll/Haben-Kz)"]) for r in rows] == [
        (Decimal("15000"), "JPY", "15000,00")
    ]
    _head, rows = read_datev(render([kwd_entry()], currency="KWD").content)
    assert [(r.amount, r.currency) for r in rows] == [(Decimal("12.96"), "KWD")]
    [problem] = DATEV.problems(kwd_entry("12.345", "0.620"), {**SETTINGS, "currency": "KWD"})
    assert isinstance(problem, ValidationError)
    assert "12.965 KWD does not fit a DATEV amount" in problem.message


def test_it_refuses_what_it_cannot_write():
    assert isinstance(DATEV.problems(corpus()[0], {})[0], MissingConfigError)
    no_currency = DATEV.problems(corpus()[0], {**SETTINGS, "currency": ""})
    assert [type(p) for p in no_currency] == [MissingConfigError]
    bad = entry("b-1", [base("60A1", "1.00", tax_code="VAT25", tax="0.20")])
    kinds = {type(p) for p in DATEV.problems(bad, SETTINGS)}
    assert kinds == {AccountUnknownError, TaxCodeUnknownError}
    unwritable = entry("b-2", [base(EXPENSE, "1.00", text="\U00010000")])
    [problem] = DATEV.problems(unwritable, SETTINGS)
    assert "cannot hold: \U00010000" in problem.message
    nothing = entry("b-3", [base(EXPENSE, "0.00")])
    assert "no amount to book" in DATEV.problems(nothing, SETTINGS)[0].message
    assert DATEV.problems(jpy_entry(), SETTINGS)[0].message == (
        "The entry is in JPY; the DATEV books are kept in EUR."
    )


def test_document_numbers_are_the_pleo_id_or_a_unique_digest():
    uuid_entry = corpus()[0]
    assert document_number(uuid_entry) == uuid_entry.pleo_id.upper()
    long_a = entry("pleo_" + "a" * 40, [base(EXPENSE, "1.00")])
    long_b = entry("pleo_" + "a" * 39 + "b", [base(EXPENSE, "1.00")])
    numbers = {document_number(long_a), document_number(long_b)}
    assert len(numbers) == 2
    assert all(len(n) == 36 and n.startswith("P") for n in numbers)
    read_datev(render([long_a]).content)


def test_batches_are_cut_by_fiscal_year():
    settings = {**SETTINGS, "datev_fiscal_year_start": 7}
    june = entry("f-1", [base(EXPENSE, "1.00")], date=dt.date(2026, 6, 30))
    july = entry("f-2", [base(EXPENSE, "1.00")], date=dt.date(2026, 7, 1))
    assert DATEV.batch_key(june, settings) == "2025-07-01"
    assert DATEV.batch_key(july, settings) == "2026-07-01"
    head, _rows = read_datev(render([july], datev_fiscal_year_start=7).content)
    assert head.fiscal_year_start == dt.date(2026, 7, 1)
    with pytest.raises(DatevError, match="fiscal year"):
        read_datev(render([june, july], datev_fiscal_year_start=7).content)


def test_the_reader_refuses_malformed_files():
    content = render(corpus()[:1]).content
    with pytest.raises(DatevError, match="CRLF"):
        read_datev(content.replace(b"\r\n", b"\n"))
    with pytest.raises(DatevError, match="Umsatz"):
        read_datev(content.replace(b"100,00;", b"100.00;"))
    with pytest.raises(DatevError, match="not quoted"):
        read_datev(content.replace(b';"S";', b";S;"))
    with pytest.raises(DatevError, match="not cp1252"):
        read_datev(content.replace(b"Lunch", b"Lunch\x81"))


def test_the_settings_form_checks_numbers():
    values = {
        "datev_consultant": "1234567",
        "datev_client": "10001",
        "datev_fiscal_year_start": "1",
        "datev_account_length": "4",
        "datev_vat": "bu_key",
    }
    assert DatevSettingsForm(values).is_valid()
    form = DatevSettingsForm({**values, "datev_consultant": "99", "datev_account_length": "9"})
    assert set(form.errors) == {"datev_consultant", "datev_account_length"}

"""SIE 4I files, read back by the strict reader in `sie_reader.py`."""

from __future__ import annotations

from decimal import Decimal

import pytest

from exporthub.connectors.errors import MissingConfigError, ValidationError
from exporthub.connectors.file_journal.formats import get_format
from exporthub.connectors.file_journal.sie import SieSettingsForm
from tests.connectors.file_formats.conftest import SETTINGS, header
from tests.connectors.file_formats.corpus import EXPENSE, base, corpus, entry, jpy_entry, kwd_entry
from tests.connectors.file_formats.sie_reader import SieError, read_sie

SIE = get_format("sie4")


def render(entries, **settings):
    return SIE.render(header(entries, **settings), entries)


def test_it_writes_every_entry_as_one_balanced_voucher_with_its_lines_exactly():
    entries = corpus()
    assert all(SIE.problems(e, SETTINGS) == [] for e in entries)
    rendered = render(entries, accounts={"6071": "Representation, avdragsgill", "1930": "Pleo"})
    sie = read_sie(rendered.content)  # the reader checks balance, #KONTO, #OBJEKT, labels
    assert rendered.locators == ["1", "2", "3", "4", "5"]
    assert sie.records["ORGNR"] == ["556677-8899"]
    assert sie.records["FNAMN"] == ["Acme"]
    assert sie.records["VALUTA"] == ["EUR"]
    assert sie.dimensions == {1: "Kostnadsställe", 6: "Projekt"}
    assert sie.accounts == {  # names from the connection's chart, else the code
        "6071": "Representation, avdragsgill",
        "2641": "2641",
        "1930": "Pleo",
        "5800": "5800",
        "2614": "2614",
    }
    assert len(sie.vouchers) == len(entries)
    for voucher, source in zip(sie.vouchers, entries, strict=True):
        assert (voucher.series, voucher.number, voucher.date) == ("P", "", source.date)
        assert voucher.text.endswith(f" {source.pleo_id}")
        assert len(voucher.text) <= 50
        assert [(t.account, t.amount) for t in voucher.trans] == [
            (line.account, line.amount) for line in source.lines
        ]
        debit = sum((t.amount for t in voucher.trans if t.amount > 0), Decimal(0))
        assert debit == source.total_debit()
    assert sie.vouchers[0].trans[0].objects == {1: "SALES"}
    assert sie.vouchers[2].trans[0].objects == {1: "OPS", 6: "P-7"}
    assert sie.vouchers[0].text == "Client lunch 0b0e6d1c-6f0e-4a53-9a56-8c1a7a3e0001"


def test_it_transliterates_what_cp437_cannot_hold_and_keeps_html_as_text():
    sie = read_sie(render(corpus()).content)
    unicode = sie.vouchers[4]
    assert unicode.trans[0].text == "Lodz Zolc <b>&amp;"  # emoji dropped, Polish transliterated
    assert unicode.trans[1].text == "Athena Taberna Bei Jing <b>&amp; Müller"  # ü is in CP437


def test_amounts_keep_the_currency_decimals_up_to_two():
    jpy = render([jpy_entry()], currency="JPY").content.decode("cp437")
    assert "#TRANS 6071 {} 13637 " in jpy and "#TRANS 1930 {} -15000 " in jpy
    assert read_sie(jpy.encode("cp437")).vouchers[0].trans[2].amount == -15000
    kwd = read_sie(render([kwd_entry()], currency="KWD").content)
    assert [t.amount for t in kwd.vouchers[0].trans] == [
        Decimal("12.34"),
        Decimal("0.62"),
        Decimal("-12.96"),
    ]


def test_it_refuses_what_it_cannot_write_exactly():
    settings = {**SETTINGS, "currency": "KWD"}
    problems = SIE.problems(kwd_entry("12.345", "0.620"), settings)
    assert [type(p) for p in problems] == [ValidationError, ValidationError]
    assert "12.345 KWD has more decimals than a SIE amount in KWD (2)" in problems[0].message
    fractional_yen = entry("x-0", [base(EXPENSE, "1.5")], currency="JPY")
    assert "(0)" in SIE.problems(fractional_yen, {**SETTINGS, "currency": "JPY"})[0].message
    assert SIE.problems(jpy_entry(), SETTINGS)[0].message == (
        "The entry is in JPY; the SIE file is kept in EUR."
    )
    unwritable = entry("x-1", [base(EXPENSE, "1.00")], text="\U00010000 receipt")
    [problem] = SIE.problems(unwritable, SETTINGS)
    assert "cannot hold: \U00010000" in problem.message
    bad_account = entry("x-2", [base("6 071", "1.00")])
    assert SIE.problems(bad_account, SETTINGS)[0].erp_key == "6 071"


def test_missing_settings_are_configuration_problems():
    problems = SIE.problems(corpus()[0], {"sie_dimensions": "DEPT"})
    assert [type(p) for p in problems] == [MissingConfigError] * 3


def test_locators_do_not_change_when_the_batch_grows():
    entries = corpus()
    first = render(entries[:2])
    assert render(entries).locators[:2] == first.locators
    assert SIE.locators(header(entries), entries) == render(entries).locators


def test_the_reader_refuses_an_unbalanced_or_undeclared_file():
    content = render(corpus()[:1]).content
    with pytest.raises(SieError, match="does not balance"):
        read_sie(content.replace(b"84.03", b"84.04"))
    with pytest.raises(SieError, match="has no #KONTO"):
        read_sie(content.replace(b"#KONTO 2641", b"#KONTO 2649"))
    with pytest.raises(SieError, match="CRLF"):
        read_sie(content.replace(b"\r\n", b"\n"))
    with pytest.raises(SieError, match="unknown label"):
        read_sie(content + b"#RAR 1\r\n")


def test_the_settings_form_checks_the_org_number_and_dimensions():
    form = SieSettingsForm(
        {"sie_org_number": "5566778899", "sie_series": "P", "sie_text_length": 50}
    )
    assert form.is_valid(), form.errors
    form = SieSettingsForm(
        {
            "sie_org_number": "55667",
            "sie_series": "P",
            "sie_text_length": 50,
            "sie_dimensions": "DEPT=one",
        }
    )
    assert set(form.errors) == {"sie_org_number", "sie_dimensions"}

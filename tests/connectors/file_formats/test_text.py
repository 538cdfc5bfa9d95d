"""Fitting text into CP437 and cp1252: transliterated where it can be, refused where not."""

from __future__ import annotations

import pytest

from exporthub.connectors.file_journal.text import fit_text, unfit_characters


@pytest.mark.parametrize(
    ("text", "cp437", "cp1252"),
    [
        ("Åsa Ärla Öhman", "Åsa Ärla Öhman", "Åsa Ärla Öhman"),
        ("Łódź Żółć", "Lodz Zolc", "Lodz Zolc"),
        ("Αθήνα", "Athena", "Athena"),
        ("北京 lunch", "Bei Jing lunch", "Bei Jing lunch"),
        ("Ørsted €5", "Orsted EUR5", "Ørsted €5"),
        ("pizza 😀🍕 👨‍👩‍👧 ok", "pizza ok", "pizza ok"),
        ('<b>&amp; "x"', '<b>&amp; "x"', '<b>&amp; "x"'),
        ("two\r\nlines\tand tab", "two lines and tab", "two lines and tab"),
    ],
)
def test_it_keeps_transliterates_or_drops_symbols(text, cp437, cp1252):
    assert fit_text(text, "cp437") == cp437
    assert fit_text(text, "cp1252") == cp1252
    assert fit_text(text, "cp437").encode("cp437").decode("cp437") == cp437


def test_a_letter_it_cannot_write_makes_the_text_unfit():
    assert fit_text("Linear B \U00010000", "cp1252") is None
    assert unfit_characters("Linear B \U00010000 😀", "cp1252") == "\U00010000"

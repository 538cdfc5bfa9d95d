"""Fitting text into the 8-bit encodings of file formats (CP437 for SIE, cp1252 for DATEV).

The rule, per word: kept if the encoding holds all of it. Otherwise each character of the word
becomes its accent-free compatibility decomposition if that is ASCII (NFKD: "ő" → "o", "ﬁ" →
"fi"), else its transliteration (`text-unidecode`: "Ł" → "L", "Α" → "A", "北" → "Bei", "€" →
"EUR"); symbols and marks with no text form (emoji, joiners, variation selectors) are dropped.
A word is transliterated as a whole, so "Αθήνα" becomes "Athena" in CP437 too, not a mix of the
Greek letters CP437 happens to hold and Latin ones. A letter or digit that cannot be written in
any of these ways makes the whole text unfit: `fit_text()` returns None and the format reports
the entry as a problem, so no character is ever replaced by a wrong one. Control characters
(line breaks, tabs) become spaces and runs of spaces collapse to one. Text is data, not markup:
"<b>&amp;" stays exactly that.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

from text_unidecode import unidecode

_SPACES = re.compile(r"\s+")
_WORDS = re.compile(r"\w+|\W", re.UNICODE)


def fit_text(text: str, encoding: str) -> str | None:
    """`text` written with only characters `encoding` holds, or None if a letter cannot be."""
    out = []
    for word in _WORDS.findall(text):
        if _encodes(word, encoding) and "\x00" not in word:
            out.append(word if word.isprintable() else " ")
            continue
        for char in word:
            fitted = _fit_char(char, encoding)
            if fitted is None:
                return None
            out.append(fitted)
    return _SPACES.sub(" ", "".join(out)).strip()


def unfit_characters(text: str, encoding: str) -> str:
    """The characters of `text` that make `fit_text()` give up (for messages)."""
    return "".join(dict.fromkeys(c for c in text if _fit_char(c, encoding) is None))


@cache
def _fit_char(char: str, encoding: str) -> str | None:
    category = unicodedata.category(char)
    if category == "Cc":
        return " "
    if char.isascii():
        return char
    decomposed = "".join(
        c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c)
    )
    if decomposed.isascii() and decomposed:
        return decomposed
    transliterated = unidecode(char)
    if (
        transliterated.strip()
        and "[?]" not in transliterated
        and _encodes(transliterated, encoding)
    ):
        return transliterated
    if category[0] in "LN":
        return None
    return " " if category[0] == "Z" else ""


def _encodes(text: str, encoding: str) -> bool:
    try:
        text.encode(encoding)
    except UnicodeEncodeError:
        return False
    return True

"""The shipped translations are complete, and their compiled .mo files match the .po files."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

from exporthub.core.translations import CatalogFiles, catalogs, compile_catalog, problems

LOCALE_DIR = Path(settings.LOCALE_PATHS[0])


def test_every_language_but_english_ships_a_catalog():
    shipped = {files.language for files in catalogs(LOCALE_DIR)}
    assert shipped == {code for code, _name in settings.LANGUAGES if code != "en"}


@pytest.mark.parametrize("files", catalogs(LOCALE_DIR), ids=lambda files: files.language)
def test_each_catalog_is_fully_translated_and_compiled(files):
    assert problems(files) == [], "run bin/translations (see its --help)"


def test_django_reads_the_danish_catalog():
    with translation.override("da"):
        assert translation.gettext("Sign out") == "Log ud"
        assert translation.pgettext("status", "completed with errors") == "fuldført med fejl"


@pytest.fixture
def danish_copy(tmp_path) -> CatalogFiles:
    source = next(files for files in catalogs(LOCALE_DIR) if files.language == "da")
    folder = tmp_path / "da" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    shutil.copy(source.po, folder / "django.po")
    shutil.copy(source.mo, folder / "django.mo")
    (copy,) = catalogs(tmp_path)
    return copy


def test_the_check_finds_an_untranslated_entry(danish_copy):
    text = danish_copy.po.read_text()
    danish_copy.po.write_text(text.replace('msgstr "Log ud"', 'msgstr ""'))
    compile_catalog(danish_copy)
    assert [p for p in problems(danish_copy) if "untranslated: 'Sign out'" in p]


def test_the_check_finds_a_fuzzy_entry(danish_copy):
    text = danish_copy.po.read_text()
    danish_copy.po.write_text(text.replace('msgid "Sign out"', '#, fuzzy\nmsgid "Sign out"'))
    compile_catalog(danish_copy)
    assert [p for p in problems(danish_copy) if "fuzzy: 'Sign out'" in p]


def test_the_check_finds_a_mo_file_older_than_its_po(danish_copy):
    text = danish_copy.po.read_text()
    danish_copy.po.write_text(text.replace('msgstr "Log ud"', 'msgstr "Log af"'))
    assert [p for p in problems(danish_copy) if "out of date" in p]
    compile_catalog(danish_copy)
    assert problems(danish_copy) == []

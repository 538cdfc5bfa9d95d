"""The interface's translation catalogs: compiling them and checking they are complete.

Catalogs live in `locale/<language>/LC_MESSAGES/django.po` (settings.LOCALE_PATHS); the compiled
`django.mo` beside each is committed, so running the hub or its tests needs no gettext tools.
`bin/translations` extracts new strings into the `.po` files and compiles them with this module;
a test fails when a `.po` has an untranslated or fuzzy entry or its `.mo` is out of date.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

from babel import Locale
from babel.messages.catalog import Catalog, Message
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po, write_po

DOMAIN = "django"


@dataclass(frozen=True)
class CatalogFiles:
    language: str
    po: Path
    mo: Path


def catalogs(locale_dir: Path) -> list[CatalogFiles]:
    """Every language's `.po`/`.mo` pair under a locale folder."""
    return [
        CatalogFiles(po.parent.parent.name, po, po.with_suffix(".mo"))
        for po in sorted(locale_dir.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))
    ]


def load_po(path: Path, language: str | None = None) -> Catalog:
    with path.open("rb") as stream:
        return read_po(stream, locale=language)


def compiled(catalog: Catalog) -> bytes:
    """The `.mo` bytes of a catalog; fuzzy entries are left out, as gettext does."""
    out = io.BytesIO()
    write_mo(out, catalog, use_fuzzy=False)
    return out.getvalue()


def compile_catalog(files: CatalogFiles) -> None:
    files.mo.write_bytes(compiled(load_po(files.po)))


def problems(files: CatalogFiles) -> list[str]:
    """What keeps a catalog from being shipped: untranslated or fuzzy entries, a stale `.mo`."""
    catalog = load_po(files.po)
    found = [
        f"{files.po}: {_state(message)}: {_describe(message)}"
        for message in catalog
        if message.id and _state(message)
    ]
    if not files.mo.exists():
        found.append(f"{files.mo}: missing; run bin/translations compile")
    else:
        with files.mo.open("rb") as stream:
            shipped = _translations(read_mo(stream))
        if shipped != _translations(read_mo(io.BytesIO(compiled(catalog)))):
            found.append(f"{files.mo}: out of date with {files.po.name}; run bin/translations")
    return found


def normalize(files: CatalogFiles, before: Catalog | None) -> None:
    """Give a freshly merged `.po` its project header; keep its date when no message changed.

    So running `bin/translations` twice changes nothing the second time.
    """
    catalog = load_po(files.po, files.language)
    name = Locale.parse(files.language).english_name
    catalog.header_comment = (
        f"# {name} translation of the exporthub interface.\n"
        "# Update with bin/translations; its --help says how to find what needs translating."
    )
    catalog.locale = Locale.parse(files.language)
    catalog.project, catalog.version = "exporthub", "interface"
    catalog.language_team = name
    catalog.last_translator = "exporthub developers"
    catalog.fuzzy = False
    if before is not None and _entries(before) == _entries(catalog):
        catalog.creation_date = before.creation_date
    catalog.revision_date = catalog.creation_date
    out = io.BytesIO()
    write_po(out, catalog, width=100, include_lineno=False)
    # Babel names its version in the header; leaving it out keeps upgrades from touching files.
    lines = out.getvalue().splitlines(keepends=True)
    files.po.write_bytes(b"".join(line for line in lines if not line.startswith(b'"Generated-By:')))


def _state(message: Message) -> str:
    if message.fuzzy:
        return "fuzzy"
    strings = message.string if isinstance(message.string, tuple) else (message.string,)
    return "untranslated" if not all(strings) else ""


def _describe(message: Message) -> str:
    text = message.id[0] if isinstance(message.id, tuple) else message.id
    where = ", ".join(sorted({path for path, _line in message.locations}))
    context = f" [{message.context}]" if message.context else ""
    return f"{text!r}{context}" + (f" ({where})" if where else "")


def _translations(catalog: Catalog) -> dict:
    # read_mo gives a plural entry's id and strings as lists; keys must be hashable.
    return {(_frozen(m.id), m.context): _frozen(m.string) for m in catalog if m.id}


def _frozen(value):
    return tuple(value) if isinstance(value, list) else value


def _entries(catalog: Catalog) -> dict:
    return {
        (m.id, m.context): (m.string, m.fuzzy, tuple(sorted(m.locations))) for m in catalog if m.id
    }

"""The file formats a file-journal connector writes: one interface, one registry.

A format turns a batch (a header and the batch's journal entries, in order) into the bytes of
one file. It knows nothing about folders, the register of issued batches or the engine: the
connector (`connector.py`) keeps the register, asks the format to render the whole batch again
whenever the batch grows, and writes the file atomically.

Rules every format keeps:

* `render()` is pure: the same header and entries give the same bytes (no clock, no random, no
  environment; `header.created_at` is the only time it may print).
* Locators are stable under appending: the locator of entry *i* depends only on entries
  `[:i + 1]`, so rendering the batch again after entries were added never changes the
  `<batch>#<locator>` reference an earlier entry was given (it is stored in the register and
  reported to Pleo).
* `problems()` says everything the format cannot hold for one entry (text the encoding cannot
  hold even after transliteration, lengths, missing format settings) as `ConnectorError`s,
  without raising; the connector refuses such an entry before it is filed. `render()` is only
  ever called with entries `problems()` accepted, and must not fail on them.
* Entries given to `render()` carry no receipt bytes (`Receipt.content`/`fetch` are None): the
  register keeps the entry as data, not its files.

Adding a format: its class (in its own module here), one line in `FORMATS`, and a connector
kind in `connector.py` (`class SieJournalConnector(FileJournalConnector)` with `kind`, `label`
and `format_key = "sie4"`), declared as an entry point of the group `exporthub.connectors`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any, ClassVar

from django.utils.module_loading import import_string

if TYPE_CHECKING:
    from django import forms

    from exporthub.connectors.base import JournalEntry
    from exporthub.connectors.errors import ConnectorError


@dataclass(frozen=True)
class BatchHeader:
    """What a file says about its batch as a whole.

    `name` is the batch's name (also the file's stem and the part before `#` in references),
    `number` its sequence number within the connection (1, 2, ...). `date_from`/`date_to` span
    the entries' dates. `currency` is the connection's `currency` setting if set, else the first
    entry's currency. `settings` is the connection's whole settings mapping, for format-specific
    fields (DATEV Berater-/Mandantennummer, the SIE organisation number, ...).
    """

    name: str
    number: int
    created_at: dt.datetime
    company_name: str
    date_from: dt.date
    date_to: dt.date
    currency: str
    settings: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RenderedBatch:
    """A rendered file: its bytes and, per entry in order, the locator after `#`."""

    content: bytes
    locators: list[str]


class JournalFormat:
    """Base class of a file format. Subclasses set the class attributes and the two methods."""

    key: ClassVar[str]  # "csv", "xlsx", "sie4", "datev"
    label: ClassVar[str]  # shown to people, e.g. "SIE 4 (4I import file)"
    extension: ClassVar[str]  # without the dot: "csv", "xlsx", "se", "csv"
    content_type: ClassVar[str]  # of the download, e.g. "text/csv; charset=utf-8"
    # The format's own settings (a Django form class; its cleaned data is stored in the
    # connection's settings next to the connector's), or None.
    settings_form: ClassVar[type[forms.Form] | None] = None

    def problems(self, entry: JournalEntry, settings: Mapping[str, Any]) -> list[ConnectorError]:
        """What this format cannot hold of `entry` (usually `ValidationError`s; a missing format
        setting is a `MissingConfigError`). [] if it can be filed. Writes nothing."""
        return []

    def render(self, header: BatchHeader, entries: Sequence[JournalEntry]) -> RenderedBatch:
        """The whole file for the batch, with one locator per entry (see the module rules)."""
        raise NotImplementedError

    def batch_key(self, entry: JournalEntry, settings: Mapping[str, Any]) -> str:
        """Entries whose keys differ never share a batch ("" for formats without such a rule;
        DATEV: the fiscal year, as its dates carry no year)."""
        return ""

    def locators(self, header: BatchHeader, entries: Sequence[JournalEntry]) -> list[str]:
        """The locators `render()` gives these entries. The connector asks for them each time it
        files an entry, so a format whose locators are cheap to know (a position, a row count)
        overrides this to skip rendering the file."""
        return self.render(header, entries).locators


# key → dotted path of the format class. Formats register here (one line each).
FORMATS: dict[str, str] = {
    "csv": "exporthub.connectors.file_journal.generic.CsvJournalFormat",
    "xlsx": "exporthub.connectors.file_journal.generic.XlsxJournalFormat",
    "sie4": "exporthub.connectors.file_journal.sie.SieFormat",
    "datev": "exporthub.connectors.file_journal.datev.DatevFormat",
}


@cache
def get_format(key: str) -> JournalFormat:
    """The (stateless) format instance for `key`; KeyError for an unknown key."""
    return import_string(FORMATS[key])()

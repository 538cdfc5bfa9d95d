"""File journals: each export job becomes one batch file (CSV, XLSX, SIE 4, DATEV...).

One connector kind per format (`CsvJournalConnector`, ...), sharing `FileJournalConnector`: a
kind per format gives each its own settings form (the common settings plus the format's own,
e.g. DATEV's Berater-/Mandantennummer) and its own line in the list of connectors.

Settings (`ConnectorConfig.settings`):
  folder        where the batch files go; relative paths are under settings.DATA_DIR (required,
                kept inside the data folder by the settings policy and checked again here)
  currency      the batch's currency in file headers (default: the first entry's)
  company_name  the company named in file headers
  accounts      optional chart {code: name}: when given, lines may only use these accounts
  tax_codes     optional {code: name}: when given, lines may only use these tax codes
  plus the format's own settings.

The register of issued batches (`FiledBatch`, `FiledEntry` in the connectors app) is the truth:
`post()` files the entry into the open batch of its export job (`JournalEntry.batch_key`) in
one database transaction, with the connection's row locked, and returns `<batch>#<locator>`; an
entry already filed (in any batch, ever) returns its original reference and files nothing.
The file is materialised from the register: rendered whole by the format, written to a
temporary file in the same folder, fsync-ed and renamed over the old file (`os.replace`), so a
process that dies at any point leaves the old or the new file, never a torn one, and a register
`find()` trusts. It is written after each `post()` and once per `post_many()` page (the engine
posts pages, so a job of N entries costs N/page renders, not N), and again when the connector
closes or a download finds it behind the register (a write that failed, a process that died
between filing and writing). A batch is closed when the run that filed into it closes: a closed
batch's file never changes again, and a later run of the same job (retries) files into a new
batch.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

from django import forms
from django.conf import settings as django_settings
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from exporthub.connectors.base import (
    Account,
    AccountUnknownError,
    ConfigError,
    Connector,
    ConnectorError,
    ExternalRef,
    JournalEntry,
    MissingConfigError,
    Tax,
    TaxCodeUnknownError,
)
from exporthub.connectors.file_journal.formats import (
    BatchHeader,
    JournalFormat,
    RenderedBatch,
    get_format,
)
from exporthub.connectors.journal_json import entry_from_json, entry_to_json
from exporthub.connectors.models import ConnectorConfig, FiledBatch, FiledEntry
from exporthub.connectors.settings_policy import inside_data_dir
from exporthub.core.data_dir import PRIVATE_DIR, PRIVATE_FILE

log = logging.getLogger(__name__)

DOWNLOAD_URL_NAME = "dashboard:filed-batch-download"


class FileJournalForm(forms.Form):
    folder = forms.CharField(
        label=_("Folder"),
        help_text=_("Where the batch files go; relative paths are under the data folder."),
    )
    currency = forms.CharField(label=_("Currency"), required=False, max_length=3)
    company_name = forms.CharField(label=_("Company name"), required=False, max_length=100)


def batch_name(number: int) -> str:
    return f"pleo-{number:05d}"


class FileJournalConnector(Connector):
    """Base class of the file-journal kinds; a subclass names its `format_key`."""

    format_key: ClassVar[str]
    data_path_settings = ("folder",)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        own = get_format(cls.format_key).settings_form
        bases = (FileJournalForm, own) if own else (FileJournalForm,)
        cls.config_form = type(f"{cls.__name__}Form", bases, {})

    def __init__(self, config: ConnectorConfig) -> None:
        super().__init__(config)
        self.format: JournalFormat = get_format(self.format_key)
        raw = self.settings.get("folder")
        if not raw:
            raise MissingConfigError("Set the folder of this file journal.")
        if not inside_data_dir(str(raw)):
            raise ConfigError(
                f"The folder of this file journal must be inside the data folder "
                f"({django_settings.DATA_DIR})."
            )
        path = Path(raw)
        self.folder = path if path.is_absolute() else Path(django_settings.DATA_DIR) / path
        # Entries posted without a batch key (not from an export job) share one batch per run.
        self.run_key = f"run-{uuid.uuid4().hex}"
        # The batches this instance filed into: {batch pk: its entries in order}, as filed.
        self._filed: dict[int, list[JournalEntry]] = {}

    # -- connector interface -----------------------------------------------------------------

    def check_connection(self) -> None:
        try:
            self.folder.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
        except OSError as error:
            raise ConfigError(
                f"Cannot create the folder {self.folder}: {error.strerror}."
            ) from error
        if not os.access(self.folder, os.W_OK | os.X_OK):
            raise ConfigError(f"The hub may not write into the folder {self.folder}.")

    def accounts(self) -> list[Account]:
        chart = self.settings.get("accounts") or {}
        return [Account(code=str(code), name=str(name)) for code, name in chart.items()]

    def taxes(self) -> list[Tax]:
        codes = self.settings.get("tax_codes") or {}
        return [Tax(code=str(code), name=str(name)) for code, name in codes.items()]

    def company_name(self) -> str:
        return str(self.settings.get("company_name") or "")

    def validate(self, entry: JournalEntry) -> list[ConnectorError]:
        sound = super().validate(entry)
        problems = list(sound)
        chart = self.settings.get("accounts") or {}
        tax_codes = self.settings.get("tax_codes") or {}
        for line in entry.lines:
            if chart and line.account and line.account not in chart:
                problems.append(
                    AccountUnknownError(
                        f"The chart of this file journal has no account {line.account!r}: map "
                        "the Pleo value to one of its accounts.",
                        erp_key=line.account,
                    )
                )
            if tax_codes and line.tax_code and line.tax_code not in tax_codes:
                problems.append(
                    TaxCodeUnknownError(
                        f"This file journal has no tax code {line.tax_code!r}: map the Pleo tax "
                        "code to one of its codes.",
                        erp_key=line.tax_code,
                    )
                )
        if not sound:  # a format may assume a sound entry
            problems.extend(self.format.problems(entry, self.settings))
        return problems

    def find(self, pleo_id: str) -> ExternalRef | None:
        filed = self._filed_entry(pleo_id)
        return None if filed is None else self._ref(filed.batch, filed.locator)

    def _filed_entry(self, pleo_id: str) -> FiledEntry | None:
        return (
            FiledEntry.objects.filter(config=self.config, pleo_id=pleo_id)
            .select_related("batch")
            .first()
        )

    def post(self, entry: JournalEntry) -> ExternalRef:
        ref = self._file(entry)
        self._write_filed()
        return ref

    def post_many(self, entries: Sequence[JournalEntry]) -> list[ExternalRef | ConnectorError]:
        """File the page entry by entry, then write each touched batch's file once."""
        results: list[ExternalRef | ConnectorError] = []
        for entry in entries:
            try:
                results.append(self._file(entry))
            except ConnectorError as error:
                results.append(error)
        self._write_filed()
        return results

    def _file(self, entry: JournalEntry) -> ExternalRef:
        """File `entry` into the register (once ever) and return its reference."""
        filed = self._filed_entry(entry.pleo_id)
        if filed is not None:
            if not filed.batch.is_written:  # a run died between filing and writing the file
                self._filed.setdefault(filed.batch_id, [])
            return self._ref(filed.batch, filed.locator)
        self.ensure_valid(entry)
        with transaction.atomic():
            # One filer per connection at a time: numbers, positions and the register agree.
            ConnectorConfig.objects.select_for_update().only("pk").get(pk=self.config.pk)
            filed = self._filed_entry(entry.pleo_id)
            if filed is not None:  # filed by someone else meanwhile
                return self._ref(filed.batch, filed.locator)
            part = self.format.batch_key(entry, self.settings)
            batch = self._open_batch(entry.batch_key or self.run_key, part)
            entries = [*self._entries(batch), entry]
            locator = self.format.locators(self._header(batch, entries), entries)[-1]
            FiledEntry.objects.create(
                config=self.config,
                batch=batch,
                pleo_id=entry.pleo_id,
                position=len(entries),
                locator=locator,
                entry=entry_to_json(entry),
            )
            FiledBatch.objects.filter(pk=batch.pk).update(entry_count=len(entries))
            batch.entry_count = len(entries)
        self._filed[batch.pk] = entries
        return self._ref(batch, locator)

    def attach_receipts(self, ref: ExternalRef, entry: JournalEntry) -> None:
        """The file links each entry to its item in Pleo, which holds the receipts."""

    def close(self) -> None:
        """Write the files of the batches this run filed into and close them."""
        self._write_filed(close=True)

    # -- the register and the files ----------------------------------------------------------

    def _open_batch(self, key: str, part: str) -> FiledBatch:
        """The open batch collecting `key` (and the format's `part` of it), new if none; call
        with the connection's row locked."""
        batch = (
            FiledBatch.objects.filter(config=self.config, key=key, part=part, closed_at=None)
            .order_by("-number")
            .first()
        )
        if batch is not None:
            return batch
        last = FiledBatch.objects.filter(config=self.config).order_by("-number").first()
        number = last.number + 1 if last else 1
        name = batch_name(number)
        return FiledBatch.objects.create(
            config=self.config,
            key=key,
            part=part,
            number=number,
            name=name,
            file_name=f"{name}.{self.format.extension}",
            format=self.format.key,
            created_at=timezone.now().replace(microsecond=0),
        )

    def _entries(self, batch: FiledBatch) -> list[JournalEntry]:
        """The batch's filed entries in order (cached while nobody else files into it)."""
        known = self._filed.get(batch.pk)
        if known is None or len(known) != batch.entry_count:
            known = [
                entry_from_json(data)
                for data in batch.entries.order_by("position").values_list("entry", flat=True)
            ]
            self._filed[batch.pk] = known
        return known

    def _header(self, batch: FiledBatch, entries: Sequence[JournalEntry]) -> BatchHeader:
        dates = [entry.date for entry in entries]
        currency = self.settings.get("currency") or (entries[0].currency if entries else "")
        return BatchHeader(
            name=batch.name,
            number=batch.number,
            created_at=batch.created_at,
            company_name=self.company_name(),
            date_from=min(dates),
            date_to=max(dates),
            currency=str(currency),
            settings=self.settings,
        )

    def _ref(self, batch: FiledBatch, locator: str) -> ExternalRef:
        return ExternalRef(
            id=f"{batch.name}#{locator}", url=download_url(batch), label=batch.file_name
        )

    def _write_filed(self, *, close: bool = False) -> None:
        for pk in list(self._filed):
            batch = FiledBatch.objects.get(pk=pk)
            try:
                if not batch.is_written or not (self.folder / batch.file_name).exists():
                    self.write(batch, self._entries(batch))
            except OSError as error:
                # The register holds the entries: the file is written again on the next run or
                # when it is downloaded. The batch stays open until then.
                log.warning("Could not write %s: %s", batch.file_name, error.strerror)
                continue
            if close:
                FiledBatch.objects.filter(pk=pk, closed_at=None).update(closed_at=timezone.now())
                del self._filed[pk]

    def render(self, batch: FiledBatch, entries: list[JournalEntry] | None = None) -> RenderedBatch:
        """The batch's file as the register says it is (checks the locators did not move).

        `entries` are the batch's entries if the caller has them (this run's, as it filed
        them); else they are read from the register."""
        locators = list(batch.entries.order_by("position").values_list("locator", flat=True))
        if entries is None or len(entries) != len(locators):
            entries = [
                entry_from_json(data)
                for data in batch.entries.order_by("position").values_list("entry", flat=True)
            ]
        rendered = self.format.render(self._header(batch, entries), entries)
        if rendered.locators != locators:
            raise ConnectorError(
                f"The {self.format.key} format moved the references of {batch.file_name}."
            )
        return rendered

    def write(self, batch: FiledBatch, entries: list[JournalEntry] | None = None) -> RenderedBatch:
        """Render the batch from the register and replace its file atomically."""
        rendered = self.render(batch, entries)
        self.folder.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
        replace_atomically(self.folder / batch.file_name, rendered.content)
        FiledBatch.objects.filter(pk=batch.pk).update(
            written_entries=len(rendered.locators),
            written_at=timezone.now(),
            checksum=hashlib.sha256(rendered.content).hexdigest(),
        )
        return rendered

    def batch_file(self, batch: FiledBatch) -> tuple[bytes, str]:
        """The batch's file content and content type, for downloads: the file on disk if it
        matches the register, else rendered again (and written back when the folder allows)."""
        path = self.folder / batch.file_name
        if batch.is_written:
            try:
                content = path.read_bytes()
            except OSError:
                content = None
            if content is not None and hashlib.sha256(content).hexdigest() == batch.checksum:
                return content, self.format.content_type
        try:
            content = self.write(batch).content
        except OSError as error:
            log.warning("Could not write %s: %s", batch.file_name, error.strerror)
            content = self.render(batch).content
        return content, self.format.content_type


def replace_atomically(path: Path, content: bytes) -> None:
    """Write `content` to `path` so that readers see the old or the new file, whole."""
    descriptor, temporary = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"
    )
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, PRIVATE_FILE)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)  # the rename itself survives a crash
    finally:
        os.close(folder)


def download_url(batch: FiledBatch) -> str:
    """The hub's download link of a batch file ("" when the dashboard is not installed)."""
    try:
        path = reverse(DOWNLOAD_URL_NAME, kwargs={"pk": batch.pk})
    except NoReverseMatch:
        return ""
    return f"{django_settings.PUBLIC_URL}{path}"


class CsvJournalConnector(FileJournalConnector):
    kind = "csv_journal"
    label = "CSV journal file"
    format_key = "csv"


class XlsxJournalConnector(FileJournalConnector):
    kind = "xlsx_journal"
    label = "XLSX journal file (Excel)"
    format_key = "xlsx"


class SieJournalConnector(FileJournalConnector):
    kind = "sie4_journal"
    label = "SIE 4 file (4I import)"
    format_key = "sie4"


class DatevJournalConnector(FileJournalConnector):
    kind = "datev_journal"
    label = "DATEV Buchungsstapel (EXTF)"
    format_key = "datev"

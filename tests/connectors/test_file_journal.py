"""The file journals (CSV, XLSX): the files, read back independently, and the register."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import uuid
from decimal import Decimal

import pytest
from django.urls import reverse

from exporthub.connectors.base import Amount, ConfigError, JournalLine, MissingConfigError, Party
from exporthub.connectors.file_journal.formats import BatchHeader, get_format
from exporthub.connectors.journal_json import entry_from_json, entry_to_json
from exporthub.connectors.models import ConnectorConfig, FiledBatch, FiledEntry
from exporthub.connectors.registry import build_connector
from exporthub.core.csv_cells import restore
from tests.connectors.conftest import FILE_JOURNAL_CHART, file_journal_config
from tests.connectors.entries import make_entry
from tests.connectors.journal_files import entries_of, read_csv, read_journal, read_xlsx
from tests.dashboard.conftest import make_user
from tests.processes import PYTHON, ROOT, child_env

KINDS = ["csv_journal", "xlsx_journal"]
JOB = str(uuid.uuid4())


@pytest.fixture(autouse=True)
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    return tmp_path


def in_currency(currency: str, net: str, tax: str, **overrides):
    """A balanced purchase in `currency`, amounts given with the currency's decimals."""
    net_value, tax_value = Decimal(net), Decimal(tax)
    gross = net_value + tax_value
    return make_entry(
        FILE_JOURNAL_CHART,
        currency=currency,
        wallet_amount=Amount(gross, currency),
        supplier_amount=Amount(gross, currency),
        batch_key=JOB,
        lines=(
            JournalLine(
                "6000", debit=net_value, tax_code="I25", tax_amount=tax_value, text="Lunch",
                dimensions={"DEPT": "SALES", "PROJECT": "P100"},
            ),
            JournalLine("6900", debit=tax_value, tax_code="I25", is_tax=True, text="VAT"),
            JournalLine("5820", credit=gross, text="Pleo card"),
        ),
        **overrides,
    )  # fmt: skip


def corpus():
    return [
        in_currency("DKK", "100.00", "25.00"),
        in_currency("JPY", "1200", "300"),
        in_currency("KWD", "10.125", "2.531"),
        in_currency(
            "DKK",
            "0.01",
            "0.00",
            text='=HYPERLINK("http://evil")',
            party=Party(name="+Ærø Café ☕ <b>&"),
        ),
    ]


@pytest.mark.parametrize("kind", KINDS)
def test_a_batch_file_holds_each_entry_exactly_on_its_accounts(kind, data_dir, db):
    config = file_journal_config(kind, "journal")
    entries = corpus()
    with build_connector(config) as connector:
        refs = [connector.post(entry) for entry in entries]
    path = data_dir / "journal" / f"pleo-00001.{kind.split('_')[0]}"

    rows = read_journal(path)

    assert [ref.id for ref in refs] == [f"pleo-00001#{n}" for n in range(1, 5)]
    by_reference = entries_of(rows)
    assert list(by_reference) == [ref.id for ref in refs]
    for ref, entry in zip(refs, entries, strict=True):
        lines = by_reference[ref.id]
        assert [row["pleo_id"] for row in lines] == [entry.pleo_id] * 3
        assert [(row["account"], row["debit"], row["credit"]) for row in lines] == [
            (line.account, line.debit or None, line.credit or None) for line in entry.lines
        ]
        assert sum(row["debit"] or 0 for row in lines) == sum(row["credit"] or 0 for row in lines)
        assert lines[0]["vat_code"] == "I25" and lines[0]["vat_amount"] == entry.lines[1].debit
        assert [row["vat_line"] for row in lines] == ["", "yes", ""]
        assert lines[0]["dimensions"] == "DEPT=SALES; PROJECT=P100"
        assert {row["currency"] for row in lines} == {entry.currency}
        assert {row["date"] for row in lines} == {dt.date(2026, 4, 28)}
        assert lines[0]["receipt_link"] == entry.source_url
    jpy, kwd = by_reference["pleo-00001#2"], by_reference["pleo-00001#3"]
    assert jpy[2]["credit"] == Decimal("1500") and kwd[2]["credit"] == Decimal("12.656")
    odd = by_reference["pleo-00001#4"]
    assert odd[1]["line_text"] == "VAT"
    if kind == "csv_journal":  # a formula start is neutralised
        assert odd[0]["supplier"] == "'+Ærø Café ☕ <b>&"
        assert odd[0]["text"] == '\'=HYPERLINK("http://evil")'
    else:  # a string cell, never a formula
        assert odd[0]["supplier"] == "+Ærø Café ☕ <b>&"
    assert restore(odd[0]["supplier"]) == "+Ærø Café ☕ <b>&"
    assert odd[2]["line_text"] == "Pleo card"
    assert odd[2]["debit"] is None and odd[2]["credit"] == Decimal("0.01")


def test_xlsx_amounts_are_numbers_with_the_currencys_decimals_and_text_is_never_a_formula(db):
    import io

    import openpyxl

    config = file_journal_config("xlsx_journal", "journal")
    entries = corpus()
    entries[0] = entries[0].replace(
        lines=tuple(
            line.__class__(**{**line.__dict__, "text": "=1+1"}) for line in entries[0].lines
        )
    )
    with build_connector(config) as connector:
        for entry in entries:
            connector.post(entry)
    content = (connector.folder / "pleo-00001.xlsx").read_bytes()

    rows = read_xlsx(content)

    formats = {row["currency"]: row["number_formats"]["debit"] for row in rows if row["debit"]}
    assert formats == {"DKK": "0.00", "JPY": "0", "KWD": "0.000"}
    assert [row["debit"] for row in rows if row["currency"] == "KWD"][:2] == [
        Decimal("10.125"),
        Decimal("2.531"),
    ]
    sheet = openpyxl.load_workbook(io.BytesIO(content))["Journal"]
    assert sheet["N2"].value == "=1+1" and sheet["N2"].data_type == "s"
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


@pytest.mark.parametrize("kind", KINDS)
def test_rendering_is_pure_and_the_file_is_what_the_register_says(kind, db):
    config = file_journal_config(kind, "journal")
    with build_connector(config) as connector:
        for entry in corpus():
            connector.post(entry)
    batch = FiledBatch.objects.get()
    with build_connector(config) as connector:
        first, second = connector.render(batch).content, connector.render(batch).content
        on_disk = (connector.folder / batch.file_name).read_bytes()

    assert first == second == on_disk
    assert batch.is_written and batch.closed_at is not None


def test_an_entry_round_trips_through_the_register_exactly():
    entry = in_currency("KWD", "10.125", "2.531", due_date=dt.date(2026, 5, 31))

    again = entry_from_json(entry_to_json(entry))

    assert again.replace(receipts=()) == entry.replace(receipts=())
    assert [(r.name, r.content_type, r.content) for r in again.receipts] == [
        ("receipt lunch.pdf", "application/pdf", None)
    ]


@pytest.mark.parametrize("kind", KINDS)
def test_an_entry_filed_once_keeps_its_reference_and_later_runs_write_nothing(kind, db, settings):
    config = file_journal_config(kind, "journal")
    entry = corpus()[0]
    with build_connector(config) as connector:
        ref = connector.post(entry)
    path = config_folder(config) / FiledBatch.objects.get().file_name
    before = path.read_bytes(), path.stat().st_mtime_ns

    with build_connector(config) as connector:
        assert connector.find(entry.pleo_id) == ref
        # Exported again in another job: the original reference, nothing filed or written.
        assert connector.post(entry.replace(batch_key=str(uuid.uuid4()))) == ref

    assert FiledEntry.objects.count() == 1 and FiledBatch.objects.count() == 1
    assert (path.read_bytes(), path.stat().st_mtime_ns) == before
    download = reverse("dashboard:filed-batch-download", args=[FiledBatch.objects.get().pk])
    assert ref.url == f"{settings.PUBLIC_URL}{download}"


def config_folder(config):
    from django.conf import settings

    return settings.DATA_DIR / config.settings["folder"]


def test_a_closed_batch_never_changes_a_later_run_of_the_job_opens_a_new_one(db):
    config = file_journal_config("csv_journal", "journal")
    first, second, third = corpus()[:3]
    with build_connector(config) as connector:
        connector.post(first)
    # A run that dies (never closes) leaves its batch open; the next run continues it.
    dying = build_connector(config)
    assert dying.post(second).id == "pleo-00002#1"
    with build_connector(config) as connector:
        assert connector.post(third).id == "pleo-00002#2"

    assert list(FiledBatch.objects.values_list("name", "entry_count")) == [
        ("pleo-00001", 1),
        ("pleo-00002", 2),
    ]
    assert len(read_csv((config_folder(config) / "pleo-00002.csv").read_bytes())) == 6


def test_a_failed_write_leaves_the_old_file_and_the_register_intact(db, monkeypatch):
    config = file_journal_config("csv_journal", "journal")
    first, second = corpus()[:2]
    connector = build_connector(config)
    connector.post(first)
    path = config_folder(config) / "pleo-00001.csv"
    old = path.read_bytes()

    def full_disk(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", full_disk)
    ref = connector.post(second)
    connector.close()  # writing fails: logged, the batch stays open

    assert path.read_bytes() == old
    assert sorted(p.name for p in path.parent.iterdir()) == ["pleo-00001.csv"]  # no temporary
    batch = FiledBatch.objects.get()
    assert batch.closed_at is None and not batch.is_written and batch.entry_count == 2
    monkeypatch.undo()
    with build_connector(config) as again:
        assert again.find(second.pleo_id) == ref
        content, _ = again.batch_file(batch)  # a download brings the file up to date
    assert content == path.read_bytes() and len(read_csv(content)) == 6


KILLED_WRITE = """
import json, os, signal, sys
import django
django.setup()
from exporthub.connectors.journal_json import entry_from_json
from exporthub.connectors.models import ConnectorConfig
from exporthub.connectors.registry import build_connector
connector = build_connector(ConnectorConfig.objects.get(pk=int(sys.argv[1])))
def die(*args):
    os.kill(os.getpid(), signal.SIGKILL)
os.replace = die  # dies with the new file fully written under its temporary name
connector.post(entry_from_json(json.loads(sys.argv[2])))
"""


@pytest.mark.django_db(transaction=True)
def test_a_process_killed_while_writing_leaves_the_old_file_whole(settings):
    config = file_journal_config("csv_journal", "journal")
    first, second = corpus()[:2]
    build_connector(config).post(first)
    path = config_folder(config) / "pleo-00001.csv"
    old = path.read_bytes()

    child = subprocess.run(
        [PYTHON, "-c", KILLED_WRITE, str(config.pk), json.dumps(entry_to_json(second))],
        cwd=ROOT,
        env=child_env(EXPORTHUB_DATA_DIR=str(settings.DATA_DIR)),
        capture_output=True,
    )

    assert child.returncode == -signal.SIGKILL, child.stderr.decode()[-2000:]
    assert path.read_bytes() == old  # the old file, whole
    assert len(read_csv(old)) == 3
    batch = FiledBatch.objects.get()
    assert batch.entry_count == 2 and not batch.is_written  # the register has the entry
    with build_connector(config) as connector:  # the next run finds it and writes the file
        assert connector.post(second).id == "pleo-00001#2"
    assert len(read_csv(path.read_bytes())) == 6
    assert FiledEntry.objects.count() == 2


def test_the_folder_must_be_set_and_inside_the_data_folder(db, tmp_path_factory):
    with pytest.raises(MissingConfigError):
        build_connector(ConnectorConfig(kind="csv_journal", settings={}))
    outside = tmp_path_factory.mktemp("elsewhere")
    with pytest.raises(ConfigError):
        build_connector(ConnectorConfig(kind="csv_journal", settings={"folder": str(outside)}))


def test_unknown_accounts_and_tax_codes_are_refused_before_anything_is_filed(db):
    config = file_journal_config("csv_journal", "journal", tax_codes={"E25": "VAT 25 %"})
    entry = corpus()[0]
    with build_connector(config) as connector:
        problems = connector.validate(entry.replace(lines=(
            entry.lines[0].__class__(**{**entry.lines[0].__dict__, "account": "9999"}),
            *entry.lines[1:],
        )))  # fmt: skip
    assert [problem.reason_type for problem in problems] == [
        "account_unknown",
        "tax_code_unknown",
        "tax_code_unknown",
    ]
    assert not FiledEntry.objects.exists()


def test_xlsx_refuses_a_text_longer_than_a_cell_holds():
    header = BatchHeader("b", 1, dt.datetime(2026, 1, 1, tzinfo=dt.UTC), "", dt.date.today(),
                         dt.date.today(), "DKK")  # fmt: skip
    entry = corpus()[0].replace(text="x" * 40000)
    assert get_format("xlsx").problems(entry, {})[0].reason_type == "validation_failure"
    huge = in_currency("DKK", "12345678901234.56", "0.00")  # 16 digits: no exact double
    assert "15 digits" in get_format("xlsx").problems(huge, {})[0].message
    assert get_format("xlsx").problems(in_currency("DKK", "1234567890123.45", "0.00"), {}) == []
    assert get_format("csv").problems(entry, {}) == []
    assert get_format("csv").locators(header, [entry, entry]) == ["1", "2"]


@pytest.mark.parametrize("role", ["viewer", "admin"])
def test_a_file_is_downloadable_and_made_again_when_it_went_missing(
    client, django_user_model, role, db
):
    config = file_journal_config("csv_journal", "journal")
    with build_connector(config) as connector:
        connector.post(corpus()[0].replace(batch_key="not-a-job"))
    batch = FiledBatch.objects.get()
    path = config_folder(config) / batch.file_name
    written = path.read_bytes()
    path.unlink()
    client.force_login(make_user(django_user_model, role, role))

    response = client.get(reverse("dashboard:filed-batch-download", args=[batch.pk]))

    if role == "viewer":  # entries filed outside an export job: admins only
        assert response.status_code == 404
        return
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="pleo-00001.csv"'
    assert response.content == written == path.read_bytes()
    config.kind = "beancount"
    config.save()
    assert client.get(reverse("dashboard:filed-batch-download", args=[batch.pk])).status_code == (
        404
    )


def test_a_job_over_two_fiscal_years_gets_one_datev_file_per_year_listed_with_the_job(db):
    from types import SimpleNamespace

    from exporthub.dashboard.batch_files import batches_of
    from tests.connectors.conftest import DATEV_SETTINGS

    config = file_journal_config("datev_journal", "journal", **DATEV_SETTINGS)
    entries = [in_currency("EUR", "100.00", "25.00") for _ in range(3)]
    entries[1] = entries[1].replace(date=dt.date(2025, 12, 30))
    with build_connector(config) as connector:
        refs = [connector.post(entry) for entry in entries]

    job = SimpleNamespace(pleo_id=uuid.UUID(JOB))
    batches = list(batches_of(job))
    assert [(b.key, b.part, b.entry_count) for b in batches] == [
        (JOB, "2026-01-01", 2),
        (JOB, "2025-01-01", 1),
    ]
    assert [ref.id.split("#")[0] for ref in refs] == ["pleo-00001", "pleo-00002", "pleo-00001"]


def test_the_admin_shows_the_register_read_only(client, django_user_model, db):
    config = file_journal_config("csv_journal", "journal")
    with build_connector(config) as connector:
        connector.post(corpus()[0])
    batch = FiledBatch.objects.get()
    client.force_login(django_user_model.objects.create_superuser("root", password="x"))

    listing = client.get(reverse("admin:connectors_filedbatch_changelist"))
    page = client.get(reverse("admin:connectors_filedbatch_change", args=[batch.pk]))
    changed = client.post(reverse("admin:connectors_filedbatch_change", args=[batch.pk]), {})

    assert listing.status_code == 200 and "pleo-00001.csv" in listing.content.decode()
    assert page.status_code == 200
    assert changed.status_code == 403
    assert client.get(reverse("admin:connectors_filedbatch_add")).status_code == 403
    assert (
        client.post(reverse("admin:connectors_filedbatch_delete", args=[batch.pk])).status_code
        == 403
    )

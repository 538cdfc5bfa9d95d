"""Export jobs into SIE 4I and DATEV files through the engine, against the sandbox; each file is
read back by the strict readers of tests/connectors/file_formats and checked against Pleo."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

import pytest
from django.conf import settings as django_settings

from exporthub.connectors.models import ConnectorConfig, FiledBatch
from exporthub.sandbox import services as sandbox
from exporthub.sandbox.models import AccountingEntry
from exporthub.sync.models import Integration
from tests.connectors.file_formats.datev_reader import read_datev
from tests.connectors.file_formats.sie_reader import read_sie
from tests.sync.helpers import pleo_job, postable_entry_ids, run
from tests.sync.journal_chart import (
    JOURNAL_ACCOUNTS,
    JOURNAL_MAPPINGS,
    expected_lines,
    ids_with_every_tax_type,
)
from tests.sync.test_engine_file_journal import CONTRA

SETTINGS = {
    "sie4_journal": {"sie_org_number": "556677-8899", "sie_series": "P", "sie_text_length": 60},
    "datev_journal": {
        "datev_consultant": 1234567,
        "datev_client": 10001,
        "datev_account_length": 4,
        "datev_fiscal_year_start": 1,
        "datev_vat": "rows",
    },
}


def make_journal(pleo_connection, kind: str, **settings) -> Integration:
    erp = ConnectorConfig.objects.create(
        name="Journal",
        kind=kind,
        settings={
            "folder": "journal",
            "company_name": "Nordlys",
            "currency": "DKK",
            "accounts": JOURNAL_ACCOUNTS,
            **SETTINGS[kind],
            **settings,
        },
    )
    integration = Integration.objects.create(
        name="Nordlys → Journal", pleo_connection=pleo_connection, erp_connection=erp
    )
    for kind, pleo_key, erp_key, _label in JOURNAL_MAPPINGS:
        integration.mappings.create(kind=kind, pleo_key=pleo_key, erp_key=erp_key)
    return integration


@pytest.fixture(params=sorted(SETTINGS))
def journal(request, pleo_connection, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    return make_journal(pleo_connection, request.param)


def booked(content: bytes, kind: str) -> dict[str, list[tuple[str, Decimal]]]:
    """{pleo id: [(account, signed amount), ...]} as the file says, the contra line last."""
    found: dict[str, list[tuple[str, Decimal]]] = {}
    if kind == "sie4_journal":
        for voucher in read_sie(content).vouchers:
            pleo_id = voucher.text.rsplit(" ", 1)[-1]
            assert pleo_id not in found
            found[pleo_id] = [(t.account, t.amount) for t in voucher.trans]
        return found
    _header, rows = read_datev(content)
    contra: dict[str, Decimal] = defaultdict(Decimal)
    for row in rows:
        pleo_id = row.fields["Beleginfo - Inhalt 1"]
        found.setdefault(pleo_id, []).append((row.account, row.amount))
        contra[pleo_id] -= row.amount
        contra_account = row.contra
        found[pleo_id + "#contra"] = [(contra_account, contra[pleo_id])]
    return {
        pleo_id: [*lines, *found[pleo_id + "#contra"]]
        for pleo_id, lines in found.items()
        if not pleo_id.endswith("#contra")
    }


def test_a_job_becomes_one_sie_or_datev_file_on_the_right_accounts(journal, company):
    ids = ids_with_every_tax_type(company, 10)
    sandbox.create_export_job(company, entry_ids=ids)

    job = run(journal)

    assert job.status == "completed"
    batch = FiledBatch.objects.get()
    content = (django_settings.DATA_DIR / "journal" / batch.file_name).read_bytes()
    entries = booked(content, journal.erp_connection.kind)
    sie = journal.erp_connection.kind == "sie4_journal"
    assert sorted(entries) == sorted(ids)
    for pleo_id, lines in entries.items():
        pleo = AccountingEntry.objects.get(uuid=pleo_id, company=company)
        *rest, (contra, contra_amount) = lines
        assert sum((amount for _a, amount in lines), Decimal(0)) == 0
        assert contra == CONTRA[pleo.item_type]
        assert int(-contra_amount * 100) == pleo.wallet_amount  # DKK: 2 decimals
        # Every other line, VAT lines too, on its account with its amount (DATEV leaves rows
        # of zero out, such as a VAT-exempt line's VAT of 0; SIE keeps them).
        assert [(account, int(amount * 100)) for account, amount in rest] == [
            (account, amount) for account, amount in expected_lines(pleo) if amount or sie
        ], pleo_id
    remote = {str(i.entry.uuid): i for i in pleo_job(job).items.select_related("entry")}
    assert {remote[pleo_id].status for pleo_id in ids} == {"successful"}
    assert all(remote[p].external_id.startswith(f"{batch.name}#") for p in ids)


# The sandbox's tax codes mapped to DATEV BU-Schlüssel, as a German company's tax mappings would.
BU_KEYS = {"I25": "9", "E25": "9", "RC25": "94", "Z0": "40"}


def test_datev_books_each_pleo_line_gross_with_its_mapped_bu_key(
    pleo_connection, company, settings, tmp_path
):
    settings.DATA_DIR = tmp_path
    journal = make_journal(pleo_connection, "datev_journal", datev_vat="bu_key")
    for pleo_code, bu_key in BU_KEYS.items():
        journal.mappings.create(kind="tax_code", pleo_key=pleo_code, erp_key=bu_key)
    ids = postable_entry_ids(company, 10)
    sandbox.create_export_job(company, entry_ids=ids)

    job = run(journal)

    assert job.status == "completed"
    content = django_settings.DATA_DIR / "journal" / FiledBatch.objects.get().file_name
    _header, rows = read_datev(content.read_bytes())
    by_entry = defaultdict(list)
    for row in rows:
        by_entry[row.fields["Beleginfo - Inhalt 1"]].append(row)
    assert sorted(by_entry) == sorted(ids)
    for pleo_id, entry_rows in by_entry.items():
        pleo = AccountingEntry.objects.get(uuid=pleo_id, company=company)
        lines = [line for line in pleo.lines if line["lineAmount"]["inWalletCurrency"]["value"]]
        assert [
            (row.account, int(row.amount * 100), row.bu_key, row.contra) for row in entry_rows
        ] == [
            (
                line["account"]["code"],
                line["lineAmount"]["inWalletCurrency"]["value"],
                BU_KEYS[line["tax"]["code"]] if line.get("tax") else "",
                CONTRA[pleo.item_type],
            )
            for line in lines
        ]
        assert int(sum(row.amount for row in entry_rows) * 100) == pleo.wallet_amount

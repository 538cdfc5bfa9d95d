from __future__ import annotations

import dataclasses
import json
from decimal import Decimal

from exporthub.sync.items import posting_as_json
from exporthub.sync.mapping import MappingTable
from exporthub.sync.models import Mapping
from exporthub.sync.posting import PostingProblem, build_journal_entry
from tests.sync.payloads import export_item, line, tax


def test_the_stored_posting_says_everything_the_entry_says():
    mappings = MappingTable([Mapping(kind="account", pleo_key="vat:in", erp_key="6900")])
    item = export_item(line(12500, tax=tax(2500), tags=[("DEPT", "SALES")]))
    entry = build_journal_entry(item, mappings, fetch_file=lambda url: b"%PDF")

    stored = posting_as_json(entry)

    everything = dataclasses.asdict(entry.replace(receipts=()))
    assert set(stored) == set(everything)
    assert json.loads(json.dumps(stored)) == stored  # plain JSON, no Decimals or dates
    assert stored["lines"][0] == {
        "account": "6000", "debit": "100.00", "credit": "0", "text": "Team lunch",
        "tax_code": "I25", "tax_amount": "25.00", "is_tax": False,
        "dimensions": {"DEPT": "SALES"},
    }  # fmt: skip
    assert Decimal(stored["wallet_amount"]["value"]) == Decimal("125.00")
    assert stored["party"]["name"] == "Café Nord"


def test_outcomes_are_written_in_one_batch_and_read_back_intact(integration, company):
    from exporthub.connectors.base import ExternalRef
    from exporthub.sync.items import ItemPoster
    from exporthub.sync.models import ExportItem, ExportJob, ItemStatus

    job = ExportJob.objects.create(
        integration=integration, pleo_id="6f1c2a90-4b7e-4c55-9d0e-2a6b1f3c8e71",
        company_id=company.uuid, pleo_created_at="2026-05-04T09:12:44Z",
    )  # fmt: skip
    rows = [
        ExportItem.objects.create(job=job, accounting_entry_id=f"0b7d4c1e-2f3a-4e5b-8c9d-{n:012d}")
        for n in range(3)
    ]
    poster = ItemPoster(None, MappingTable([]), fallback_to_pleo_codes=True)
    for n, row in enumerate(rows[:2]):
        row.payload = {"amount": {"value": Decimal("12.5")}, "n": n}
        row.posting = {"lines": [{"debit": "12.50"}]}
        poster.succeed(row, ExternalRef(id=f"JE-{n}", url=f"https://erp.example/{n}"))
    rows[2].payload = {"n": 2}
    problems = [
        PostingProblem("account_unknown", "Map Pleo category 'Misc' (6999) to an ERP account.",
                       mapping_kind="account", pleo_key="6999", pleo_label="Misc"),
        PostingProblem("tag_unknown", "Map Pleo tag DEPT:X to an ERP dimension.",
                       mapping_kind="tag", pleo_key="DEPT:X", pleo_label="DEPT:X"),
    ]  # fmt: skip
    poster.fail(rows[2], "account_unknown", "Two problems.", "config", problems=problems)
    assert ExportItem.objects.filter(status=ItemStatus.PENDING).count() == 3  # not yet written

    poster.flush()

    stored = {row.pk: row for row in ExportItem.objects.all()}
    first = stored[rows[0].pk]
    assert (first.status, first.external_id, first.external_url) == (
        "successful",
        "JE-0",
        "https://erp.example/0",
    )
    assert first.payload == {"amount": {"value": 12.5}, "n": 0}
    assert first.posting == {"lines": [{"debit": "12.50"}]}
    assert first.exported_at is not None and first.reported_at is None
    failed = stored[rows[2].pk]
    assert (failed.status, failed.failure_reason_type, failed.failure_mode) == (
        "failed",
        "account_unknown",
        "config",
    )
    assert (failed.failure_mapping_kind, failed.failure_pleo_key, failed.failure_pleo_label,
            failed.failure_erp_key) == ("account", "6999", "Misc", "")  # fmt: skip
    assert [(p["mapping_kind"], p["pleo_key"]) for p in failed.failure_problems] == [
        ("account", "6999"), ("tag", "DEPT:X")]  # fmt: skip
    assert failed.failure_problems[1]["message"] == "Map Pleo tag DEPT:X to an ERP dimension."


def test_an_erp_refusal_names_the_pleo_value_its_key_was_mapped_from():
    from exporthub.connectors.errors import AccountUnknownError
    from exporthub.sync.items import problem_from_error

    mappings = MappingTable([Mapping(kind="account", pleo_key="vat:in", erp_key="6900"),
                             Mapping(kind="contra_account", pleo_key="5820",
                                     erp_key="Assets:Gone")])  # fmt: skip
    trace = []
    build_journal_entry(export_item(line(12500, tax=tax(2500))), mappings, trace=trace)

    problem = problem_from_error(AccountUnknownError("No such account.", erp_key="Assets:Gone"),
                                 trace)  # fmt: skip

    assert (problem.reason_type, problem.mapping_kind, problem.pleo_key, problem.pleo_label,
            problem.erp_key) == ("account_unknown", "contra_account", "5820", "Pleo DKK",
                                 "Assets:Gone")  # fmt: skip

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from exporthub.connectors.models import ConnectorConfig
from exporthub.core.models import ActivityEntry
from exporthub.pleo.models import PleoConnection
from exporthub.sandbox import services as sandbox
from exporthub.sync.models import Integration
from tests.sync.conftest import LEDGER_ACCOUNTS
from tests.sync.helpers import ledger_ids, postable_entry_ids


def call(*args, **kwargs) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=out, **kwargs)
    return out.getvalue()


def test_an_operator_can_wire_everything_from_the_command_line(
    company, sandbox_base_url, tmp_path, monkeypatch
):
    monkeypatch.setenv("NORDLYS_PLEO_KEY", company.test_api_key)
    call("pleo_connection", "Nordlys", "--company-id", str(company.uuid),
         "--base-url", sandbox_base_url, "--api-key-env", "NORDLYS_PLEO_KEY")  # fmt: skip
    ledger = tmp_path / "main.beancount"
    ConnectorConfig.objects.create(
        name="Books", kind="beancount",
        settings={"ledger_path": str(ledger), "currency": "DKK", "open_accounts": LEDGER_ACCOUNTS},
    )  # fmt: skip
    call("erp_connection", "Books", "--set", "fava_url=http://127.0.0.1:5000/books", "--check")
    mappings = tmp_path / "mappings.csv"
    mappings.write_text(
        "kind,pleo_key,pleo_label,erp_key,erp_label\n"
        "account,vat:in,Input VAT,6900,\n"
        "contra_account,invoice,,2400,Suppliers\n"
        "contra_account,*,,2820,Employees\n"
    )
    output = call("integration", "Nordlys", "--pleo", "Nordlys", "--erp", "Books",
                  "--mappings", str(mappings))  # fmt: skip
    assert "Imported 3 mapping(s)" in output
    ids = postable_entry_ids(company, 4)
    sandbox.create_export_job(company, entry_ids=ids)

    output = call("process_pending")

    assert "1 job(s) waiting, 1 processed" in output
    assert sorted(ledger_ids(ledger)) == sorted(ids)
    job_id = str(Integration.objects.get().jobs.get().pleo_id)
    assert "completed" in call("job_status", job_id)
    connection = PleoConnection.objects.get()
    assert connection.api_key == company.test_api_key
    assert company.test_api_key not in str(list(ActivityEntry.objects.values()))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("pleo_connection", "X", "--company-id", "nope"), "is not a UUID"),
        (("pleo_connection", "X", "--company-id", "0b7d4c1e-2f3a-4e5b-8c9d-1a2b3c4d5e6f"),
         "needs an API key"),
        (("pleo_connection", "X", "--company-id", "0b7d4c1e-2f3a-4e5b-8c9d-1a2b3c4d5e6f",
          "--api-key-env", "UNSET_VARIABLE_FOR_TESTS"), "is empty or not set"),
        (("erp_connection", "Y"), "needs --kind"),
        (("erp_connection", "Y", "--kind", "beancount", "--set", "nonsense"), "NAME=VALUE"),
        (("erp_connection", "Y", "--kind", "beancount"), "ledger_path"),
        (("erp_connection", "Y", "--kind", "beancount", "--set", "ledger_path=x",
          "--set", "currency=DKK", "--secret-env", "password=HOME"), "has no secret 'password'"),
        (("integration", "Z"), "needs --pleo and --erp"),
        (("integration", "Z", "--pleo", "missing", "--erp", "missing"), "No Pleo connection"),
        (("job_status", "not-a-uuid"), "is not a job id"),
        (("job_status", "0b7d4c1e-2f3a-4e5b-8c9d-1a2b3c4d5e6f"), "No export job"),
        (("process_pending", "--integration", "ghost"), "No enabled integration"),
    ],
)  # fmt: skip
def test_bad_arguments_get_a_clear_message(db, args, message):
    with pytest.raises(CommandError, match=message):
        call(*args)


def test_mappings_are_imported_all_or_nothing(integration, tmp_path):
    before = integration.mappings.count()
    bad = tmp_path / "bad.csv"
    bad.write_text("kind,pleo_key,erp_key\naccount,6000,Expenses:Meals\nplanet,x,y\n")

    with pytest.raises(CommandError, match="Line 3: kind 'planet'"):
        call("integration", integration.name, "--mappings", str(bad))

    assert integration.mappings.count() == before

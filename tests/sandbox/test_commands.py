from __future__ import annotations

import subprocess

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from exporthub.sandbox.models import AccountingEntry, Company, ExportJob
from tests.processes import PYTHON, ROOT, child_env


def output_values(text: str) -> dict[str, str]:
    return dict(line.split("=", 1) for line in text.strip().splitlines())


def test_it_seeds_a_company(db, capsys):
    call_command("sandbox_seed", "--company", "Seeded ApS", "--entries", "12", "--seed", "4")
    values = output_values(capsys.readouterr().out)
    company = Company.objects.get(name="Seeded ApS")
    assert values["company_id"] == str(company.uuid)
    assert values["api_key"].startswith("plp_")
    assert AccountingEntry.objects.filter(company=company).count() == 12


def test_it_exports_from_the_command(db, capsys):
    call_command("sandbox_seed", "--company", "Export ApS", "--entries", "3")
    company_id = output_values(capsys.readouterr().out)["company_id"]
    call_command("sandbox_export", "--company", company_id)
    job_id = capsys.readouterr().out.strip()
    assert ExportJob.objects.get(uuid=job_id).number_of_items == 3
    with pytest.raises(CommandError, match="EXPORT_ALREADY_IN_PROGRESS"):
        call_command("sandbox_export", "--company", company_id)


@pytest.mark.parametrize(
    "args, message",
    [
        (["sandbox_export", "--company", "not-a-uuid"], "not a company id"),
        (
            ["sandbox_export", "--company", "00000000-0000-4000-8000-000000000000"],
            "No sandbox company",
        ),
        (["sandbox_seed", "--company", "X", "--entries", "-5"], "between 0"),
        (["sandbox_seed", "--company", "X", "--currency", "EURO"], "three-letter"),
    ],
)
def test_it_explains_bad_arguments(db, args, message):
    with pytest.raises(CommandError, match=message):
        call_command(*args)


def test_it_exits_non_zero_without_a_traceback(db):
    result = subprocess.run(
        [PYTHON, "manage.py", "sandbox_export", "--company", "nope"],
        cwd=ROOT,
        env=child_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "not a company id" in result.stderr
    assert "Traceback" not in result.stderr

"""CSV exports cannot carry spreadsheet formulas; mapping imports refuse malformed files whole."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.html import escape

from exporthub.core.activity import log_activity
from exporthub.core.csv_cells import neutralise, restore
from exporthub.sync import mapping_csv
from exporthub.sync.mapping_csv import MappingImportError, import_mappings


@pytest.mark.parametrize("cell", ["=1+1", "+45 1234", "-2+3", "@SUM(A1)", "\t=cmd", "\r=cmd"])
def test_cells_that_start_a_formula_are_escaped_and_read_back(cell):
    assert neutralise(cell) == "'" + cell
    assert restore(neutralise(cell)) == cell


def test_other_cells_and_numbers_are_left_alone():
    assert [neutralise(v) for v in ["Meals", "6840", -12, "", "a=b"]] == [
        "Meals",
        "6840",
        -12,
        "",
        "a=b",
    ]


def rows_of(response) -> list[list[str]]:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return list(csv.reader(io.StringIO(body.decode())))


def test_the_mapping_export_escapes_formulas_and_imports_back_unchanged(
    client, admin_user, integration
):
    integration.mappings.create(kind="vendor", pleo_key='=HYPERLINK("x")', erp_key="@V1")
    client.force_login(admin_user)

    exported = client.get(reverse("dashboard:mapping-export", args=[integration.pk]))
    cells = [cell for row in rows_of(exported) for cell in row]
    assert '\'=HYPERLINK("x")' in cells and "'@V1" in cells
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in cells)

    integration.mappings.filter(kind="vendor").delete()
    import_mappings(integration, io.StringIO(exported.content.decode()))
    assert integration.mappings.filter(
        kind="vendor", pleo_key='=HYPERLINK("x")', erp_key="@V1"
    ).exists()


def test_the_activity_csv_escapes_formulas_and_redacts_exactly_like_the_page(
    client, accountant, integration
):
    company = integration.pleo_connection.company_id
    log_activity(
        "dashboard.test",
        actor_label="=cmd|' /C calc'!A0",
        company_id=company,
        after={"message": "Tryton said: Authorization: Bearer abcdefgh12345678 for 'x'"},
        detail='api_key="s3cr3t" and a password=hunter22',
    )
    client.force_login(accountant)

    page = client.get(reverse("dashboard:activity-list")).content.decode()
    rows = rows_of(client.get(reverse("dashboard:activity-export")))
    row = next(r for r in rows if r[2] == "dashboard.test")

    assert row[1] == "'=cmd|' /C calc'!A0"
    for secret in ("abcdefgh12345678", "s3cr3t", "hunter22"):
        assert secret not in page
        assert secret not in ",".join(row)
    redacted = "api_key=[redacted] and a password=[redacted]"
    assert redacted in row[8] and escape(redacted) in page  # redacted alike in page and file


def upload(client, integration, body: bytes):
    return client.post(
        reverse("dashboard:mapping-import", args=[integration.pk]),
        {"file": SimpleUploadedFile("mappings.csv", body, content_type="text/csv")},
        follow=True,
    )


HEADER = "kind,pleo_key,pleo_label,erp_key,erp_label\n"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (HEADER + "account,6000,Meals,6840,Meals\naccount,6100\n", "Line 3: 2 fields"),
        (HEADER + 'account,6000,"Meals,6840,Meals\n', "malformed"),
        (HEADER + 'account,6000,"Meals"x,6840,Meals\n', "malformed"),
        (HEADER + f"account,6000,{'x' * 300},6840,Meals\n", "limited to 255"),
        (HEADER + f"account,6000,{'x' * 200_000},6840,Meals\n", "malformed"),
        (HEADER + "account,6000,,6840,\naccount,6000,,6850,\n", "already on line 2"),
    ],
    ids=["short row", "open quote", "stray quote", "long field", "huge field", "duplicate"],
)
def test_a_malformed_mapping_file_imports_nothing_and_says_why(
    client, admin_user, integration, body, message
):
    before = set(integration.mappings.values_list("kind", "pleo_key", "erp_key"))
    client.force_login(admin_user)

    answer = upload(client, integration, body.encode())

    page = answer.content.decode()
    assert answer.status_code == 200
    assert "Nothing was imported" in page and message in page
    assert set(integration.mappings.values_list("kind", "pleo_key", "erp_key")) == before


def test_a_mapping_file_over_the_size_limit_is_refused_unread(
    client, admin_user, integration, monkeypatch
):
    monkeypatch.setattr(mapping_csv, "MAX_IMPORT_BYTES", 1000)
    monkeypatch.setattr("exporthub.dashboard.views.mappings.MAX_IMPORT_BYTES", 1000)
    client.force_login(admin_user)
    before = integration.mappings.count()

    answer = upload(client, integration, (HEADER + "tag,a:b,,c:d,\n" * 100).encode())

    assert "Nothing was imported: the file is larger than" in answer.content.decode()
    assert integration.mappings.count() == before


def test_the_command_line_import_has_the_same_size_limit(integration, monkeypatch):
    monkeypatch.setattr(mapping_csv, "MAX_IMPORT_BYTES", 1000)

    with pytest.raises(MappingImportError, match="larger than"):
        import_mappings(
            integration, io.StringIO(HEADER + "".join(f"tag,a:{n},,c:d,\n" for n in range(100)))
        )

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import httpx
import pytest

from devtools.tryton.localserver import free_port
from exporthub.connectors.base import (
    AuthenticationError,
    Party,
    PermanentError,
    RetryableError,
    TagUnknownError,
    TaxCodeUnknownError,
    VendorUnknownError,
)
from exporthub.connectors.registry import build_connector
from tests.connectors.conftest import TRYTON_CHART, tryton_config
from tests.connectors.entries import PDF, make_entry

MOVE_FIELDS = [
    "number",
    "state",
    "description",
    "lines.debit",
    "lines.credit",
    "lines.account.code",
    "lines.party.name",
    "lines.tax_lines.type",
    "lines.tax_lines.amount",
    "lines.tax_lines.tax.name",
    "lines.analytic_lines.account.code",
]


@pytest.fixture
def connector(tryton_backend):
    return tryton_backend.connector


def raised_by(call, *args):
    try:
        call(*args)
    except Exception as exc:  # the test asserts on the type
        return exc
    return None


def test_it_posts_a_move_with_tax_lines_party_and_analytic_lines(connector):
    entry = make_entry(TRYTON_CHART)

    ref = connector.post(entry)
    move = connector.client.read("account.move", int(ref.id), MOVE_FIELDS)

    lines = {line["account"]["code"]: line for line in move["lines"]}
    assert move["state"] == "posted"
    assert ref.label == move["number"] != ""
    assert move["description"].startswith(f"pleo:{entry.pleo_id} ")
    assert sum(line["debit"] for line in move["lines"]) == Decimal("100.00")
    assert sum(line["credit"] for line in move["lines"]) == Decimal("100.00")
    assert [(t["type"], t["amount"], t["tax"]["name"]) for t in lines["5.1.3"]["tax_lines"]] == [
        ("base", Decimal("80.00"), "VAT25")
    ]
    assert [(t["type"], t["amount"]) for t in lines["6.3.6"]["tax_lines"]] == [
        ("tax", Decimal("20.00"))
    ]
    assert lines["2.1.1"]["party"]["name"] == "Restaurant X"
    assert [a["account"]["code"] for a in lines["5.1.3"]["analytic_lines"]] == ["SALES"]


def test_it_books_on_a_known_vendor_by_code(connector):
    entry = make_entry(TRYTON_CHART, party=Party("Known Supplier", code="SUP-1"))

    ref = connector.post(entry)
    move = connector.client.read("account.move", int(ref.id), ["lines.party.name"])

    assert {line["party"]["name"] for line in move["lines"] if line["party"]} == {
        "Known Supplier AS"
    }


def test_it_attaches_the_receipt(connector):
    ref = connector.post(make_entry(TRYTON_CHART))

    attachments = connector.client.search(
        "ir.attachment", [("resource", "=", f"account.move,{ref.id}")], ["name", "data"]
    )

    assert [(a["name"], a["data"]) for a in attachments] == [("receipt lunch.pdf", PDF)]


def test_it_completes_a_move_left_in_draft_by_an_earlier_attempt(connector, tryton_backend):
    entry = make_entry(TRYTON_CHART)
    connector.ensure_valid(entry)
    draft = connector.client.create("account.move", connector._move_values(entry), ["state"])

    ref = connector.post(entry)

    assert ref.id == str(draft["id"])
    assert connector.client.read("account.move", draft["id"], ["state"])["state"] == "posted"
    assert tryton_backend.count(entry.pleo_id) == 1
    assert len(connector.client.search("ir.attachment", [], ["id"])) == 1


def test_it_gives_an_external_url_that_resolves(connector, tryton_server):
    ref = connector.post(make_entry(TRYTON_CHART))

    response = httpx.get(ref.url, headers={"Authorization": f"Bearer {tryton_server.api_key}"})

    assert response.status_code == 200
    assert response.json()["id"] == int(ref.id)


def test_it_links_into_the_web_client_when_configured(tryton_server, tryton_database):
    config = tryton_config(tryton_server, tryton_database, web_url="https://erp.example.test")
    with build_connector(config) as connector:
        ref = connector.post(make_entry(TRYTON_CHART))

    assert ref.url == f"https://erp.example.test/#{tryton_database}/model/account.move/{ref.id}"


def test_it_maps_a_bad_key_to_an_authentication_failure(tryton_server, tryton_database):
    config = tryton_config(tryton_server, tryton_database, api_key="0" * 128)
    with build_connector(config) as connector:
        error = raised_by(connector.check_connection)

    assert isinstance(error, AuthenticationError)
    assert error.failure_mode == "config"
    assert error.reason_type == "accounting_system_authentication_failure"
    assert error.job_reason_type == "accounting_system_authentication_failure"
    assert "0" * 128 not in error.message + error.detail


def test_it_maps_a_server_that_is_down_to_unreachable(tryton_server):
    config = tryton_config(tryton_server, "pleo", url=f"http://127.0.0.1:{free_port()}")
    with build_connector(config) as connector:
        error = raised_by(connector.post, make_entry(TRYTON_CHART))

    assert isinstance(error, RetryableError)
    assert error.reason_type == "accounting_system_unreachable"
    assert error.job_reason_type == "accounting_system_unreachable"


def test_it_maps_an_unknown_database_to_a_config_error(tryton_server):
    config = tryton_config(tryton_server, "no_such_database")
    with build_connector(config) as connector:
        error = raised_by(connector.check_connection)

    assert error.failure_mode == "config"
    assert error.reason_type == "invalid_configuration"


def test_it_passes_on_trytons_own_validation_message(connector):
    values = connector._move_values(make_entry(TRYTON_CHART))
    values["date"] = dt.date(2024, 4, 28)  # outside the period the move names

    error = raised_by(connector.client.create, "account.move", values)

    assert type(error) is PermanentError
    assert error.reason_type == "accounting_system_validation_failure"
    assert 'for field "Period"' in error.message


def test_it_refuses_a_date_without_an_open_period(connector):
    entry = make_entry(TRYTON_CHART, date=dt.date(2024, 4, 28))

    error = raised_by(connector.post, entry)

    assert isinstance(error, PermanentError)
    assert "no open accounting period for 2024-04-28" in error.message
    assert connector.find(entry.pleo_id) is None


@pytest.mark.parametrize(
    ("change", "error_class", "reason_type"),
    [
        ({"tax_code": "VAT99"}, TaxCodeUnknownError, "tax_code_unknown"),
        ({"dimensions": {"DEPT": "NOPE"}}, TagUnknownError, "tag_unknown"),
    ],
)
def test_it_refuses_unknown_master_data(
    connector, tryton_backend, change, error_class, reason_type
):
    entry = make_entry(TRYTON_CHART)
    first, *rest = entry.lines
    entry = entry.replace(lines=(first.__class__(**{**vars(first), **change}), *rest))

    error = raised_by(connector.post, entry)

    assert isinstance(error, error_class)
    assert error.reason_type == reason_type
    assert tryton_backend.count(entry.pleo_id) == 0


def test_it_refuses_a_vendor_code_tryton_does_not_know(connector, tryton_backend):
    entry = make_entry(TRYTON_CHART, party=Party("Ghost Ltd", code="SUP-404"))

    error = raised_by(connector.post, entry)

    assert isinstance(error, VendorUnknownError)
    assert error.reason_type == "vendor_unknown"
    assert tryton_backend.count(entry.pleo_id) == 0


def test_it_fetches_master_data(connector):
    data = connector.fetch_master_data()

    accounts = {account.code: account for account in data.accounts}
    assert accounts["5.1.3"].kind == "expense"
    assert accounts["2.1.1"].kind == "payable"
    assert [(tax.code, tax.rate) for tax in data.taxes] == [("VAT25", Decimal("0.25"))]
    this_year = dt.date.today().year  # the fiscal years the template was built with
    assert [period.name for period in data.periods][:2] == [
        f"{this_year - 1}-01",
        f"{this_year - 1}-02",
    ]
    assert len(data.periods) == 24  # last year and this one, so 90 days back always fit
    assert {(d.group, d.code) for d in data.dimensions} == {
        ("DEPT", "SALES"),
        ("DEPT", "OPS"),
        ("PROJECT", "APOLLO"),
    }
    assert "SUP-1" in {party.code for party in data.parties}

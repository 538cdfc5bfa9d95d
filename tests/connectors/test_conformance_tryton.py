"""The conformance kit against a real trytond server: one database for the whole class."""

from __future__ import annotations

from decimal import Decimal

import pytest

from devtools.tryton.localserver import free_port
from exporthub.connectors.registry import build_connector
from exporthub.connectors.testing import (
    Chart,
    ConnectorConformance,
    Posted,
    PostedLine,
    Supports,
    Target,
)
from exporthub.connectors.tryton.client import TrytonClient
from tests.connectors.conftest import tryton_config

CHART = Chart(
    expense="5.1.3",  # Services, in Tryton's generic English chart
    other_expense="5.1.1",
    input_vat="6.3.6",
    output_vat="2.2.3",  # Accrued Taxes
    payable="2.1.1",  # Trade Payables (party required)
    standard_tax="VAT25",
    zero_tax="VAT0",
    reverse_charge_tax="RC25",
    dimension=("DEPT", "SALES"),  # analytic account SALES under root DEPT
)


def add_taxes(client: TrytonClient, company_id: int) -> None:
    """The template has VAT25; the corpus also uses a zero rate and a reverse-charge tax."""
    (vat,) = client.search("account.account", [("code", "=", CHART.input_vat)], ["id"])
    for name, description in (("VAT0", "Purchase VAT 0 %"), ("RC25", "Reverse charge 25 %")):
        client.create(
            "account.tax",
            {
                "name": name,
                "description": description,
                "type": "percentage",
                "rate": Decimal("0.25") if name == "RC25" else Decimal(0),
                "invoice_account": vat["id"],
                "credit_note_account": vat["id"],
                "company": company_id,
            },
        )


def read_moves(client: TrytonClient):
    """Every move for a Pleo id, with its lines and attachments, read over Tryton's REST API."""
    (company,) = client.search("company.company", [], ["currency.code"], limit=1)
    currency = company["currency"]["code"]

    def read(pleo_id: str) -> list[Posted]:
        prefix = f"pleo:{pleo_id} "
        moves = client.search(
            "account.move", [("description", "like", f"{prefix}%")], ["description"]
        )
        found = []
        for move in moves:
            if not move["description"].startswith(prefix):
                continue
            lines = client.search(
                "account.move.line",
                [("move", "=", move["id"])],
                ["account.code", "debit", "credit"],
            )
            files = client.search(
                "ir.attachment", [("resource", "=", f"account.move,{move['id']}")], ["data"]
            )
            found.append(
                Posted(
                    id=str(move["id"]),
                    currency=currency,
                    lines=tuple(
                        PostedLine(line["account"]["code"], line["debit"], line["credit"])
                        for line in lines
                    ),
                    text=move["description"],
                    receipts=tuple(attachment["data"] for attachment in files),
                )
            )
        return found

    return read


@pytest.fixture(scope="module")
def tryton_target(tryton_server):
    """One database for every test of the module: each test uses its own Pleo ids."""
    database = tryton_server.clone()
    client = TrytonClient(tryton_server.url, database, tryton_server.api_key)
    add_taxes(client, tryton_server.company_id)
    yield Target(
        connect=lambda: build_connector(tryton_config(tryton_server, database)),
        read=read_moves(client),
        chart=CHART,
        misconfigured=lambda: build_connector(
            tryton_config(tryton_server, database, api_key="not-the-key")
        ),
        unreachable=lambda: build_connector(
            tryton_config(tryton_server, database, url=f"http://127.0.0.1:{free_port()}")
        ),
        # The test company books in EUR only.
        supports=Supports(currencies=frozenset({"EUR"})),
    )
    client.close()
    tryton_server.drop(database)


class TestTrytonConformance(ConnectorConformance):
    @pytest.fixture
    def target(self, tryton_target) -> Target:
        return tryton_target

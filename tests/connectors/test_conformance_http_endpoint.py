"""The conformance kit against the reference receiver (docs/examples/http_receiver.py), a real
process that downloads every receipt through the hub's signed links; read back with sqlite3."""

from __future__ import annotations

import sqlite3
import threading
from decimal import Decimal
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.test import override_settings

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
from tests.connectors.conftest import http_endpoint_config
from tests.connectors.receiver import Receiver

CHART = Chart(
    expense="6840",
    other_expense="6850",
    input_vat="2640",
    output_vat="2710",
    payable="5820",
    standard_tax="VAT25",
    zero_tax="VAT0",
    reverse_charge_tax="RC25",
)
RECEIVER_CHART = {
    "accounts": [
        {"code": code, "name": name}
        for code, name in (
            ("6840", "Meals"),
            ("6850", "Travel"),
            ("2640", "Input VAT"),
            ("2710", "Output VAT"),
            ("5820", "Pleo card"),
        )
    ],
    "taxCodes": [{"code": code} for code in ("VAT25", "VAT0", "RC25")],
}


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    """The hub's receipt links, served over a socket (the view needs no database)."""
    server = make_server(
        "127.0.0.1",
        0,
        WSGIHandler(),
        server_class=_ThreadingWSGIServer,
        handler_class=_QuietHandler,
    )
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
    )
    thread.start()
    data = tmp_path_factory.mktemp("hub-data")
    with override_settings(PUBLIC_URL=f"http://127.0.0.1:{server.server_port}", DATA_DIR=data):
        yield
    server.shutdown()
    server.server_close()


def read_receiver(receiver: Receiver):
    """Every posting for a Pleo id, its lines and downloaded receipts, straight from SQLite."""

    def read(pleo_id: str) -> list[Posted]:
        with sqlite3.connect(receiver.db) as db:
            postings = db.execute(
                "SELECT external_id, currency, text FROM postings WHERE pleo_id = ?", (pleo_id,)
            ).fetchall()
            lines = db.execute(
                "SELECT account, debit, credit FROM lines WHERE pleo_id = ? ORDER BY line_no",
                (pleo_id,),
            ).fetchall()
            files = db.execute(
                "SELECT content FROM receipts WHERE pleo_id = ?", (pleo_id,)
            ).fetchall()
        return [
            Posted(
                id=external_id,
                currency=currency,
                lines=tuple(
                    PostedLine(account, Decimal(debit), Decimal(credit))
                    for account, debit, credit in lines
                ),
                text=text,
                receipts=tuple(content for (content,) in files),
            )
            for external_id, currency, text in postings
        ]

    return read


@pytest.fixture(scope="module")
def http_target(hub, tmp_path_factory):
    receiver = Receiver(tmp_path_factory.mktemp("receiver") / "books.sqlite3", RECEIVER_CHART)
    receiver.start("--fetch-receipts")

    def wrong_secret():
        config = http_endpoint_config(receiver.url)
        config.set_secret("signing_secret", "whsec_" + "bm90IHRoZSBzZWNyZXQ=")
        return build_connector(config)

    yield Target(
        connect=lambda: build_connector(http_endpoint_config(receiver.url, timeout=30)),
        read=read_receiver(receiver),
        chart=CHART,
        misconfigured=wrong_secret,
        unreachable=lambda: build_connector(
            http_endpoint_config(f"http://127.0.0.1:{free_port()}/entries")
        ),
        # The receiver publishes accounts and tax codes (and refuses others); it has no
        # dimensions and records parties as given.
        supports=Supports(dimensions=False, vendors=False, reads_back=False),
    )
    receiver.stop()


class TestHttpEndpointConformance(ConnectorConformance):
    @pytest.fixture
    def target(self, http_target) -> Target:
        return http_target

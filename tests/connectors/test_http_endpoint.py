"""The HTTP endpoint connector's protocol: signatures, idempotency key, answers, errors, links.

Answers a receiver may give come from a small server on a real socket that answers as each test
says (`Canned`); the reference receiver covers the rest (test_contract.py, tests/sync).
"""

from __future__ import annotations

import datetime as dt
import email.utils
import json
import os
import socket
import threading
import time
from collections.abc import Callable
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.urls import reverse

from exporthub.connectors import receipt_links
from exporthub.connectors.base import (
    AccountUnknownError,
    Amount,
    AuthenticationError,
    AuthorizationError,
    ConfigError,
    ConnectorError,
    JournalLine,
    MissingConfigError,
    PermanentError,
    RateLimitedError,
    ReceiptTooLargeError,
    ReceiptUploadError,
    SystemTimeoutError,
    UnreachableError,
)
from exporthub.connectors.http_endpoint.connector import (
    PROBLEM_ERRORS,
    PROBLEM_TYPE_PREFIX,
)
from exporthub.connectors.models import ConnectorConfig
from exporthub.connectors.registry import build_connector
from exporthub.core.reason_types import ITEM_REASON_TYPES
from exporthub.core.webhook_signing import verify
from tests.connectors.conftest import HTTP_CHART, http_endpoint_config
from tests.connectors.entries import PDF, make_entry
from tests.connectors.receiver import SECRET, check_bodies_against_schema, schema_validator
from tests.processes import ROOT

Answer = tuple[int, dict[str, str], bytes]
JSON = {"Content-Type": "application/json"}
PROBLEM = {"Content-Type": "application/problem+json"}


class Canned:
    """An HTTP server on a free port answering with `answer(method, path)`; keeps the requests."""

    def __init__(self, answer: Callable[[str, str], Answer]) -> None:
        self.answer = answer
        self.requests: list[tuple[str, str, dict[str, str], bytes]] = []
        canned = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def respond(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = {name.lower(): value for name, value in self.headers.items()}
                canned.requests.append((self.command, self.path, headers, body))
                status, extra, content = canned.answer(self.command, self.path)
                self.send_response(status)
                for name, value in {**extra, "Content-Length": str(len(content))}.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(content)

            do_GET = do_POST = respond

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/entries"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def canned():
    servers: list[Canned] = []

    def start(answer: Callable[[str, str], Answer]) -> Canned:
        servers.append(Canned(answer))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


@pytest.fixture(autouse=True)
def bodies(monkeypatch, hub_data_dir):
    return check_bodies_against_schema(monkeypatch)


def answering_posts_with(status: int, headers: dict[str, str], body: bytes):
    """Find says 404, the description is empty, a POST gets the given answer."""

    def answer(method: str, path: str) -> Answer:
        if method == "POST":
            return status, headers, body
        if path == "/entries":
            return 200, JSON, b"{}"
        return 404, PROBLEM, b'{"title": "Not found"}'

    return answer


def post_to(server: Canned, **settings):
    entry = make_entry(HTTP_CHART)
    with build_connector(http_endpoint_config(server.url, **settings)) as connector:
        return entry, connector.post(entry)


def test_it_signs_every_request_and_keys_the_post_by_the_pleo_id(canned):
    server = canned(
        answering_posts_with(
            201, JSON, b'{"externalId": "JE-7", "externalUrl": "https://erp.example/je/7"}'
        )
    )

    entry, ref = post_to(server)

    assert (ref.id, ref.url) == ("JE-7", "https://erp.example/je/7")
    methods = [(method, path) for method, path, _headers, _body in server.requests]
    assert methods == [
        ("GET", f"/entries/{entry.pleo_id}"),  # find first
        ("GET", "/entries"),  # the receiver's chart, for validation
        ("POST", "/entries"),
    ]
    for _method, _path, headers, body in server.requests:
        assert verify(SECRET, headers, body).startswith("msg_")
    _method, _path, headers, body = server.requests[-1]
    assert headers["idempotency-key"] == entry.pleo_id
    assert headers["content-type"] == "application/json"
    sent = json.loads(body)
    assert sent["pleoId"] == entry.pleo_id
    assert [(line["account"], line["debit"], line["credit"]) for line in sent["lines"]] == [
        ("6840", "80.00", "0.00"),
        ("2640", "20.00", "0.00"),
        ("5820", "0.00", "100.00"),
    ]
    assert sent["lines"][0]["taxAmount"] == "20.00" and sent["lines"][1]["isTax"] is True
    assert sent["lines"][0]["dimensions"] == {"DEPT": "SALES"}
    assert sent["walletAmount"] == {"value": "100.00", "currency": "EUR"}


@pytest.mark.parametrize(
    ("status", "headers", "body", "error", "reason_type", "message"),
    [
        (
            422,
            PROBLEM,
            {
                "type": PROBLEM_TYPE_PREFIX + "account_unknown",
                "title": "Unknown account",
                "detail": "Account 6840 is closed.",
                "erpKey": "6840",
            },
            AccountUnknownError,
            "account_unknown",
            "Account 6840 is closed.",
        ),
        (
            413,
            PROBLEM,
            {"type": PROBLEM_TYPE_PREFIX + "receipt_file_size_limit_exceeded", "title": "Big"},
            ReceiptTooLargeError,
            "receipt_file_size_limit_exceeded",
            "Big",
        ),
        (
            422,
            PROBLEM,
            {"type": PROBLEM_TYPE_PREFIX + "receipt_download_failure", "detail": "No PDF."},
            ReceiptUploadError,
            "receipt_download_failure",
            "No PDF.",
        ),
        (
            422,
            PROBLEM,
            {"type": "https://erp.example/problems/period-closed", "detail": "April is closed."},
            PermanentError,
            "accounting_system_validation_failure",
            "April is closed.",
        ),
        (
            400,
            PROBLEM,
            {"title": "Bad entry"},
            PermanentError,
            "accounting_system_validation_failure",
            "Bad entry",
        ),
        (
            401,
            PROBLEM,
            {"title": "Who are you?"},
            AuthenticationError,
            "accounting_system_authentication_failure",
            "Who are you?",
        ),
        (
            403,
            {"Content-Type": "text/html"},
            "<h1>No</h1>",
            AuthorizationError,
            "authorization_failure",
            "The receiving system refused the entry with HTTP 403.",
        ),
        (
            409,
            {"Content-Type": "text/plain"},
            "conflict",
            PermanentError,
            "accounting_system_validation_failure",
            "The receiving system refused the entry with HTTP 409.",
        ),
    ],
)
def test_a_refusal_fails_the_entry_with_the_problems_reason_type(
    canned, status, headers, body, error, reason_type, message
):
    content = body.encode() if isinstance(body, str) else json.dumps(body).encode()
    server = canned(answering_posts_with(status, headers, content))

    with pytest.raises(error) as raised:
        post_to(server)

    assert type(raised.value) is error
    assert raised.value.reason_type == reason_type
    assert raised.value.message == message
    assert raised.value.erp_key == (body.get("erpKey", "") if isinstance(body, dict) else "")
    assert f"HTTP {status}" in raised.value.detail


def http_date(seconds_ahead: int) -> str:
    return email.utils.format_datetime(
        dt.datetime.now(dt.UTC) + dt.timedelta(seconds=seconds_ahead), usegmt=True
    )


@pytest.mark.parametrize(
    ("status", "retry_after", "error", "expected"),
    [
        (503, "7", UnreachableError, 7.0),
        (429, "90-date", RateLimitedError, 90.0),
        (408, None, SystemTimeoutError, None),
        (500, "soon", UnreachableError, None),
    ],
)
def test_transient_answers_are_retried_when_the_receiver_says(
    canned, status, retry_after, error, expected
):
    headers = {"Content-Type": "text/plain"}
    if retry_after == "90-date":
        headers["Retry-After"] = http_date(90)
    elif retry_after:
        headers["Retry-After"] = retry_after
    server = canned(answering_posts_with(status, headers, b"busy"))

    with pytest.raises(error) as raised:
        post_to(server)

    assert raised.value.failure_mode == "exceeded"
    if expected is None:
        assert raised.value.retry_after is None
    else:
        assert expected - 2 <= raised.value.retry_after <= expected


def test_a_receiver_that_never_answers_is_a_timeout():
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(1)  # accepts connections into the backlog, never reads or answers
    url = f"http://127.0.0.1:{silent.getsockname()[1]}/entries"
    try:
        connector = build_connector(http_endpoint_config(url, timeout=0.3))
        with connector, pytest.raises(SystemTimeoutError) as raised:
            connector.find("anything")
    finally:
        silent.close()
    assert raised.value.reason_type == "accounting_system_timeout"


def test_a_receiver_that_is_not_there_is_unreachable():
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{closed.getsockname()[1]}/entries"
    closed.close()

    connector = build_connector(http_endpoint_config(url))
    with connector, pytest.raises(UnreachableError) as raised:
        connector.check_connection()

    assert raised.value.reason_type == "accounting_system_unreachable"


@pytest.mark.parametrize(
    "body",
    [b"<html>Saved!</html>", b'{"id": "JE-1"}', b'{"externalId": ""}', b"[1, 2]", b'"JE-1"'],
)
def test_a_success_without_an_external_id_is_a_clear_error_not_a_crash(canned, body):
    server = canned(answering_posts_with(201, JSON, body))

    with pytest.raises(ConnectorError) as raised:
        post_to(server)

    assert type(raised.value) is ConnectorError  # recorded as internal: a receiver bug
    assert "without an externalId" in raised.value.message
    assert raised.value.detail.startswith("HTTP 201: ")


def test_a_redirect_is_never_followed(canned):
    elsewhere = canned(lambda method, path: (200, JSON, b'{"externalId": "stolen"}'))
    server = canned(lambda method, path: (307, {"Location": elsewhere.url + "/x"}, b""))

    with pytest.raises(ConfigError) as raised:
        post_to(server)

    assert "redirects are not followed" in raised.value.message
    assert elsewhere.requests == []


def test_find_answers_none_for_404_and_the_reference_for_200(canned):
    server = canned(
        lambda method, path: (
            (200, JSON, b'{"externalId": 42, "externalUrl": "https://erp.example/42"}')
            if path.endswith("/known")
            else (404, PROBLEM, b"{}")
        )
    )
    with build_connector(http_endpoint_config(server.url)) as connector:
        assert connector.find("unknown") is None
        found = connector.find("known")
    assert (found.id, found.url) == ("42", "https://erp.example/42")


def test_it_refuses_to_start_without_url_or_secret_or_with_a_broken_secret():
    with pytest.raises(MissingConfigError, match="url, signing_secret"):
        build_connector(ConnectorConfig(name="x", kind="http_endpoint", settings={}))
    config = ConnectorConfig(name="x", kind="http_endpoint", settings={"url": "http://a.example"})
    config.set_secret("signing_secret", "whsec_not base64!")
    with pytest.raises(ConfigError, match="cannot sign anything"):
        build_connector(config)


def test_a_wrong_secret_is_an_authentication_error_at_the_connection_check(receiver):
    receiver.start()
    config = http_endpoint_config(receiver.url)
    config.set_secret("signing_secret", "whsec_" + "d3Jvbmcgc2VjcmV0")

    connector = build_connector(config)
    with connector, pytest.raises(AuthenticationError) as raised:
        connector.check_connection()

    assert raised.value.reason_type == "accounting_system_authentication_failure"
    assert raised.value.message == "Bad signature."


def test_amounts_are_exact_decimal_strings_in_each_currencys_precision(bodies):
    config = http_endpoint_config("http://127.0.0.1:9/entries")
    yen = make_entry(HTTP_CHART, currency="JPY", wallet_amount=Amount(Decimal("1200"), "JPY"))
    yen = yen.replace(
        lines=(
            JournalLine("6840", debit=Decimal("1091")),
            JournalLine("2640", debit=Decimal("109"), is_tax=True),
            JournalLine("5820", credit=Decimal("1200")),
        )
    )
    dinar = yen.replace(
        currency="KWD",
        wallet_amount=Amount(Decimal("12.345"), "KWD"),
        supplier_amount=Amount(Decimal("40.10"), "EUR"),
        lines=(
            JournalLine("6840", debit=Decimal("12.345"), tax_amount=Decimal("0.1")),
            JournalLine("5820", credit=Decimal("12.345")),
        ),
    )
    with build_connector(config) as connector:
        yen_body, dinar_body = connector.body(yen), connector.body(dinar)

    assert [(line["debit"], line["credit"]) for line in yen_body["lines"]] == [
        ("1091", "0"),
        ("109", "0"),
        ("0", "1200"),
    ]
    assert yen_body["walletAmount"] == {"value": "1200", "currency": "JPY"}
    assert [(line["debit"], line["credit"]) for line in dinar_body["lines"]] == [
        ("12.345", "0.000"),
        ("0.000", "12.345"),
    ]
    assert dinar_body["lines"][0]["taxAmount"] == "0.100"
    assert dinar_body["supplierAmount"] == {"value": "40.10", "currency": "EUR"}
    assert len(bodies) == 2  # both passed the schema


def test_the_problem_table_names_pleo_reason_types_and_the_docs_show_all_of_it():
    assert set(PROBLEM_ERRORS) <= ITEM_REASON_TYPES
    docs = (ROOT / "docs" / "http-endpoint.md").read_text()
    for reason in PROBLEM_ERRORS:
        assert f"`{PROBLEM_TYPE_PREFIX}{reason}`" in docs, reason
    assert docs.count(f"`{PROBLEM_TYPE_PREFIX}") == len(PROBLEM_ERRORS)


def test_the_schema_is_a_valid_2020_12_schema_and_refuses_float_amounts():
    validator = schema_validator()
    with build_connector(http_endpoint_config("http://127.0.0.1:9/entries")) as connector:
        body = connector.body(make_entry(HTTP_CHART))
    body["lines"][0]["debit"] = 80.0
    assert not validator.is_valid(body)


# -- receipt links ------------------------------------------------------------------------------


def link_path(url: str) -> str:
    return url.removeprefix("http://testserver")


@pytest.fixture
def public_testserver(settings):
    settings.PUBLIC_URL = "http://testserver"


def test_a_receipt_link_serves_the_file_without_a_session(client, public_testserver):
    stored = receipt_links.publish(PDF, "lunch receipt.pdf", "application/pdf", valid_for=60)

    response = client.get(link_path(stored.url))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "sandbox" in response["Content-Security-Policy"]
    assert stored.url.startswith("http://testserver/receipts/")
    files = list(receipt_links.receipts_dir().iterdir())
    assert [path.name for path in files] == [stored.sha256]
    assert files[0].stat().st_mode & 0o777 == 0o600


def test_the_same_receipt_is_stored_once(public_testserver):
    first = receipt_links.publish(PDF, "a.pdf", "application/pdf", valid_for=60)
    second = receipt_links.publish(PDF, "b.pdf", "application/pdf", valid_for=60)

    assert first.url != second.url
    assert len(list(receipt_links.receipts_dir().iterdir())) == 1


def test_an_expired_link_is_gone_and_a_tampered_one_forbidden(client, public_testserver):
    expired = receipt_links.publish(PDF, "a.pdf", "application/pdf", valid_for=-1)
    fresh = receipt_links.publish(PDF, "a.pdf", "application/pdf", valid_for=60)
    token = fresh.url.rstrip("/").rsplit("/", 1)[1]
    tampered = reverse("connectors:receipt", kwargs={"token": token[:-2] + "xx"})

    assert client.get(link_path(expired.url)).status_code == 410
    assert client.get(tampered).status_code == 403
    assert (
        client.get(reverse("connectors:receipt", kwargs={"token": "nonsense"})).status_code == 403
    )
    assert client.post(link_path(fresh.url)).status_code == 405


def test_a_link_to_a_file_the_hub_no_longer_keeps_is_not_found(client, public_testserver):
    stored = receipt_links.publish(PDF, "a.pdf", "application/pdf", valid_for=60)
    Path(receipt_links.receipts_dir() / stored.sha256).unlink()

    assert client.get(link_path(stored.url)).status_code == 404


def test_a_link_carries_its_expiry(public_testserver):
    before = time.time()
    stored = receipt_links.publish(PDF, "a.pdf", "application/pdf", valid_for=7 * 86400)
    assert before + 7 * 86400 - 1 <= stored.expires_at <= time.time() + 7 * 86400


def test_receipts_no_link_can_reach_are_pruned_and_a_relinked_one_is_kept(public_testserver):
    old = receipt_links.publish(PDF, "a.pdf", "application/pdf", valid_for=60)
    other = receipt_links.publish(b"another receipt", "b.pdf", "application/pdf", valid_for=60)
    folder = receipt_links.receipts_dir()
    month_ago = time.time() - (receipt_links.MAX_LINK_DAYS + 1) * 86400
    for stored in (old, other):
        os.utime(folder / stored.sha256, (month_ago, month_ago))
    receipt_links.publish(PDF, "a.pdf", "application/pdf", valid_for=60)  # linked again today

    assert receipt_links.prune() == 1

    assert sorted(path.name for path in folder.iterdir()) == [old.sha256]


def test_a_published_chart_of_odd_shape_is_read_as_far_as_it_makes_sense(canned):
    description = {"accounts": "all of them", "taxCodes": [{"code": "V25", "name": "VAT"}, 3, {}]}
    server = canned(lambda method, path: (200, JSON, json.dumps(description).encode()))

    with build_connector(http_endpoint_config(server.url)) as connector:
        data = connector.fetch_master_data()

    assert data.accounts == []
    assert [(tax.code, tax.name) for tax in data.taxes] == [("V25", "VAT")]

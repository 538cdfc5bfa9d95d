"""A reference receiver for exporthub's HTTP endpoint connector: standard library only, one file.

It implements docs/http-endpoint.md: verifies the Standard Webhooks signature of every request,
stores each posted journal entry in SQLite keyed by its Pleo id (a repeated POST returns the first
answer: idempotent), answers the find lookup, publishes its chart, and refuses entries it cannot
book with RFC 9457 problems. Start it, point an HTTP endpoint connection at the printed URL, and
adapt `book()` to write into your own system.

    EXPORTHUB_RECEIVER_SECRET=whsec_... python http_receiver.py --db postings.sqlite3 \
        --chart chart.json --port 8088

chart.json: {"accounts": [{"code": "6840", "name": "Meals"}, ...], "taxCodes": [{"code": ...}]};
without a chart every account and tax code is accepted. The chart is published on GET /entries,
so exporthub checks entries against it before posting (--unpublished-chart: refuse only).

Test switches: --fetch-receipts downloads every receipt link (and checks its SHA-256) before
storing the entry; --fail-posts N answers the first N POSTs with --fail-status (503) and
--retry-after; --die-after-write ends the process right after the entry is stored and before the
answer is sent, as a crash would.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import json
import os
import sqlite3
import sys
import threading
import time
import urllib.error
import urllib.request
from decimal import Decimal, InvalidOperation
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote

PROBLEM = "urn:exporthub:problem:"
TOLERANCE = 300  # seconds a signature's timestamp may be off
MAX_BODY = 1_000_000
SCHEMA = """
CREATE TABLE IF NOT EXISTS postings (
    pleo_id TEXT PRIMARY KEY, external_id TEXT NOT NULL UNIQUE, entry_date TEXT NOT NULL,
    currency TEXT NOT NULL, text TEXT NOT NULL, body TEXT NOT NULL, created_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS lines (
    pleo_id TEXT NOT NULL REFERENCES postings, line_no INTEGER NOT NULL, account TEXT NOT NULL,
    debit TEXT NOT NULL, credit TEXT NOT NULL, tax_code TEXT NOT NULL, tax_amount TEXT,
    is_tax INTEGER NOT NULL, dimensions TEXT NOT NULL, PRIMARY KEY (pleo_id, line_no));
CREATE TABLE IF NOT EXISTS receipts (
    pleo_id TEXT NOT NULL REFERENCES postings, name TEXT NOT NULL, sha256 TEXT NOT NULL,
    content BLOB);
"""


class Refused(Exception):
    """An answer other than success: HTTP status, problem type (a Pleo reason type), detail."""

    def __init__(self, status: int, reason: str, detail: str, erp_key: str = "", headers=None):
        super().__init__(detail)
        self.status, self.reason, self.detail, self.erp_key = status, reason, detail, erp_key
        self.headers = headers or {}


def verify(secret: str, headers, body: bytes) -> None:
    """Standard Webhooks: v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>"> with the key."""
    key = (
        base64.b64decode(secret.removeprefix("whsec_"))
        if secret.startswith("whsec_")
        else secret.encode()
    )
    msg_id = headers.get("webhook-id") or ""
    timestamp = headers.get("webhook-timestamp") or ""
    if not (msg_id and timestamp.isdigit() and headers.get("webhook-signature")):
        raise Refused(401, "accounting_system_authentication_failure", "Unsigned request.")
    if abs(time.time() - int(timestamp)) > TOLERANCE:
        raise Refused(401, "accounting_system_authentication_failure", "Stale signature.")
    signed = f"{msg_id}.{timestamp}.".encode() + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest())
    for candidate in headers["webhook-signature"].split():
        version, _, value = candidate.partition(",")
        if version == "v1" and hmac.compare_digest(value.encode(), expected):
            return
    raise Refused(401, "accounting_system_authentication_failure", "Bad signature.")


class Receiver:
    def __init__(self, args) -> None:
        self.args = args
        self.secret = os.environ.get("EXPORTHUB_RECEIVER_SECRET", "")
        if not self.secret:
            sys.exit("Set EXPORTHUB_RECEIVER_SECRET to the connection's signing secret.")
        self.chart = json.loads(Path(args.chart).read_text()) if args.chart else {}
        self.fails_left = args.fail_posts
        self.lock = threading.Lock()
        with self.db() as db:
            db.executescript(SCHEMA)

    def db(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.args.db, timeout=30, isolation_level=None)
        db.execute("PRAGMA foreign_keys = ON")
        return db

    def found(self, pleo_id: str, base: str) -> dict | None:
        with self.db() as db:
            row = db.execute(
                "SELECT external_id FROM postings WHERE pleo_id = ?", (pleo_id,)
            ).fetchone()
        if row is None:
            return None
        return {"externalId": row[0], "externalUrl": f"{base}/{pleo_id}"}

    def check(self, entry: dict) -> None:
        """Refuse what this chart cannot book; a real receiver asks its own system here."""
        if entry.get("schemaVersion") != 1:
            raise Refused(422, "validation_failure", "Only schemaVersion 1 is understood.")
        try:
            debit = sum(Decimal(line["debit"]) for line in entry["lines"])
            credit = sum(Decimal(line["credit"]) for line in entry["lines"])
        except (KeyError, TypeError, InvalidOperation):
            raise Refused(
                422, "validation_failure", "Lines need decimal debit and credit."
            ) from None
        if debit != credit:
            raise Refused(
                422,
                "accounting_system_validation_failure",
                f"The entry does not balance: debit {debit} ≠ credit {credit}.",
            )
        accounts = {row["code"] for row in self.chart.get("accounts", [])}
        taxes = {row["code"] for row in self.chart.get("taxCodes", [])}
        for line in entry["lines"]:
            if accounts and line["account"] not in accounts:
                raise Refused(
                    422,
                    "account_unknown",
                    f"Account {line['account']} is not in our chart of accounts.",
                    erp_key=line["account"],
                )
            if taxes and line["taxCode"] and line["taxCode"] not in taxes:
                raise Refused(
                    422,
                    "tax_code_unknown",
                    f"Tax code {line['taxCode']} is unknown here.",
                    erp_key=line["taxCode"],
                )

    def download(self, receipt: dict) -> bytes:
        try:
            with urllib.request.urlopen(receipt["url"], timeout=30) as response:
                content = response.read()
        except (urllib.error.URLError, OSError) as exc:
            raise Refused(
                422, "receipt_download_failure", f"Cannot download a receipt: {exc}"
            ) from None
        if hashlib.sha256(content).hexdigest() != receipt["sha256"]:
            raise Refused(422, "receipt_download_failure", "A receipt's SHA-256 does not match.")
        return content

    def book(self, entry: dict, base: str) -> dict:
        """Store the entry once (the Pleo id is the key) and return its reference."""
        pleo_id = entry["pleoId"]
        existing = self.found(pleo_id, base)
        if existing:
            return existing
        self.check(entry)
        files = [
            (receipt, self.download(receipt) if self.args.fetch_receipts else None)
            for receipt in entry["receipts"]
        ]
        with self.db() as db:
            db.execute("BEGIN IMMEDIATE")
            if db.execute("SELECT 1 FROM postings WHERE pleo_id = ?", (pleo_id,)).fetchone():
                db.execute("ROLLBACK")
                return self.found(pleo_id, base)
            number = db.execute("SELECT COUNT(*) + 1 FROM postings").fetchone()[0]
            db.execute(
                "INSERT INTO postings VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    pleo_id,
                    f"JE-{number:06d}",
                    entry["date"],
                    entry["currency"],
                    entry["text"],
                    json.dumps(entry),
                    time.time(),
                ),
            )
            for line_no, line in enumerate(entry["lines"], start=1):
                db.execute(
                    "INSERT INTO lines VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        pleo_id,
                        line_no,
                        line["account"],
                        line["debit"],
                        line["credit"],
                        line["taxCode"],
                        line["taxAmount"],
                        int(line["isTax"]),
                        json.dumps(line["dimensions"], sort_keys=True),
                    ),
                )
            for receipt, content in files:
                db.execute(
                    "INSERT INTO receipts VALUES (?, ?, ?, ?)",
                    (pleo_id, receipt["name"], receipt["sha256"], content),
                )
            db.execute("COMMIT")
        if self.args.die_after_write:
            os._exit(3)  # written, never answered: the sender must find it, not post it again
        return self.found(pleo_id, base)


def handler_for(receiver: Receiver):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format, *args):  # noqa: A002  (the stdlib's signature)
            if receiver.args.verbose:
                super().log_message(format, *args)

        def base(self) -> str:
            return f"http://{self.headers.get('Host', 'localhost')}/entries"

        def do_GET(self):
            self.handle_request("GET")

        def do_POST(self):
            self.handle_request("POST")

        def handle_request(self, method: str) -> None:
            try:
                length = int(self.headers.get("Content-Length") or 0)
                if length > MAX_BODY:
                    raise Refused(413, "validation_failure", "The body is too large.")
                body = self.rfile.read(length)
                verify(receiver.secret, self.headers, body)
                status, answer = self.route(method, self.path.split("?")[0].rstrip("/"), body)
            except Refused as refused:
                problem = {
                    "type": PROBLEM + refused.reason,
                    "title": refused.reason.replace("_", " ").capitalize(),
                    "status": refused.status,
                    "detail": refused.detail,
                }
                if refused.erp_key:
                    problem["erpKey"] = refused.erp_key
                self.answer(refused.status, problem, "application/problem+json", refused.headers)
            else:
                self.answer(status, answer)

        def route(self, method: str, path: str, body: bytes) -> tuple[int, dict]:
            if method == "GET" and path == "/entries":
                return 200, {} if receiver.args.unpublished_chart else receiver.chart
            if method == "GET" and path.startswith("/entries/"):
                found = receiver.found(unquote(path.removeprefix("/entries/")), self.base())
                if found is None:
                    raise Refused(404, "validation_failure", "No entry with this Pleo id.")
                return 200, found
            if method == "POST" and path == "/entries":
                with receiver.lock:
                    failing = receiver.fails_left > 0
                    receiver.fails_left -= failing
                if failing:
                    retry_after = {"Retry-After": str(receiver.args.retry_after)}
                    raise Refused(
                        receiver.args.fail_status,
                        "accounting_system_unreachable",
                        "Down for maintenance.",
                        headers=retry_after,
                    )
                try:
                    entry = json.loads(body)
                except ValueError:
                    raise Refused(400, "validation_failure", "The body is not JSON.") from None
                if not isinstance(entry, dict) or not entry.get("pleoId"):
                    raise Refused(422, "validation_failure", "The body has no pleoId.")
                if self.headers.get("Idempotency-Key") != entry["pleoId"]:
                    raise Refused(400, "validation_failure", "Idempotency-Key ≠ pleoId.")
                return 201, receiver.book(entry, self.base())
            raise Refused(404, "invalid_configuration", f"Nothing at {method} {path}.")

        def answer(self, status, body, content_type="application/json", headers=None):
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

    return Handler


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="SQLite file the postings are stored in")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0: any free port")
    parser.add_argument("--chart", help="JSON file with the accounts and tax codes to accept")
    parser.add_argument(
        "--unpublished-chart", action="store_true", help="refuse by the chart but do not publish it"
    )
    parser.add_argument("--fetch-receipts", action="store_true")
    parser.add_argument("--fail-posts", type=int, default=0)
    parser.add_argument("--fail-status", type=int, default=503)
    parser.add_argument("--retry-after", default="120")
    parser.add_argument("--die-after-write", action="store_true")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args(argv)
    server = ThreadingHTTPServer((args.host, args.port), handler_for(Receiver(args)))
    host, port = server.server_address[:2]
    print(f"listening on http://{host}:{port}/entries", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()

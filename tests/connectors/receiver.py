"""The reference receiver (docs/examples/http_receiver.py) as a real process on a free port."""

from __future__ import annotations

import functools
import json
import selectors
import sqlite3
import subprocess
import time
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import jsonschema

from exporthub.connectors.http_endpoint.connector import HttpEndpointConnector
from tests.processes import PYTHON, ROOT

SCRIPT = ROOT / "docs" / "examples" / "http_receiver.py"
SCHEMA = ROOT / "docs" / "http-endpoint" / "journal-entry.v1.schema.json"
SECRET = "whsec_" + "c2lnbmluZyBzZWNyZXQgb2YgdGhlIHRlc3QgcmVjZWl2ZXI="  # base64 of a test phrase
START_DEADLINE = 30.0


@dataclass
class Receiver:
    db: Path
    chart: dict | None = None
    flags: tuple[str, ...] = ()
    port: int = 0
    process: subprocess.Popen | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/entries"

    def start(self, *flags: str) -> Receiver:
        """Start (again, on the same port and database once it had one); return when listening."""
        self.flags = flags
        command = [PYTHON, str(SCRIPT), "--db", str(self.db), "--port", str(self.port)]
        if self.chart is not None:
            chart_file = self.db.with_suffix(".chart.json")
            chart_file.write_text(json.dumps(self.chart))
            command += ["--chart", str(chart_file)]
        self.process = subprocess.Popen(
            [*command, *self.flags],
            stdout=subprocess.PIPE,
            env={"EXPORTHUB_RECEIVER_SECRET": SECRET, "PATH": "/usr/bin:/bin"},
        )
        line = self._first_line()
        self.port = int(line.rsplit(":", 1)[1].split("/")[0])
        return self

    def _first_line(self) -> str:
        deadline = time.monotonic() + START_DEADLINE
        with selectors.DefaultSelector() as selector:
            selector.register(self.process.stdout, selectors.EVENT_READ)
            while time.monotonic() < deadline:
                if selector.select(timeout=deadline - time.monotonic()):
                    line = self.process.stdout.readline().decode()
                    if line.startswith("listening on "):
                        return line.strip()
                    raise AssertionError(f"the receiver did not start: {line!r}")
        raise AssertionError("the receiver did not listen within the deadline")

    def wait_dead(self) -> int:
        return self.process.wait(timeout=START_DEADLINE)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=START_DEADLINE)
        if self.process and self.process.stdout:
            self.process.stdout.close()

    # -- reading what it stored, with sqlite3 (an independent reader) ---------------------------

    def _rows(self, sql: str, *params) -> list[tuple]:
        if not self.db.exists():
            return []
        with sqlite3.connect(self.db) as db:
            return db.execute(sql, params).fetchall()

    def count(self, pleo_id: str) -> int:
        return self._rows("SELECT COUNT(*) FROM postings WHERE pleo_id = ?", pleo_id)[0][0]

    def pleo_ids(self) -> list[str]:
        return [row[0] for row in self._rows("SELECT pleo_id FROM postings ORDER BY pleo_id")]

    def lines(self, pleo_id: str) -> list[tuple[str, Decimal, Decimal]]:
        """(account, debit, credit) of each stored line, in order."""
        rows = self._rows(
            "SELECT account, debit, credit FROM lines WHERE pleo_id = ? ORDER BY line_no", pleo_id
        )
        return [(account, Decimal(debit), Decimal(credit)) for account, debit, credit in rows]

    def external_id(self, pleo_id: str) -> str:
        return self._rows("SELECT external_id FROM postings WHERE pleo_id = ?", pleo_id)[0][0]

    def receipts(self, pleo_id: str) -> list[tuple[str, str, bytes | None]]:
        return self._rows(
            "SELECT name, sha256, content FROM receipts WHERE pleo_id = ? ORDER BY name", pleo_id
        )


@functools.cache
def schema_validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(SCHEMA.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


def check_bodies_against_schema(monkeypatch) -> list[dict]:
    """Make every body the connector builds pass the documented schema; returns them all."""
    bodies: list[dict] = []
    real_body = HttpEndpointConnector.body

    def checked_body(self, entry):
        body = real_body(self, entry)
        schema_validator().validate(json.loads(json.dumps(body)))
        bodies.append(body)
        return body

    monkeypatch.setattr(HttpEndpointConnector, "body", checked_body)
    return bodies

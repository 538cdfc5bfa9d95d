from __future__ import annotations

import http.server
import json
import threading
from dataclasses import dataclass, field

import pytest

from tests.dashboard.conftest import (  # noqa: F401  (the dashboard's fixtures, reused)
    accountant,
    admin_user,
    company,
    finished_job,
    integration,
    pleo_in_process,
    quick_retries,
)


@dataclass
class Receiver:
    """A real HTTP server on a loopback port that records what it is sent."""

    url: str
    status: int = 200
    received: list[dict] = field(default_factory=list)


@pytest.fixture
def receiver():
    state = Receiver(url="")

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("content-length", 0)))
            state.received.append({"headers": dict(self.headers), "body": body})
            self.send_response(state.status)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_port}/hooks/exporthub"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


def payload(request) -> dict:
    return json.loads(request["body"])

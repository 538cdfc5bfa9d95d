"""The Pleo sandbox on a real socket: Django's threaded WSGI server on 127.0.0.1, in a thread.

Every request is counted and timed at the sandbox side too (a cross-check of what the worker
counts on its side), by the same classification.
"""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager

from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler
from django.core.wsgi import get_wsgi_application

from bench.instrument import Tally, classify


class _QuietHandler(WSGIRequestHandler):
    # Headers and body go out in separate writes; without TCP_NODELAY, Nagle's algorithm and the
    # client's delayed ACK would add tens of milliseconds to every exchange.
    disable_nagle_algorithm = True

    def log_message(self, format, *args):  # noqa: A002 (the signature is BaseHTTPRequestHandler's)
        pass


class CountingApp:
    def __init__(self, app):
        self.app = app
        self.tally = Tally()
        self.statuses: dict[str, int] = {}
        self._lock = threading.Lock()

    def __call__(self, environ, start_response):
        started = time.perf_counter()
        kind = classify(environ["REQUEST_METHOD"], environ.get("PATH_INFO", ""))

        def counting_start_response(status, headers, exc_info=None):
            with self._lock:
                code = status.split(" ", 1)[0]
                self.statuses[code] = self.statuses.get(code, 0) + 1
            return start_response(status, headers, exc_info)

        try:
            body = b"".join(self.app(environ, counting_start_response))
        finally:
            with self._lock:
                self.tally.add(kind, time.perf_counter() - started)
        return [body]

    def reset(self) -> None:
        with self._lock:
            self.tally = Tally()
            self.statuses = {}


@contextmanager
def serve_sandbox():
    """Yields (base URL of the server, CountingApp); the server stops when the block ends."""
    app = CountingApp(get_wsgi_application())
    server = ThreadedWSGIServer(("127.0.0.1", 0), _QuietHandler, allow_reuse_address=False)
    server.daemon_threads = True
    server.set_app(app)
    thread = threading.Thread(target=server.serve_forever, name="sandbox-http", daemon=True)
    thread.start()
    try:
        host, port = server.server_address[:2]
        yield f"http://{host}:{port}", app
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)

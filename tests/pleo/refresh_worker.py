"""Run by test_token_race.py in separate processes: wait for the go signal, then make one call
to Pleo through a stored OAuth connection whose access token has expired.

    python -m tests.pleo.refresh_worker <connection id> <ready file> <go file>

Prints one JSON line: how many jobs it saw and a digest of the access token it ended with.
"""

from __future__ import annotations

import hashlib
import json
import sys
import time
from pathlib import Path

import django


def main(connection_id: int, ready: Path, go: Path) -> None:
    django.setup()
    from exporthub.pleo.client import PleoClient
    from exporthub.pleo.models import PleoConnection

    connection = PleoConnection.objects.get(pk=connection_id)
    with PleoClient.for_connection(connection) as pleo:
        ready.touch()
        deadline = time.monotonic() + 30
        while not go.exists():
            if time.monotonic() > deadline:
                raise SystemExit("no go signal")
            time.sleep(0.005)
        jobs = list(pleo.list_jobs())
    token = hashlib.sha256(connection.access_token.encode()).hexdigest()
    print(json.dumps({"jobs": len(jobs), "token": token}))


if __name__ == "__main__":
    main(int(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]))

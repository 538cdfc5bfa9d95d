"""The demo's child processes (web server, worker, Tryton) and stopping them within a bound.

Each child runs in its own session (process group), so a terminal's Ctrl-C reaches only the demo
command, which then stops every child itself: SIGTERM to each group at once, a short grace for a
clean exit, then SIGKILL to whatever is left (a worker in the middle of a job included; its claim
goes stale and `find()` keeps the resumed job from posting twice).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Iterable

GRACE_SECONDS = 2.5  # then SIGKILL: the whole stop stays within 5 s on a loaded machine


class StopRequested(KeyboardInterrupt):
    """SIGINT or SIGTERM reached the demo command."""


def _raise_stop(signum, frame):
    raise StopRequested(signal.Signals(signum).name)


def handle_stop_signals() -> None:
    """Turn SIGINT and SIGTERM into `StopRequested`, explicitly.

    A process started with SIGINT ignored (`trap "" INT` in a script, `nohup`, `&` in some
    shells) inherits SIG_IGN and Python then installs no handler of its own; setting ours here
    makes Ctrl-C and `kill` work the same either way. A caught signal is reset to the default
    in the children at exec, so they do not inherit an ignored SIGINT either.
    """
    signal.signal(signal.SIGINT, _raise_stop)
    signal.signal(signal.SIGTERM, _raise_stop)


def ignore_stop_signals() -> None:
    """While stopping, a second Ctrl-C must not cut the bounded stop short."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)


def spawn(command: list[str], **options) -> subprocess.Popen:
    """Start a child in its own session, so signals reach it only through us."""
    process = subprocess.Popen(command, start_new_session=True, **options)
    process.own_group = True
    return process


def _signal_group(process: subprocess.Popen, signum: int) -> None:
    """Signal the child's whole group when it leads one (see `spawn`), else the child alone."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        if getattr(process, "own_group", False):
            os.killpg(process.pid, signum)
        elif process.poll() is None:
            process.send_signal(signum)


def stop_all(processes: Iterable[subprocess.Popen], grace: float = GRACE_SECONDS) -> None:
    """SIGTERM every child's group at once, wait up to `grace`, then SIGKILL what is left."""
    processes = list(processes)
    for process in processes:
        _signal_group(process, signal.SIGTERM)
    deadline = time.monotonic() + grace
    for process in processes:
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=max(deadline - time.monotonic(), 0))
    for process in processes:
        # Also after a clean exit: a leader's own children (the worker's pool) go with it.
        _signal_group(process, signal.SIGKILL)
    for process in processes:
        process.wait()

"""Where a bench round's CPU went: by component (the sandbox server standing in for Pleo, the
worker cluster, PostgreSQL, Redis, the bench itself) and for the machine as a whole.

Read from /proc (Linux): a process's own and its reaped children's user + system time, so a
PostgreSQL backend that ended during the round is still counted through the server's main
process. `Meter.read()` gives the CPU seconds since the meter started; the busy share of the
machine comes from /proc/stat, so CPU that none of the components used shows up as `other`.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

PROC = Path("/proc")
TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _stat_fields(pid: str) -> list[str] | None:
    try:
        text = (PROC / pid / "stat").read_text()
    except OSError:
        return None
    return text.rsplit(")", 1)[1].split()  # the command name may hold spaces and parentheses


def _cmdline(pid: str) -> str:
    try:
        return (PROC / pid / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def _cpu_seconds(fields: list[str]) -> float:
    # utime, stime, cutime, cstime: the 14th to 17th fields of /proc/<pid>/stat
    return sum(int(value) for value in fields[11:15]) / TICKS


def in_group(pgid: int) -> Callable[[str, list[str]], bool]:
    """Processes of the process group `pgid` (a server or cluster started in its own session)."""
    return lambda pid, fields: int(fields[2]) == pgid


def named(*prefixes: str) -> Callable[[str, list[str]], bool]:
    """Processes whose command line starts with one of `prefixes` (e.g. the database server's,
    whose backends rename themselves "postgres: …")."""

    def matches(pid: str, fields: list[str]) -> bool:
        command = _cmdline(pid)
        return any(command.startswith(prefix) or f"/{prefix}" in command.split(" ", 1)[0]
                   for prefix in prefixes)  # fmt: skip

    return matches


def this_process() -> Callable[[str, list[str]], bool]:
    me = str(os.getpid())
    return lambda pid, fields: pid == me


def _machine() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot."""
    values = [int(value) for value in (PROC / "stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]  # idle, iowait
    total = sum(values[:8])
    return (total - idle) / TICKS, total / TICKS


class Meter:
    """CPU seconds by component from now on; `components` maps a name to a process filter."""

    def __init__(self, components: dict[str, Callable[[str, list[str]], bool]]):
        self.components = components
        self.started = time.monotonic()
        self._base = self._sample()
        self._machine = _machine()

    def _sample(self) -> dict[str, dict[str, float]]:
        seen: dict[str, dict[str, float]] = {name: {} for name in self.components}
        for entry in PROC.iterdir():
            if not entry.name.isdigit():
                continue
            fields = _stat_fields(entry.name)
            if fields is None:
                continue
            for name, matches in self.components.items():
                if matches(entry.name, fields):
                    seen[name][entry.name] = _cpu_seconds(fields)
                    break
        return seen

    def read(self) -> dict:
        """CPU seconds per component, the machine's busy cores and the wall time so far."""
        now = self._sample()
        busy, total = _machine()
        wall = time.monotonic() - self.started
        seconds = {
            name: round(
                sum(value - self._base[name].get(pid, 0.0) for pid, value in processes.items()),
                2,
            )
            for name, processes in now.items()
        }
        machine_busy = busy - self._machine[0]
        seconds["other"] = round(max(machine_busy - sum(seconds.values()), 0.0), 2)
        cpus = os.cpu_count() or 1
        return {
            "metered_seconds": round(wall, 2),
            "cpu_seconds": seconds,
            "machine_busy_cores": round(
                machine_busy / max(total - self._machine[1], 1e-9) * cpus, 2
            ),  # fmt: skip
        }

"""The data folder (SQLite database, demo ledgers, static files) is private to the hub's user.

Plain functions without Django imports: settings.py calls them before Django is set up.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600


def prepare_data_dir(path: Path) -> None:
    """Create the folder (and parents) as 0700; tighten it if it already exists and is ours."""
    path.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
    _tighten(path, PRIVATE_DIR)


def prepare_sqlite_file(path: Path) -> None:
    """Create the database file as 0600 before SQLite does (SQLite would use the umask, often
    0644); SQLite gives its -wal and -shm files the database file's permissions."""
    path.parent.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, PRIVATE_FILE))
    for candidate in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        if candidate.exists():
            _tighten(candidate, PRIVATE_FILE)


def _tighten(path: Path, mode: int) -> None:
    stat = path.stat()
    if stat.st_uid == os.getuid() and stat.st_mode & 0o777 != mode:
        path.chmod(mode)

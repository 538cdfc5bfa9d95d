"""A throwaway data dir and database for one bench run, set up before Django is imported.

The data dir is a fresh temporary folder (kept with `--keep`), or a given one that is kept and
reused (`--data-dir`). The database is a SQLite file in
it, unless DATABASE_URL points at a database server: then the bench creates its own database
`<name>_bench_<pid>` on that server and drops it at the end, so it never touches existing data.
"""

from __future__ import annotations

import os
import secrets
import shutil
import sys
import tempfile
from base64 import urlsafe_b64encode
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Workspace:
    data_dir: Path
    database_url: str
    keep: bool = False
    server_database: str = ""  # a database the bench created on a server, dropped at the end
    admin_url: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def engine(self) -> str:
        return "sqlite" if self.database_url.startswith("sqlite") else "postgresql"

    @property
    def world_file(self) -> Path:
        """Where a kept workspace notes the rows built in its database, for reuse."""
        return self.data_dir / f"world-{self.engine}.json"

    def close(self) -> None:
        if self.server_database and not self.keep:
            _drop_database(self.admin_url, self.server_database)
        if not self.keep:
            shutil.rmtree(self.data_dir, ignore_errors=True)


def prepare(*, keep: bool = False, data_dir: Path | None = None) -> Workspace:
    """Create the workspace and point this process's environment (and its children's) at it.

    With `data_dir`, the workspace is that folder and is kept, as is its server database (named
    after the folder), so that a later run can reuse the rows built in it."""
    if data_dir is not None:
        data_dir.mkdir(parents=True, exist_ok=True)
        keep = True
    else:
        data_dir = Path(tempfile.mkdtemp(prefix="exporthub-bench-"))
    given = os.environ.get("DATABASE_URL", "")
    if given and not given.startswith("sqlite"):
        parts = urlsplit(given)
        suffix = _slug(data_dir.name) if keep else str(os.getpid())
        name = f"{parts.path.lstrip('/') or 'exporthub'}_bench_{suffix}"
        admin_url = urlunsplit(parts._replace(path="/postgres"))
        if not (keep and (data_dir / "world-postgresql.json").exists()):
            _create_database(admin_url, name)
        workspace = Workspace(
            data_dir,
            urlunsplit(parts._replace(path=f"/{name}")),
            keep=keep,
            server_database=name,
            admin_url=admin_url,
        )
    else:
        workspace = Workspace(data_dir, f"sqlite:///{data_dir / 'bench.sqlite3'}", keep=keep)
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "exporthub.settings",
            "DATABASE_URL": workspace.database_url,
            "EXPORTHUB_DATA_DIR": str(data_dir),
            "EXPORTHUB_SANDBOX_ENABLED": "True",
            "EXPORTHUB_SANDBOX_WEBHOOK_URL": "",
            "EXPORTHUB_LOG_LEVEL": os.environ.get("BENCH_LOG_LEVEL", "ERROR"),
            "DEBUG": "False",  # DEBUG keeps every query in memory
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        }
    )
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(40))
    os.environ.setdefault(
        "EXPORTHUB_ENCRYPTION_KEYS", urlsafe_b64encode(secrets.token_bytes(32)).decode()
    )
    os.environ.setdefault("EXPORTHUB_PLEO_WEBHOOK_SECRET", secrets.token_urlsafe(24))
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    return workspace


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in text.lower())


def _connect(url: str):
    import psycopg

    parts = urlsplit(url)
    return psycopg.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 5432,
        user=parts.username or "postgres",
        password=parts.password or None,
        dbname=parts.path.lstrip("/") or "postgres",
        autocommit=True,
    )


def _create_database(admin_url: str, name: str) -> None:
    with _connect(admin_url) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')


def _drop_database(admin_url: str, name: str) -> None:
    with _connect(admin_url) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

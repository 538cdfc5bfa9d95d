"""A real trytond server on this machine (tests, demo, bench): template built once, then copied.

The template (company, chart, fiscal years for last year and this one, a 25 % tax, analytic
roots, a REST key) is built by trytond-admin plus local_setup.py, under a name that includes a
hash of the Tryton version, the modules, the setup script and the year, so it is reused across
runs until one of those changes. It is
only given its final name once complete, so an interrupted build is never mistaken for a template.

PostgreSQL (when DATABASE_URL points at it): the template is a database on that server and each
test gets `CREATE DATABASE … TEMPLATE …` (about 0.15 s). SQLite: the template is a file under
var/tryton/ and each test gets a copy made with sqlite3's backup API (never `cp` a WAL database
while a server might be writing it). A new database is initialised by the server on its first
request (about 0.5 s), which `clone()` does, so the test itself only pays for its own calls.
"""

from __future__ import annotations

import contextlib
import datetime
import fcntl
import hashlib
import itertools
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path
from urllib.parse import urlsplit

import httpx

MODULES = ["account_invoice", "analytic_account"]
# The template's admin user (also the owner of the REST key); JSON-RPC logs in with these.
ADMIN_LOGIN = "admin"
ADMIN_PASSWORD = "admin"
SETUP_SCRIPT = Path(__file__).with_name("local_setup.py")
BIN = Path(sys.executable).parent


def template_key() -> str:
    """Changes with Tryton, the modules, the setup script and the year (its fiscal years)."""
    parts = [
        version("trytond"),
        version("trytond_account"),
        *MODULES,
        SETUP_SCRIPT.read_text(),
        str(datetime.date.today().year),
    ]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:12]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class TrytonServer:
    backend: str  # "postgresql" or "sqlite"
    work_dir: Path
    template: str
    pg_url: str = ""  # postgresql://user@host:port/ when backend is postgresql
    port: int = 0
    api_key: str = ""
    company_id: int = 0
    login: str = ADMIN_LOGIN
    password: str = ADMIN_PASSWORD
    build_seconds: float = 0.0
    process: subprocess.Popen | None = None
    _names: itertools.count = field(default_factory=lambda: itertools.count(1))

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self, path: Path | None = None) -> dict[str, str]:
        env = {key: value for key, value in os.environ.items() if not key.startswith("TRYTOND")}
        if self.backend == "postgresql":
            env["TRYTOND_DATABASE__URI"] = self.pg_url
        else:
            env["TRYTOND_DATABASE__URI"] = "sqlite://"
            env["TRYTOND_DATABASE__PATH"] = str(path or self.work_dir)
        return env

    # -- template -------------------------------------------------------------------------

    def ensure_template(self) -> None:
        """Build the template unless a complete one exists; then read its key and company."""
        lock_path = self.work_dir.parent / "build.lock"
        with open(lock_path, "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # one build at a time, even across test runs
            if not self._template_exists():
                started = time.monotonic()
                self._build_template()
                self.build_seconds = time.monotonic() - started
        self.api_key, self.company_id = self._query(
            self.template,
            "SELECT a.key, u.company FROM res_user_application a "
            'JOIN res_user u ON u.id = a."user" '
            "WHERE a.application = 'rest' ORDER BY a.id LIMIT 1",
        )

    def _build_template(self) -> None:
        building = f"{self.template}_building_{os.getpid()}"
        build_dir = self.work_dir.parent / f"building-{os.getpid()}"
        build_dir.mkdir(parents=True, exist_ok=True)
        password_file = build_dir / "admin-password"
        password_file.write_text(f"{ADMIN_PASSWORD}\n")
        env = {**self.env(build_dir), "TRYTONPASSFILE": str(password_file)}
        try:
            self._build(building, build_dir, env)
        finally:
            shutil.rmtree(build_dir, ignore_errors=True)
            self._drop(building, build_dir)

    def _build(self, building: str, build_dir: Path, env: dict[str, str]) -> None:
        self._drop(building, build_dir)
        if self.backend == "postgresql":
            self._pg_execute(f'CREATE DATABASE "{building}"')
        else:
            (build_dir / f"{building}.sqlite").touch()
        admin = [str(BIN / "trytond-admin"), "-d", building, "-u", *MODULES]
        admin += ["--activate-dependencies", "--email", "admin@example.com"]
        _run(admin, env=env, timeout=600)
        _run([sys.executable, str(SETUP_SCRIPT), building, str(build_dir / "setup.json")], env, 300)
        if self.backend == "postgresql":
            self._pg_execute(f'DROP DATABASE IF EXISTS "{self.template}" WITH (FORCE)')
            self._pg_execute(f'ALTER DATABASE "{building}" RENAME TO "{self.template}"')
        else:
            os.replace(build_dir / f"{building}.sqlite", self._sqlite_template_path())

    def _sqlite_template_path(self) -> Path:
        return self.work_dir.parent / f"{self.template}.sqlite"

    def _template_exists(self) -> bool:
        if self.backend == "postgresql":
            return bool(
                self._pg_query("SELECT 1 FROM pg_database WHERE datname = %s", self.template)
            )
        return self._sqlite_template_path().exists()

    # -- per-test databases -----------------------------------------------------------------

    def clone(self) -> str:
        """A fresh copy of the template under a new name, already loaded by the server."""
        name = f"t{os.getpid()}_{next(self._names)}"
        self.copy_template(name)
        self.warm(name)
        return name

    def copy_template(self, name: str) -> None:
        if self.backend == "postgresql":
            self._pg_execute(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"')
        else:
            source = sqlite3.connect(self._sqlite_template_path())
            target = sqlite3.connect(self.work_dir / f"{name}.sqlite")
            with source, target:
                source.backup(target)
            source.close()
            target.close()

    def warm(self, name: str) -> None:
        """The server loads a database it was not started with on its first request."""
        response = httpx.get(
            f"{self.url}/{name}/rest/model/company.company/{self.company_id}",
            headers={"Authorization": f"Bearer {self.api_key}"},
            timeout=60,
        )
        response.raise_for_status()

    def drop(self, name: str) -> None:
        self._drop(name, self.work_dir)

    def execute(self, name: str, sql: str, *params) -> int:
        """Run one SQL statement on a per-test database behind the server's back, as someone
        editing the books directly would (the tests of reconciliation); returns rows changed.
        Use %s placeholders on both backends."""
        if self.backend == "postgresql":
            with self._pg_connect(name) as connection:
                return connection.execute(sql, params).rowcount
        connection = sqlite3.connect(self.work_dir / f"{name}.sqlite")
        try:
            with connection:
                return connection.execute(sql.replace("%s", "?"), params).rowcount
        finally:
            connection.close()

    def _drop(self, name: str, folder: Path) -> None:
        if self.backend == "postgresql":
            self._pg_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        else:
            for suffix in ("", "-wal", "-shm"):
                (folder / f"{name}.sqlite{suffix}").unlink(missing_ok=True)

    # -- server -----------------------------------------------------------------------------

    def start(self) -> None:
        self.port = free_port()
        env = {
            **self.env(),
            "TRYTOND_WEB__LISTEN": f"127.0.0.1:{self.port}",
            # The server caches its list of databases for `session.timeout` seconds and answers
            # 404 for any database created since; per-test clones need it re-read every time.
            # (Only REST with application keys is used here, so session expiry does not matter.)
            "TRYTOND_SESSION__TIMEOUT": "0",
        }
        with open(self.work_dir / "trytond.log", "ab") as log:
            self.process = subprocess.Popen(
                [str(BIN / "trytond")], env=env, stdout=log, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"trytond exited; see {self.work_dir / 'trytond.log'}")
            with contextlib.suppress(httpx.TransportError):
                httpx.get(self.url, timeout=1)
                return
            time.sleep(0.1)
        raise RuntimeError("trytond did not start within 60 s")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)

    # -- database helpers ---------------------------------------------------------------------

    def _pg_connect(self, database: str = "postgres"):
        import psycopg

        parts = urlsplit(self.pg_url)
        return psycopg.connect(
            host=parts.hostname,
            port=parts.port or 5432,
            user=parts.username,
            password=parts.password or None,
            dbname=database,
            autocommit=True,
        )

    def _pg_execute(self, sql: str) -> None:
        with self._pg_connect() as connection:
            connection.execute(sql)

    def _pg_query(self, sql: str, *params):
        with self._pg_connect() as connection:
            return connection.execute(sql, params).fetchone()

    def _query(self, database: str, sql: str):
        if self.backend == "postgresql":
            # Connect to the template only briefly: CREATE DATABASE … TEMPLATE needs it idle.
            with self._pg_connect(database) as connection:
                return connection.execute(sql).fetchone()
        connection = sqlite3.connect(self._sqlite_template_path())
        try:
            return connection.execute(sql).fetchone()
        finally:
            connection.close()


def _run(command: list[str], env: dict[str, str], timeout: int) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=timeout)
    if result.returncode:
        raise RuntimeError(
            f"{command[0]} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
        )


def _remove_dead_runs(folder: Path) -> None:
    """Working folders left by test runs that were killed (their process no longer exists)."""
    for path in folder.glob("run-*") if folder.is_dir() else ():
        pid = int(path.name.removeprefix("run-"))
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            shutil.rmtree(path, ignore_errors=True)


def start_server(database_settings: dict, data_dir: Path) -> TrytonServer:
    """Template built or reused, trytond listening on a free loopback port."""
    key = template_key()
    _remove_dead_runs(data_dir / "tryton")
    run_dir = data_dir / "tryton" / f"run-{os.getpid()}"
    run_dir.mkdir(parents=True, exist_ok=True)
    if "postgresql" in database_settings["ENGINE"]:
        auth = database_settings["USER"] or "postgres"
        if database_settings.get("PASSWORD"):
            auth += f":{database_settings['PASSWORD']}"
        host = database_settings["HOST"] or "127.0.0.1"
        port = database_settings["PORT"] or 5432
        server = TrytonServer(
            "postgresql",
            run_dir,
            f"exporthub_tryton_{key}",
            pg_url=f"postgresql://{auth}@{host}:{port}/",
        )
    else:
        server = TrytonServer("sqlite", run_dir, f"exporthub_tryton_{key}")
    server.ensure_template()
    server.start()
    return server


def start_lasting_server(folder: Path, database: str) -> TrytonServer:
    """For the demo: trytond with one SQLite database under `folder` that survives restarts.

    The database is copied from the template on the first start only, so what was posted into
    it stays there from one run to the next.
    """
    server = TrytonServer("sqlite", folder / "databases", f"exporthub_tryton_{template_key()}")
    server.work_dir.mkdir(parents=True, exist_ok=True)
    server.ensure_template()
    if not (server.work_dir / f"{database}.sqlite").exists():
        server.copy_template(database)
    server.start()
    server.warm(database)
    return server

"""The data folder and database are private; signed-in pages are never cached."""

from __future__ import annotations

import sqlite3
import stat
import subprocess
import sys

from django.urls import reverse

from tests.processes import ROOT
from tests.security.test_transport import production_env


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_data_folder_and_sqlite_files_are_created_private(tmp_path):
    data = tmp_path / "data"
    env = production_env(tmp_path, EXPORTHUB_DATA_DIR=str(data))
    env.pop("DATABASE_URL")  # the default: SQLite inside the data folder

    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT,
        env={**env, "EXPORTHUB_HTTPS": "False"},
        check=True,
        timeout=300,
    )

    assert mode(data) == 0o700
    database = data / "exporthub.sqlite3"
    with sqlite3.connect(database) as db:  # leaves the -wal and -shm files behind while open
        db.execute("PRAGMA journal_mode=WAL").fetchone()
        db.execute("CREATE TABLE probe (x)")
        assert [mode(path) for path in sorted(data.glob("exporthub.sqlite3*"))] == [0o600] * 3


def test_an_existing_data_folder_is_tightened(tmp_path):
    from exporthub.core.data_dir import prepare_data_dir, prepare_sqlite_file

    data = tmp_path / "data"
    data.mkdir(mode=0o755)
    (data / "hub.sqlite3").write_bytes(b"")
    (data / "hub.sqlite3").chmod(0o644)

    prepare_data_dir(data)
    prepare_sqlite_file(data / "hub.sqlite3")

    assert mode(data) == 0o700
    assert mode(data / "hub.sqlite3") == 0o600


def test_signed_in_pages_and_csv_downloads_are_not_cached(client, accountant, integration):
    client.force_login(accountant)

    for url in [
        reverse("dashboard:job-list"),
        reverse("dashboard:queue", kwargs={"pk": integration.pk}),
        reverse("dashboard:activity-export"),
    ]:
        answer = client.get(url)
        assert answer.status_code == 200, url
        assert "no-store" in answer["Cache-Control"], url
        assert "private" in answer["Cache-Control"], url


def test_tracebacks_are_shown_to_admins_only(client, viewer, accountant, admin_user, finished_job):
    item = finished_job.items.filter(status="failed").first()
    item.error_detail = "Traceback (most recent call last):\n  File /srv/exporthub/engine.py"
    item.save(update_fields=["error_detail"])
    url = reverse("dashboard:job-detail", args=[finished_job.pk])

    for user, shown in [(viewer, False), (accountant, False), (admin_user, True)]:
        client.force_login(user)
        page = client.get(url).content.decode()
        assert ("/srv/exporthub/engine.py" in page) is shown, user.username

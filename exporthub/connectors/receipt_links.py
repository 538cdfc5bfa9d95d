"""Receipts the hub hands to an ERP as short-lived signed download links.

A connector that cannot upload files (the HTTP endpoint) stores each receipt it sends in the data
folder, content-addressed (`<DATA_DIR>/receipts/<sha256>`), and puts a link into the entry:
`<PUBLIC_URL>/receipts/<token>/`. The token is signed with Django's signing (SECRET_KEY, its own
salt) and carries the file's hash, name, type and expiry, so the link needs no session and no
database: the signature is the authorisation. A tampered token is refused (403), an expired one
is gone (410).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core import signing
from django.urls import reverse

from exporthub.core.data_dir import PRIVATE_FILE, prepare_data_dir

SALT = "exporthub.connectors.receipt-link"
# The longest a link may work (a connection's setting is capped to it). A file neither stored nor
# linked again for longer is reachable through no link any more, and `prune()` deletes it.
MAX_LINK_DAYS = 30


class LinkExpired(Exception):
    """The link was genuine but its time is up."""


class LinkInvalid(Exception):
    """The link was not made by this hub (or was altered)."""


@dataclass(frozen=True)
class StoredReceipt:
    sha256: str
    size: int
    name: str
    content_type: str
    url: str
    expires_at: int  # Unix seconds


def receipts_dir() -> Path:
    return Path(settings.DATA_DIR) / "receipts"


def store(content: bytes) -> str:
    """Keep `content` in the data folder (once per content); return its SHA-256 (hex)."""
    digest = hashlib.sha256(content).hexdigest()
    folder = receipts_dir()
    target = folder / digest
    try:
        os.utime(target)  # linked again: kept for as long as the new link works
        return digest
    except FileNotFoundError:
        pass
    prepare_data_dir(folder)
    fd, temporary = tempfile.mkstemp(dir=folder, prefix=".incoming-")
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(content)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, PRIVATE_FILE)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return digest


def prune(now: float | None = None) -> int:
    """Delete the receipts no link can reach any more; return how many. A scheduled task."""
    folder = receipts_dir()
    if not folder.exists():
        return 0
    cutoff = (time.time() if now is None else now) - MAX_LINK_DAYS * 86400
    removed = 0
    for path in folder.iterdir():
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
                removed += 1
        except FileNotFoundError:
            continue
    return removed


def publish(content: bytes, name: str, content_type: str, *, valid_for: float) -> StoredReceipt:
    """Store a receipt and return it with a signed link valid for `valid_for` seconds (at most
    MAX_LINK_DAYS)."""
    digest = store(content)
    expires_at = int(time.time() + min(valid_for, MAX_LINK_DAYS * 86400))
    token = signing.dumps(
        {"h": digest, "n": name, "t": content_type, "e": expires_at}, salt=SALT, compress=True
    )
    path = reverse("connectors:receipt", kwargs={"token": token})
    return StoredReceipt(
        digest, len(content), name, content_type, settings.PUBLIC_URL + path, expires_at
    )


def open_link(token: str) -> tuple[Path, str, str]:
    """The stored file, name and content type a link's token names; LinkInvalid or LinkExpired."""
    try:
        claims = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        raise LinkInvalid from None
    if not isinstance(claims, dict) or not {"h", "n", "t", "e"} <= claims.keys():
        raise LinkInvalid
    if time.time() > claims["e"]:
        raise LinkExpired
    digest = str(claims["h"])
    if len(digest) != 64 or not all(c in "0123456789abcdef" for c in digest):
        raise LinkInvalid
    return receipts_dir() / digest, str(claims["n"]), str(claims["t"])

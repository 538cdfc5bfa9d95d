"""OAuth tokens kept on a `PleoConnection` row, refreshed by exactly one process at a time.

Pleo rotates the refresh token on every refresh and revokes the whole grant when an old one is
used again. So two workers must never refresh the same connection concurrently, and the new
pair must be stored in one write.

How: the row is the lock. A refresh happens in three steps:

1. **Claim** (a short `transaction.atomic()` with `select_for_update()` on the row): re-read
   the row under the lock. If another process has already stored a usable access token, use it
   and stop. If another process holds an unexpired refresh *lease*, wait and go to 1. Otherwise
   take the lease (a random id plus an expiry) and commit.
2. **Refresh** over HTTP, holding the lease but no database lock.
3. **Store** (again atomic + `select_for_update()`): write access token, refresh token and
   expiry together, release the lease. A refused grant instead marks the connection
   `needs_reauthorization` and raises `PleoReauthorizationRequired`.

Why not hold the row lock during the HTTP call? On SQLite a write transaction locks the whole
database (IMMEDIATE mode), so every other writer of the hub would stall for the length of a
network call, and the sandbox (same database in the demo and the tests) could not even record
the refresh it is serving: a deadlock until a timeout. The lease gives the same guarantee with
only short transactions, on SQLite and PostgreSQL alike. A lease outlives the longest token
request (`oauth.TOKEN_TIMEOUT` × retries), so it only expires when its holder died.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from exporthub.pleo.errors import PleoReauthorizationRequired, PleoTransportError
from exporthub.pleo.models import PleoConnection
from exporthub.pleo.oauth import OAuthTokenClient, TokenSet

logger = logging.getLogger(__name__)

LEASE_SECONDS = 60.0
POLL_SECONDS = 0.1


@dataclass(frozen=True)
class _Claimed:
    refresh_token: str
    lease_id: str


class ConnectionTokens:
    """The `TokenSource` for an OAuth `PleoConnection` (see module docstring for the protocol)."""

    def __init__(
        self,
        connection: PleoConnection,
        token_client: OAuthTokenClient,
        *,
        lease_seconds: float = LEASE_SECONDS,
        sleep: Callable[[float], None] = time.sleep,
        now: Callable[[], datetime] = timezone.now,
    ):
        self.connection = connection
        self.token_client = token_client
        self.lease_seconds = lease_seconds
        self.sleep = sleep
        self.now = now

    def __repr__(self) -> str:
        return f"ConnectionTokens(connection={self.connection.pk})"

    def access_token(self) -> str:
        """The connection's access token, refreshed first if missing or expired."""
        conn = self.connection
        if conn.status == PleoConnection.Status.NEEDS_REAUTHORIZATION:
            raise _needs_reauthorization(conn)
        if not conn.access_token_expired(self.now()):
            return conn.access_token
        return self.refresh(stale_access_token=conn.access_token or None)

    def refresh(self, stale_access_token: str | None) -> str:
        """A new access token. Exactly one process refreshes; the others use what it stored."""
        deadline = time.monotonic() + self.lease_seconds * 2
        while True:
            outcome = self._claim(stale_access_token)
            if isinstance(outcome, str):
                return outcome
            if isinstance(outcome, _Claimed):
                break
            if time.monotonic() > deadline:
                raise PleoTransportError(
                    f"Gave up waiting for another process to refresh the OAuth token of "
                    f"connection {self.connection.pk}"
                )
            self.sleep(POLL_SECONDS)
        try:
            tokens = self.token_client.refresh(outcome.refresh_token)
        except PleoReauthorizationRequired as error:
            self._release(outcome.lease_id, failure=error)
            raise
        except BaseException:
            self._release(outcome.lease_id, failure=None)
            raise
        self._store(outcome.lease_id, tokens)
        return tokens.access_token

    def _claim(self, stale: str | None) -> str | _Claimed | None:
        """Under the row lock: a usable token (str), the lease (`_Claimed`), or None to wait."""
        now = self.now()
        with transaction.atomic():
            row = PleoConnection.objects.select_for_update().get(pk=self.connection.pk)
            self._adopt(row)
            if row.status == PleoConnection.Status.NEEDS_REAUTHORIZATION:
                raise _needs_reauthorization(row)
            if row.access_token and row.access_token != stale and not row.access_token_expired(now):
                return row.access_token  # someone else refreshed while we were not looking
            if row.refresh_lease_expires_at and row.refresh_lease_expires_at > now:
                return None
            if not row.refresh_token:
                raise _needs_reauthorization(row, "the connection has no refresh token")
            lease_id = uuid.uuid4().hex
            row.refresh_lease_id = lease_id
            row.refresh_lease_expires_at = now + timedelta(seconds=self.lease_seconds)
            row.save(update_fields=["refresh_lease_id", "refresh_lease_expires_at", "updated_at"])
            return _Claimed(row.refresh_token, lease_id)

    def _store(self, lease_id: str, tokens: TokenSet) -> None:
        with transaction.atomic():
            row = PleoConnection.objects.select_for_update().get(pk=self.connection.pk)
            if row.refresh_lease_id != lease_id:
                # Our lease ran out and someone else claimed it. Pleo answered *us*, so ours is
                # the newest pair anyway; store it so the grant is not lost.
                logger.warning("OAuth refresh lease of connection %s expired mid-refresh", row.pk)
            row.access_token = tokens.access_token
            row.refresh_token = tokens.refresh_token
            row.access_token_expires_at = tokens.expires_at
            row.refresh_lease_id = ""
            row.refresh_lease_expires_at = None
            row.status = PleoConnection.Status.ACTIVE
            row.status_detail = ""
            row.save(update_fields=[*_TOKEN_FIELDS, *_LEASE_FIELDS, "status", "status_detail"])
            self._adopt(row)
        logger.info("Refreshed the OAuth token of Pleo connection %s", row.pk)

    def _release(self, lease_id: str, *, failure: PleoReauthorizationRequired | None) -> None:
        with transaction.atomic():
            row = PleoConnection.objects.select_for_update().get(pk=self.connection.pk)
            fields = []
            if row.refresh_lease_id == lease_id:
                row.refresh_lease_id = ""
                row.refresh_lease_expires_at = None
                fields += _LEASE_FIELDS
            if failure is not None:
                row.status = PleoConnection.Status.NEEDS_REAUTHORIZATION
                row.status_detail = str(failure)[:500]
                fields += ["status", "status_detail"]
            if fields:
                row.save(update_fields=fields)
            self._adopt(row)
        if failure is not None:
            logger.warning("Pleo connection %s needs reauthorization: %s", row.pk, failure)

    def _adopt(self, row: PleoConnection) -> None:
        """Copy the row's token state onto the caller's connection object."""
        for name in (*_TOKEN_FIELDS, *_LEASE_FIELDS, "status", "status_detail"):
            setattr(self.connection, name, getattr(row, name))


_TOKEN_FIELDS = ["access_token", "refresh_token", "access_token_expires_at", "updated_at"]
_LEASE_FIELDS = ["refresh_lease_id", "refresh_lease_expires_at"]


def _needs_reauthorization(
    conn: PleoConnection, detail: str | None = None
) -> PleoReauthorizationRequired:
    reason = detail or conn.status_detail or "the OAuth grant was refused"
    return PleoReauthorizationRequired(
        f"Pleo connection {conn.pk} needs to be authorised again: {reason}",
        status=401,
        type="needs_reauthorization",
    )


def store_tokens(connection: PleoConnection, tokens: TokenSet) -> None:
    """Save a new token pair (e.g. after the code exchange) and mark the connection active."""
    with transaction.atomic():
        row = PleoConnection.objects.select_for_update().get(pk=connection.pk)
        row.access_token = tokens.access_token
        row.refresh_token = tokens.refresh_token
        row.access_token_expires_at = tokens.expires_at
        row.status = PleoConnection.Status.ACTIVE
        row.status_detail = ""
        row.save(update_fields=[*_TOKEN_FIELDS, "status", "status_detail"])
    for name in (*_TOKEN_FIELDS, "status", "status_detail"):
        setattr(connection, name, getattr(row, name))

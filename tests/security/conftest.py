"""The security tests use the dashboard's world: a sandbox company wired to a Beancount ledger,
users of every role, and the hub reaching the sandbox in-process."""

from __future__ import annotations

from tests.dashboard.conftest import *  # noqa: F403

from __future__ import annotations

# The engine tests' world: a seeded sandbox company reached in-process, wired to a Beancount ledger.
from tests.sync.conftest import (  # noqa: F401
    beancount,
    company,
    integration,
    ledger_path,
    pleo_connection,
    pleo_in_process,
    quick_retries,
)

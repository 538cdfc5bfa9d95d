"""The connector conformance kit (imports pytest; for connectors' test suites only).

A connector's test module subclasses `ConnectorConformance` and defines a `target` fixture
returning a `Target`; see docs/connectors.md.
"""

from __future__ import annotations

from exporthub.connectors.testing.corpus import CORPUS, ERROR_CASES, Chart, ErrorCase, corpus
from exporthub.connectors.testing.suite import (
    ConnectorConformance,
    assert_booked,
    die_while_posting,
    post_then_die,
)
from exporthub.connectors.testing.target import Posted, PostedLine, Supports, Target

__all__ = [
    "CORPUS",
    "ERROR_CASES",
    "Chart",
    "ConnectorConformance",
    "ErrorCase",
    "Posted",
    "PostedLine",
    "Supports",
    "Target",
    "assert_booked",
    "corpus",
    "die_while_posting",
    "post_then_die",
]

"""The connector conformance kit (imports pytest; for connectors' test suites only).

A connector's test module subclasses `ConnectorConformance` and defines a `target` fixture
returning a `Target`; see docs/connectors.md.
"""

from __future__ import annotations

import pytest

# The kit's checks are plain asserts: have pytest explain them as it does in test modules.
pytest.register_assert_rewrite("exporthub.connectors.testing.suite")

from exporthub.connectors.testing.corpus import (  # noqa: E402  (after the rewrite hook)
    CORPUS,
    ERROR_CASES,
    Chart,
    ErrorCase,
    corpus,
)
from exporthub.connectors.testing.suite import (  # noqa: E402
    ConnectorConformance,
    assert_booked,
    post_then_die,
)
from exporthub.connectors.testing.target import Posted, PostedLine, Supports, Target  # noqa: E402

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
    "post_then_die",
]

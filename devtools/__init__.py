"""Development tools: test, bench and demo infrastructure; not part of the installed package."""

from __future__ import annotations

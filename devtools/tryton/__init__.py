"""A local Tryton server for the tests, the bench and the Tryton demo."""

from __future__ import annotations

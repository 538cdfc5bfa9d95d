"""Signals a runtime app sends for others to hear, without importing them (see ops/apps.py)."""

from __future__ import annotations

from django.dispatch import Signal

# Calls to an outside system, summed over a batch: sent with `target` ("erp") and `calls`, a dict
# of (operation, outcome) -> (count, seconds). The sender keeps no process-local counters.
external_calls = Signal()

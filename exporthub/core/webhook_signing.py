"""Webhook signatures in the "Standard Webhooks" scheme, which Pleo's delivery headers follow.

Headers: `webhook-id`, `webhook-timestamp` (Unix seconds) and `webhook-signature`
(`v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">`, several space-separated values allowed).
The secret is `whsec_<base64>`; a secret without that prefix is used as raw UTF-8 bytes.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import time
import uuid

TOLERANCE_SECONDS = 5 * 60


class InvalidSignature(Exception):
    """The webhook's signature is missing, malformed, stale or does not match."""


def _key(secret: str) -> bytes:
    if secret.startswith("whsec_"):
        return base64.b64decode(secret.removeprefix("whsec_"), validate=True)
    return secret.encode()


def secret_problem(secret: str) -> str | None:
    """Why `secret` cannot sign anything (None when it can, or when none is set at all)."""
    if not secret:
        return None
    try:
        key = _key(secret)
    except (binascii.Error, ValueError):
        return "it starts with whsec_ but the rest is not base64"
    if not key.strip(b"\x00"):
        return "it decodes to no key at all"
    return None


def _signature(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    signed = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(_key(secret), signed, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def sign(secret: str, body: bytes, *, msg_id: str | None = None, now: int | None = None) -> dict:
    """Return the three headers that sign `body`."""
    msg_id = msg_id or f"msg_{uuid.uuid4().hex}"
    timestamp = int(time.time()) if now is None else now
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": f"v1,{_signature(secret, msg_id, timestamp, body)}",
    }


def verify(secret: str, headers, body: bytes, *, now: int | None = None) -> str:
    """Check the headers against `body`; return the message id or raise InvalidSignature."""
    if not secret:
        raise InvalidSignature("No webhook secret is configured, so no webhook can be trusted.")
    msg_id = headers.get("webhook-id") or ""
    raw_timestamp = headers.get("webhook-timestamp") or ""
    signatures = headers.get("webhook-signature") or ""
    if not (msg_id and raw_timestamp and signatures):
        raise InvalidSignature("Missing webhook-id, webhook-timestamp or webhook-signature header.")
    try:
        timestamp = int(raw_timestamp)
    except ValueError:
        raise InvalidSignature("webhook-timestamp is not a number.") from None
    current = int(time.time()) if now is None else now
    if abs(current - timestamp) > TOLERANCE_SECONDS:
        raise InvalidSignature("webhook-timestamp is too far from now (replay protection).")
    expected = _signature(secret, msg_id, timestamp, body)
    for candidate in signatures.split():
        version, _, value = candidate.partition(",")
        # Bytes: compare_digest refuses str with non-ASCII characters (a 500 on a bad header).
        if version == "v1" and hmac.compare_digest(value.encode(), expected.encode()):
            return msg_id
    raise InvalidSignature("No webhook-signature value matches the body.")

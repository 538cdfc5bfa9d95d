"""Symmetric encryption for secrets at rest (API keys, tokens, ERP credentials)."""

from __future__ import annotations

from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


class DecryptionError(Exception):
    """A stored secret could not be decrypted with any configured key."""


class UnreadableSecret(str):
    """A stored secret that no configured key decrypts: empty to the code, kept as stored.

    Pages show "re-enter this secret" for it instead of failing; saving the row writes the
    original token back unchanged, so restoring the right key later still recovers it.
    """

    token: str

    def __new__(cls, token: str) -> UnreadableSecret:
        secret = super().__new__(cls, "")
        secret.token = token
        return secret


def key_problems(keys: list[str]) -> list[str]:
    """What is wrong with the configured keys, one sentence each (empty when all are usable)."""
    if not keys:
        return ["EXPORTHUB_ENCRYPTION_KEYS is empty."]
    problems = []
    for position, key in enumerate(keys, start=1):
        try:
            Fernet(key.encode())
        except ValueError:
            problems.append(
                f"Key {position} of EXPORTHUB_ENCRYPTION_KEYS is not a Fernet key "
                "(32 bytes in URL-safe base64, 44 characters)."
            )
    if len(set(keys)) != len(keys):
        problems.append("EXPORTHUB_ENCRYPTION_KEYS lists the same key twice.")
    return problems


@cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key.encode()) for key in keys])


def _current() -> MultiFernet:
    return _fernet(tuple(settings.ENCRYPTION_KEYS))


def encrypt(plaintext: str) -> str:
    """Encrypt with the first configured key."""
    return _current().encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str:
    """Decrypt with any configured key, so old keys keep working during a rotation."""
    try:
        return _current().decrypt(token.encode()).decode()
    except InvalidToken:
        raise DecryptionError(
            "A stored secret cannot be decrypted: EXPORTHUB_ENCRYPTION_KEYS does not hold the key "
            "it was encrypted with."
        ) from None

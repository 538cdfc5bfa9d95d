from __future__ import annotations

import pytest
from cryptography.fernet import Fernet

from exporthub.core import crypto


def test_it_round_trips_a_secret():
    token = crypto.encrypt("pleo-api-key-123")
    assert "pleo-api-key-123" not in token
    assert crypto.decrypt(token) == "pleo-api-key-123"


def test_it_decrypts_with_an_older_key_after_rotation(settings):
    old_key = Fernet.generate_key().decode()
    settings.ENCRYPTION_KEYS = [old_key]
    token = crypto.encrypt("s3cret")
    settings.ENCRYPTION_KEYS = [Fernet.generate_key().decode(), old_key]
    assert crypto.decrypt(token) == "s3cret"


def test_it_says_clearly_when_no_key_fits(settings):
    settings.ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    token = crypto.encrypt("s3cret")
    settings.ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(crypto.DecryptionError, match="EXPORTHUB_ENCRYPTION_KEYS"):
        crypto.decrypt(token)

from __future__ import annotations

import logging

from django.db import models

from exporthub.core import crypto

log = logging.getLogger(__name__)


class EncryptedTextField(models.TextField):
    """A text column stored as a Fernet token; Python code only ever sees the plaintext.

    Values cannot be filtered on (the ciphertext changes on every write), and the field is
    hidden from ModelForms and the admin by default so it is never echoed back to a page.
    """

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)

    def from_db_value(self, value, expression, connection):
        if not value:
            return ""
        try:
            return crypto.decrypt(value)
        except crypto.DecryptionError:
            log.warning("A stored %s cannot be decrypted with the configured keys", self.name)
            return crypto.UnreadableSecret(value)

    def get_prep_value(self, value):
        if isinstance(value, crypto.UnreadableSecret):
            return value.token
        value = super().get_prep_value(value)
        if not value:
            return ""
        return crypto.encrypt(value)


def encrypted_fields(model) -> list[str]:
    return [f.attname for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]


def unreadable_secrets(instance) -> list[str]:
    """Names of the instance's encrypted fields that no configured key decrypts."""
    return [
        name
        for name in encrypted_fields(type(instance))
        if isinstance(getattr(instance, name), crypto.UnreadableSecret)
    ]

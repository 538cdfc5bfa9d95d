"""Start-up checks (Django's system check framework), run before `bin/serve` starts anything."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, register

from exporthub.core.crypto import key_problems

KEY_HINT = (
    "Set EXPORTHUB_ENCRYPTION_KEYS to comma-separated Fernet keys, newest first; make one with: "
    "python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'. "
    "Keep the old keys listed until `manage.py rotate_secrets` has re-encrypted everything."
)


@register()
def encryption_keys(app_configs, **kwargs) -> list[Error]:
    return [
        Error(problem, hint=KEY_HINT, id="exporthub.E001")
        for problem in key_problems(list(settings.ENCRYPTION_KEYS))
    ]

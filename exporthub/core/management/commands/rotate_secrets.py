"""`manage.py rotate_secrets`: re-encrypt every stored secret with the first key."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from exporthub.core.secrets_rotation import rotate_secrets


class Command(BaseCommand):
    help = (
        "Re-encrypt every stored secret with the first key of EXPORTHUB_ENCRYPTION_KEYS; "
        "afterwards the other keys can be removed."
    )

    def handle(self, *args, **options):
        result = rotate_secrets()
        self.stdout.write(f"Re-encrypted the secrets of {result.rows} rows with the first key.")
        if result.unreadable:
            for where in result.unreadable:
                self.stderr.write(f"cannot decrypt {where}")
            raise CommandError(
                f"{len(result.unreadable)} secrets cannot be decrypted with any configured key "
                "and were left as they are: keep the old keys until they are re-entered."
            )
        self.stdout.write("Every secret now opens with the first key alone.")

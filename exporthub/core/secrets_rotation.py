"""Re-encrypt every stored secret with the first configured key, so older keys can be retired."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.apps import apps
from django.db import transaction

from exporthub.core.fields import encrypted_fields, unreadable_secrets


@dataclass
class Rotation:
    rows: int = 0
    unreadable: list[str] = field(default_factory=list)  # "app.Model #pk: field" that no key opens


def rotate_secrets() -> Rotation:
    """Rewrite each encrypted column of every row; rows with an unreadable secret keep it as is.

    Uses `update()` so timestamps such as `updated_at` do not change.
    """
    result = Rotation()
    for model in apps.get_models():
        names = encrypted_fields(model)
        if not names:
            continue
        for row in model._default_manager.order_by("pk").iterator(chunk_size=500):
            lost = set(unreadable_secrets(row))
            result.unreadable += [f"{model._meta.label} #{row.pk}: {name}" for name in lost]
            readable = {name: getattr(row, name) for name in names if name not in lost}
            if readable:
                with transaction.atomic():
                    model._default_manager.filter(pk=row.pk).update(**readable)
                result.rows += 1
    return result

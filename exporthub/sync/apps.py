from __future__ import annotations

from django.apps import AppConfig


class SyncConfig(AppConfig):
    name = "exporthub.sync"
    label = "sync"
    verbose_name = "Sync engine"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from exporthub.sync import queue_text_index

        # SQLite's index for the queue's text search (see queue_text_index.py).
        post_migrate.connect(queue_text_index.ensure, sender=self, dispatch_uid="queue-text")

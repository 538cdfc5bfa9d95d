"""An index for the queue's text search on SQLite, as PostgreSQL's trigram index is there.

`QueuedEntry.search_text` holds the supplier, note, category and employee in lower case.
PostgreSQL finds a word in it through a trigram GIN index; SQLite has no such index, so a rare
word meant reading every queued entry. Here SQLite gets an FTS5 table with the trigram tokenizer
over that column (external content: the text is stored once, in the queue's table), kept by
triggers; `contains()` asks it for the rows holding a piece of text.

The triggers belong to the queue's table, and Django rebuilds a SQLite table for many schema
changes (dropping its triggers with it), so they are not created by one migration but checked
after every `migrate` (`ensure`, on `post_migrate`): missing ones are made again and the index
rebuilt from the table.
"""

from __future__ import annotations

from django.db import connections
from django.db.models import Q
from django.db.models.expressions import RawSQL

TABLE = "sync_queuedentry"
INDEX = "sync_queuedentry_text"
TRIGGERS = {
    f"{INDEX}_inserted": f"AFTER INSERT ON {TABLE} BEGIN "
    f"INSERT INTO {INDEX}(rowid, search_text) VALUES (new.id, new.search_text); END",
    f"{INDEX}_deleted": f"AFTER DELETE ON {TABLE} BEGIN "
    f"INSERT INTO {INDEX}({INDEX}, rowid, search_text) "
    f"VALUES ('delete', old.id, old.search_text); END",
    f"{INDEX}_updated": f"AFTER UPDATE ON {TABLE} "
    "WHEN old.search_text IS NOT new.search_text BEGIN "
    f"INSERT INTO {INDEX}({INDEX}, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); "
    f"INSERT INTO {INDEX}(rowid, search_text) VALUES (new.id, new.search_text); END",
}
SHORTEST = 3  # the trigram tokenizer finds nothing shorter than one trigram


def ensure(using: str = "default", **kwargs) -> bool:
    """Create the index and its triggers on a SQLite database where any is missing (then
    rebuild the index from the table); True when something was made. Receiver of
    `post_migrate`."""
    connection = connections[using]
    if connection.vendor != "sqlite":
        return False
    with connection.cursor() as cursor:
        tables = set(connection.introspection.table_names(cursor))
        if TABLE not in tables:
            return False
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s", [TABLE]
        )
        present = {row[0] for row in cursor.fetchall()}
        if INDEX in tables and present >= set(TRIGGERS):
            return False
        cursor.execute(
            f"CREATE VIRTUAL TABLE IF NOT EXISTS {INDEX} USING fts5(search_text, "
            f"content='{TABLE}', content_rowid='id', tokenize='trigram')"
        )
        for name, body in TRIGGERS.items():
            cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
            cursor.execute(f"CREATE TRIGGER {name} {body}")
        cursor.execute(f"INSERT INTO {INDEX}({INDEX}) VALUES ('rebuild')")
    return True


def contains(text: str, using: str) -> Q:
    """Queued entries whose `search_text` contains `text` (already in lower case)."""
    if connections[using].vendor != "sqlite" or len(text) < SHORTEST:
        return Q(search_text__contains=text)
    phrase = '"' + text.replace('"', '""') + '"'  # one FTS5 string: matched as a substring
    return Q(pk__in=RawSQL(f"SELECT rowid FROM {INDEX} WHERE {INDEX} MATCH %s", [phrase]))

"""An example third-party exporthub connector: journal entries into a SQLite books file."""

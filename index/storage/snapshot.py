"""A consistent copy of the SQLite file for `kb backup`, and the check a restore makes of one.

With PostgreSQL the database is backed up with pg_dump instead (docs/operations.md).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path


def copy_sqlite(db_path: Path, target: Path) -> dict:
    """SQLite's online backup into one self-contained file; returns what it holds."""
    source, copy = sqlite3.connect(db_path), sqlite3.connect(target)
    try:
        source.backup(copy)
        copy.execute("PRAGMA journal_mode=DELETE")
        return _summary(copy)
    finally:
        copy.close()
        source.close()


def check_sqlite(path: Path) -> str:
    """'ok', or what SQLite finds wrong with the file."""
    db = sqlite3.connect(path)
    try:
        return db.execute("PRAGMA integrity_check").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        return str(exc)
    finally:
        db.close()


def _summary(db: sqlite3.Connection) -> dict:
    def count(table: str) -> int:
        try:
            return db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        except sqlite3.OperationalError:  # a table an older release had not created yet
            return 0

    generation = db.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()
    return {
        "generation": int(generation[0]) if generation else 0,
        "documents": count("documents"),
        "versions": count("versions"),
        "accounts": count("users"),
        "courses": count("courses"),
        "audit_entries": count("audit_log"),
    }

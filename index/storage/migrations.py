"""Versioned schema changes, applied in order at start-up on SQLite and PostgreSQL alike.

schema_migrations records each one applied. A database from before this table
existed has the tables of migration 1 already (it uses IF NOT EXISTS) and gets
what it lacks from the later ones. Opening a current database only reads.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from index.storage.database import Database, utc_now


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    apply: Callable[[Database], None]


def _statements(*sql: str) -> Callable[[Database], None]:
    def apply(db: Database) -> None:
        for statement in sql:
            db.run(db.ddl(statement))

    return apply


_BASELINE = _statements(
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    """CREATE TABLE IF NOT EXISTS documents (
        doc_id TEXT PRIMARY KEY,
        title TEXT NOT NULL,
        region TEXT,
        doc_type TEXT,
        parties TEXT NOT NULL DEFAULT '[]',
        decided TEXT,
        valid_from TEXT,
        valid_to TEXT,
        status TEXT NOT NULL,
        guessed INTEGER NOT NULL DEFAULT 0,
        format TEXT NOT NULL,
        source_path TEXT NOT NULL,
        content_hash TEXT NOT NULL,
        current_version INTEGER NOT NULL,
        retired INTEGER NOT NULL DEFAULT 0,
        text TEXT NOT NULL,
        footnotes TEXT NOT NULL DEFAULT '[]',
        report TEXT NOT NULL DEFAULT '{{}}'
    )""",
    """CREATE TABLE IF NOT EXISTS meta_edits (
        doc_id TEXT NOT NULL,
        field TEXT NOT NULL,
        value TEXT,
        edited_by TEXT,
        edited_at TEXT NOT NULL DEFAULT {now},
        PRIMARY KEY (doc_id, field)
    )""",
    """CREATE TABLE IF NOT EXISTS versions (
        doc_id TEXT NOT NULL,
        version INTEGER NOT NULL,
        content_hash TEXT NOT NULL,
        ingested_at TEXT NOT NULL DEFAULT {now},
        ingested_by TEXT,
        source_file TEXT,
        report TEXT NOT NULL DEFAULT '{{}}',
        PRIMARY KEY (doc_id, version)
    )""",
    """CREATE TABLE IF NOT EXISTS chunks (
        id {id},
        chunk_id TEXT NOT NULL UNIQUE,
        doc_id TEXT NOT NULL,
        ord INTEGER NOT NULL,
        section_path TEXT NOT NULL,
        text TEXT NOT NULL,
        kind TEXT NOT NULL,
        page INTEGER,
        line_start INTEGER,
        line_end INTEGER,
        char_start INTEGER NOT NULL,
        char_end INTEGER NOT NULL,
        on_topic INTEGER NOT NULL,
        proposal INTEGER NOT NULL,
        footnotes TEXT NOT NULL DEFAULT '[]',
        table_data TEXT,
        responsibility TEXT NOT NULL DEFAULT '[]',
        priority TEXT NOT NULL DEFAULT '[]',
        embed_keys TEXT NOT NULL,
        first_version INTEGER NOT NULL,
        last_version INTEGER NOT NULL,
        active INTEGER NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS chunks_doc ON chunks (doc_id, active, ord)",
    """CREATE TABLE IF NOT EXISTS responsibilities (
        chunk_id TEXT NOT NULL,
        doc_id TEXT NOT NULL,
        activity TEXT NOT NULL,
        principal TEXT,
        units TEXT NOT NULL,
        kind TEXT NOT NULL,
        strength TEXT NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS responsibilities_chunk ON responsibilities (chunk_id)",
    """CREATE TABLE IF NOT EXISTS priorities (
        chunk_id TEXT NOT NULL,
        doc_id TEXT NOT NULL,
        level INTEGER,
        label TEXT NOT NULL,
        recommendation TEXT NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS priorities_chunk ON priorities (chunk_id)",
    "CREATE TABLE IF NOT EXISTS embeddings (key TEXT PRIMARY KEY, vector {blob} NOT NULL)",
    """CREATE TABLE IF NOT EXISTS users (
        name TEXT PRIMARY KEY,
        role TEXT NOT NULL,
        password_hash TEXT NOT NULL,
        created_at TEXT NOT NULL DEFAULT {now}
    )""",
    """CREATE TABLE IF NOT EXISTS sessions (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        expires DOUBLE PRECISION NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS sessions_name ON sessions (name)",
    """CREATE TABLE IF NOT EXISTS audit_log (
        id {id},
        at TEXT NOT NULL DEFAULT {now},
        who TEXT,
        action TEXT NOT NULL,
        detail TEXT NOT NULL DEFAULT ''
    )""",
    """CREATE TABLE IF NOT EXISTS courses (
        id {id},
        slug TEXT NOT NULL UNIQUE,
        title TEXT NOT NULL,
        description TEXT NOT NULL DEFAULT '',
        owner TEXT NOT NULL,
        published INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL DEFAULT {now},
        updated_at TEXT NOT NULL DEFAULT {now}
    )""",
    """CREATE TABLE IF NOT EXISTS course_items (
        id {id},
        course_id INTEGER NOT NULL REFERENCES courses (id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        chunk_id TEXT NOT NULL,
        note TEXT NOT NULL DEFAULT '',
        added_at TEXT NOT NULL DEFAULT {now}
    )""",
    "CREATE INDEX IF NOT EXISTS course_items_course ON course_items (course_id, position)",
)

# Added to documents after the first release; a database from before migrations may lack them.
_DECISION_COLUMNS = {"retired_by": "TEXT", "meta_base": "TEXT"}


def _decision_columns(db: Database) -> None:
    for column in _DECISION_COLUMNS.keys() - db.columns("documents"):
        db.run(f"ALTER TABLE documents ADD COLUMN {column} {_DECISION_COLUMNS[column]}")


MIGRATIONS = (
    Migration(1, "corpus, accounts, courses", _BASELINE),
    Migration(2, "editors' decisions kept apart from the file", _decision_columns),
    # Failures get an id of their own (PostgreSQL has no rowid); they are short-lived, so none are kept.
    Migration(
        3,
        "login failures with ids",
        _statements(
            "DROP TABLE IF EXISTS login_failures",
            "CREATE TABLE login_failures (id {id}, key TEXT NOT NULL, at DOUBLE PRECISION NOT NULL)",
            "CREATE INDEX login_failures_key ON login_failures (key, at)",
        ),
    ),
    # An upload waits here until its editor publishes it; the reading itself is in the draft's preview folder.
    Migration(
        4,
        "drafts of uploads",
        _statements(
            """CREATE TABLE drafts (
            id TEXT PRIMARY KEY,
            doc_id TEXT NOT NULL,
            target_version INTEGER,
            file_name TEXT NOT NULL,
            file TEXT NOT NULL,
            chosen TEXT NOT NULL DEFAULT '{{}}',
            uploaded_by TEXT NOT NULL,
            uploaded_at TEXT NOT NULL DEFAULT {now},
            changes TEXT NOT NULL DEFAULT '[]'
        )""",
            "CREATE INDEX drafts_doc ON drafts (doc_id)",
        ),
    ),
    # A name the redaction rules missed, marked by an editor on the reading page; kept as a digest of
    # the name salted with the document's id (ingest/redact.py MarkedNames), never as written.
    Migration(
        5,
        "names marked for masking",
        _statements(
            """CREATE TABLE masked_names (
            doc_id TEXT NOT NULL,
            digest TEXT NOT NULL,
            words INTEGER NOT NULL,
            marked_by TEXT,
            marked_at TEXT NOT NULL DEFAULT {now},
            PRIMARY KEY (doc_id, digest)
        )""",
        ),
    ),
)
LATEST = MIGRATIONS[-1].version


def applied(db: Database) -> int:
    if not db.has_table("schema_migrations"):
        return 0
    return db.value("SELECT max(version) FROM schema_migrations") or 0


def migrate(db: Database) -> list[int]:
    """Apply what is missing, each in order, all in one transaction; returns the versions applied.

    Reads first, so opening a current database never waits for a running ingest.
    """
    if applied(db) == LATEST:
        return []
    with db.transaction(lock="kb-migrations"):
        db.run(
            "CREATE TABLE IF NOT EXISTS schema_migrations "
            "(version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
        )
        done = applied(db)  # asked again: another process may have just done it
        pending = [m for m in MIGRATIONS if m.version > done]
        for migration in pending:
            migration.apply(db)
            db.run(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                (migration.version, migration.name, utc_now()),
            )
    return [m.version for m in pending]

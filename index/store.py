"""SQLite storage for documents, their versions, chunks, tags and cached vectors.

All SQL about the corpus lives here, behind a small interface, so a larger
deployment can move it to a server database. Chunks are never deleted: a chunk
that leaves the current version is marked inactive, so permalinks to old
versions keep resolving and history is kept.

Editors' decisions are kept apart from what a file says, so no ingest undoes
them: a metadata edit is a row in meta_edits laid over the manifest's (or the
guessed) values of every new version, and a document an editor took out of
search says so in retired_by. Paths inside the data dir are stored relative to
it, so a restored copy works in any folder.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import date
import threading
from pathlib import Path

import numpy as np

from ingest.model import DocumentMeta

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS documents (
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
    report TEXT NOT NULL DEFAULT '{}'
);
CREATE TABLE IF NOT EXISTS meta_edits (
    doc_id TEXT NOT NULL,
    field TEXT NOT NULL,
    value TEXT,  -- JSON
    edited_by TEXT,
    edited_at TEXT NOT NULL DEFAULT (datetime('now')),
    PRIMARY KEY (doc_id, field)
);
CREATE TABLE IF NOT EXISTS versions (
    doc_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    content_hash TEXT NOT NULL,
    ingested_at TEXT NOT NULL DEFAULT (datetime('now')),
    ingested_by TEXT,
    source_file TEXT,
    report TEXT NOT NULL DEFAULT '{}',
    PRIMARY KEY (doc_id, version)
);
CREATE TABLE IF NOT EXISTS chunks (
    id INTEGER PRIMARY KEY,
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
);
CREATE INDEX IF NOT EXISTS chunks_doc ON chunks (doc_id, active, ord);
CREATE TABLE IF NOT EXISTS responsibilities (
    chunk_id TEXT NOT NULL,
    doc_id TEXT NOT NULL,
    activity TEXT NOT NULL,
    principal TEXT,
    units TEXT NOT NULL,
    kind TEXT NOT NULL,
    strength TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS responsibilities_chunk ON responsibilities (chunk_id);
CREATE TABLE IF NOT EXISTS priorities (
    chunk_id TEXT NOT NULL,
    doc_id TEXT NOT NULL,
    level INTEGER,
    label TEXT NOT NULL,
    recommendation TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS priorities_chunk ON priorities (chunk_id);
CREATE TABLE IF NOT EXISTS embeddings (key TEXT PRIMARY KEY, vector BLOB NOT NULL);
"""

_META_FIELDS = ("title", "region", "doc_type", "decided", "valid_from", "valid_to", "status")
META_KEYS = (*_META_FIELDS, "parties")
# Columns added after the first release; added to an older database when it is opened.
_ADDED_COLUMNS = {"retired_by": "TEXT", "meta_base": "TEXT"}
# Where kept files live inside the data dir; used to repair absolute paths of older databases.
_DATA_FOLDERS = ("sources", "uploads")


class Store:
    """One SQLite file; a connection per thread, WAL so readers never wait for the writer."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.data_dir = self.path.parent.resolve()
        self._local = threading.local()
        with self.connection() as db:
            db.executescript(SCHEMA)
        self._upgrade()

    def _upgrade(self) -> None:
        """Bring a database written by an older release up to date.

        Looks first and writes only when something is out of date, so opening
        a current database never waits for a running ingest's write lock.
        """
        db = self.connection()

        def missing_columns() -> list[str]:
            present = {row[1] for row in db.execute("PRAGMA table_info(documents)")}
            return [column for column in _ADDED_COLUMNS if column not in present]

        # Older releases stored absolute paths; a path into a data dir (this one or the one a backup came from)
        # becomes relative when the same file is found here.
        moves = [
            (table, key, column, row_key, stored, relative)
            for table, key, column in (("documents", "doc_id", "source_path"), ("versions", "rowid", "source_file"))
            for row_key, stored in db.execute(f"SELECT {key}, {column} FROM {table} WHERE {column} LIKE '/%'").fetchall()
            if (relative := self._relative_in_data_dir(stored)) != stored
        ]
        if not missing_columns() and not moves:
            return
        with transaction(db):
            for column in missing_columns():  # asked again: another process may have just done it
                db.execute(f"ALTER TABLE documents ADD COLUMN {column} {_ADDED_COLUMNS[column]}")
            for table, key, column, row_key, stored, relative in moves:
                db.execute(f"UPDATE {table} SET {column} = ? WHERE {key} = ? AND {column} = ?", (relative, row_key, stored))

    def _relative_in_data_dir(self, stored: str) -> str:
        path = Path(stored)
        try:
            return path.resolve().relative_to(self.data_dir).as_posix()
        except ValueError:
            pass
        parts = path.parts
        for i, part in enumerate(parts):
            if part in _DATA_FOLDERS and (self.data_dir.joinpath(*parts[i:])).is_file():
                return Path(*parts[i:]).as_posix()
        return stored

    def relative(self, path: str | Path) -> str:
        """How a path is stored: relative when inside the data dir, else absolute (a corpus folder)."""
        path = Path(path).resolve()
        try:
            return path.relative_to(self.data_dir).as_posix()
        except ValueError:
            return str(path)

    def absolute(self, stored: str | None) -> str | None:
        """A stored path as a usable absolute path."""
        if not stored:
            return stored
        return str(self.data_dir / stored) if not Path(stored).is_absolute() else stored

    def connection(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
            db.row_factory = sqlite3.Row
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute("PRAGMA foreign_keys=ON")
            self._local.db = db
        return db

    # -- generations -------------------------------------------------------

    def generation(self) -> int:
        row = self.connection().execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()
        return int(row[0]) if row else 0

    def set_generation(self, db: sqlite3.Connection, generation: int) -> None:
        db.execute(
            "INSERT INTO meta (key, value) VALUES ('generation', ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (str(generation),),
        )

    # -- reading -----------------------------------------------------------

    def documents(self, include_retired: bool = False) -> list[dict]:
        sql = (
            "SELECT d.*, (SELECT count(*) FROM chunks c WHERE c.doc_id = d.doc_id AND c.active) AS chunk_count "
            "FROM documents d"
        )
        if not include_retired:
            sql += " WHERE NOT d.retired"
        return [self._document(row) for row in self.connection().execute(sql + " ORDER BY d.region, d.title")]

    def regions(self) -> list[str]:
        """The regions of searchable documents."""
        rows = self.connection().execute(
            "SELECT DISTINCT region FROM documents WHERE NOT retired AND region IS NOT NULL ORDER BY region"
        )
        return [row[0] for row in rows]

    def document(self, doc_id: str) -> dict | None:
        row = self.connection().execute("SELECT * FROM documents WHERE doc_id = ?", (doc_id,)).fetchone()
        return self._document(row) if row else None

    def versions(self, doc_id: str) -> list[dict]:
        rows = self.connection().execute(
            "SELECT * FROM versions WHERE doc_id = ? ORDER BY version DESC", (doc_id,)
        )
        return [
            dict(row) | {"report": json.loads(row["report"]), "source_file": self.absolute(row["source_file"])}
            for row in rows
        ]

    def chunk(self, chunk_id: str) -> dict | None:
        row = self.connection().execute("SELECT * FROM chunks WHERE chunk_id = ?", (chunk_id,)).fetchone()
        return _chunk(row) if row else None

    def chunks_by_rowid(self, rowids: list[int]) -> dict[int, dict]:
        if not rowids:
            return {}
        marks = ",".join("?" * len(rowids))
        rows = self.connection().execute(f"SELECT * FROM chunks WHERE id IN ({marks}) AND active", rowids)
        return {row["id"]: _chunk(row) for row in rows}

    def document_chunks(self, doc_id: str, active_only: bool = True) -> list[dict]:
        sql = "SELECT * FROM chunks WHERE doc_id = ?" + (" AND active" if active_only else "") + " ORDER BY ord"
        return [_chunk(row) for row in self.connection().execute(sql, (doc_id,))]

    def neighbours(self, chunk: dict, around: int = 1) -> tuple[list[dict], list[dict]]:
        db = self.connection()
        before = db.execute(
            "SELECT * FROM chunks WHERE doc_id = ? AND active AND ord < ? ORDER BY ord DESC LIMIT ?",
            (chunk["doc_id"], chunk["ord"], around),
        ).fetchall()
        after = db.execute(
            "SELECT * FROM chunks WHERE doc_id = ? AND active AND ord > ? ORDER BY ord LIMIT ?",
            (chunk["doc_id"], chunk["ord"], around),
        ).fetchall()
        return [_chunk(r) for r in reversed(before)], [_chunk(r) for r in after]

    def active_chunks(self) -> list[sqlite3.Row]:
        """What the search indexes are built from: row id, text and heading of every searchable chunk."""
        return self.connection().execute(
            "SELECT id, chunk_id, section_path, text, embed_keys FROM chunks WHERE active ORDER BY id"
        ).fetchall()

    def rowids_matching(self, filters) -> np.ndarray:
        """Row ids of the searchable passages that pass the filters (index/search.py `Filters`)."""
        sql = ["SELECT c.id FROM chunks c JOIN documents d ON d.doc_id = c.doc_id WHERE c.active"]
        params: list = []
        if filters.region:
            sql.append("AND lower(d.region) = lower(?)")
            params.append(filters.region)
        if filters.doc_type:
            sql.append("AND d.doc_type = ?")
            params.append(filters.doc_type)
        if filters.status:
            today = date.today().isoformat()
            if filters.status == "utgången":
                sql.append("AND d.status = 'gällande' AND d.valid_to IS NOT NULL AND d.valid_to < ?")
                params.append(today)
            elif filters.status == "gällande":
                sql.append("AND d.status = 'gällande' AND (d.valid_to IS NULL OR d.valid_to >= ?)")
                params.append(today)
            else:
                sql.append("AND d.status = ?")
                params.append(filters.status)
        if filters.priority:
            sql.append("AND c.chunk_id IN (SELECT chunk_id FROM priorities WHERE label = ?)")
            params.append(filters.priority)
        if filters.principal:
            sql.append("AND c.chunk_id IN (SELECT chunk_id FROM responsibilities WHERE principal = ?)")
            params.append(filters.principal)
        rows = self.connection().execute(" ".join(sql), params).fetchall()
        return np.fromiter((row[0] for row in rows), dtype="int64", count=len(rows))

    def responsibilities(self, chunk_ids: list[str] | None = None) -> list[dict]:
        sql = (
            "SELECT r.*, d.region, d.title, d.status FROM responsibilities r "
            "JOIN documents d ON d.doc_id = r.doc_id JOIN chunks c ON c.chunk_id = r.chunk_id "
            "WHERE c.active"
        )
        params: list = []
        if chunk_ids is not None:
            sql += f" AND r.chunk_id IN ({','.join('?' * len(chunk_ids))})"
            params = list(chunk_ids)
        rows = self.connection().execute(sql, params)
        return [dict(row) | {"units": json.loads(row["units"])} for row in rows]

    # -- vectors cache ---------------------------------------------------

    def cached_vectors(self, keys: list[str], dimension: int) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        db = self.connection()
        for start in range(0, len(keys), 500):
            part = keys[start : start + 500]
            rows = db.execute(f"SELECT key, vector FROM embeddings WHERE key IN ({','.join('?' * len(part))})", part)
            for key, blob in rows:
                vector = np.frombuffer(blob, dtype="float32")
                if vector.shape[0] == dimension:
                    found[key] = vector
        return found

    def put_vectors(self, keys: list[str], vectors: np.ndarray) -> None:
        db = self.connection()
        with transaction(db):
            db.executemany(
                "INSERT OR REPLACE INTO embeddings (key, vector) VALUES (?, ?)",
                [(k, np.asarray(v, dtype="float32").tobytes()) for k, v in zip(keys, vectors)],
            )

    # -- writing (inside the caller's transaction) ------------------------

    def write_version(self, db: sqlite3.Connection, document: dict, chunks: list[dict], who: str | None) -> int:
        """Store a new version of a document; chunks that left it stop being searchable.

        document["meta"] is what the file's manifest entry says, or a guess; the
        editors' edits of this document are laid over it.
        """
        doc_id = document["doc_id"]
        row = db.execute("SELECT max(version) FROM versions WHERE doc_id = ?", (doc_id,)).fetchone()
        version = (row[0] or 0) + 1
        meta: DocumentMeta = document["meta"]
        base = {"values": {k: getattr(meta, k) for k in META_KEYS}, "guessed": meta.guessed}
        source_path, source_file = self.relative(document["source_path"]), self.relative(document["source_file"])
        db.execute(
            "INSERT INTO versions (doc_id, version, content_hash, ingested_by, source_file, report) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (doc_id, version, document["content_hash"], who, source_file, json.dumps(document["report"])),
        )
        db.execute(
            """INSERT INTO documents (doc_id, title, region, doc_type, parties, decided, valid_from, valid_to,
                   status, guessed, format, source_path, content_hash, current_version, retired, text, footnotes, report,
                   meta_base)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?)
               ON CONFLICT (doc_id) DO UPDATE SET format = excluded.format, source_path = excluded.source_path,
                   content_hash = excluded.content_hash, current_version = excluded.current_version, retired = 0,
                   retired_by = NULL, text = excluded.text, footnotes = excluded.footnotes, report = excluded.report,
                   meta_base = excluded.meta_base""",
            (
                doc_id, meta.title, meta.region, meta.doc_type, json.dumps(meta.parties, ensure_ascii=False),
                meta.decided, meta.valid_from, meta.valid_to, meta.status, int(meta.guessed), document["format"],
                source_path, document["content_hash"], version, document["text"],
                json.dumps(document["footnotes"], ensure_ascii=False), json.dumps(document["report"], ensure_ascii=False),
                json.dumps(base, ensure_ascii=False),
            ),
        )
        self._apply_meta(db, doc_id)
        new_ids = [c["chunk_id"] for c in chunks]
        db.execute(
            f"UPDATE chunks SET active = 0 WHERE doc_id = ? AND active AND chunk_id NOT IN ({','.join('?' * len(new_ids))})",
            [doc_id, *new_ids],
        )
        for ord_, chunk in enumerate(chunks):
            db.execute(
                """INSERT INTO chunks (chunk_id, doc_id, ord, section_path, text, kind, page, line_start, line_end,
                       char_start, char_end, on_topic, proposal, footnotes, table_data, responsibility, priority,
                       embed_keys, first_version, last_version, active)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)
                   ON CONFLICT (chunk_id) DO UPDATE SET ord = excluded.ord, text = excluded.text,
                       kind = excluded.kind, page = excluded.page,
                       line_start = excluded.line_start, line_end = excluded.line_end,
                       char_start = excluded.char_start, char_end = excluded.char_end,
                       on_topic = excluded.on_topic, proposal = excluded.proposal, footnotes = excluded.footnotes,
                       table_data = excluded.table_data, responsibility = excluded.responsibility,
                       priority = excluded.priority, embed_keys = excluded.embed_keys,
                       last_version = excluded.last_version, active = 1""",
                (
                    chunk["chunk_id"], doc_id, ord_, json.dumps(chunk["section_path"], ensure_ascii=False),
                    chunk["text"], chunk["kind"], chunk["page"], chunk["line_start"], chunk["line_end"],
                    chunk["char_start"], chunk["char_end"], int(chunk["on_topic"]), int(chunk["proposal"]),
                    json.dumps(chunk["footnotes"]), _json_or_none(chunk["table"]),
                    json.dumps(chunk["responsibility"], ensure_ascii=False),
                    json.dumps(chunk["priority"], ensure_ascii=False), json.dumps(chunk["embed_keys"]), version, version,
                ),
            )
        db.execute("DELETE FROM responsibilities WHERE doc_id = ?", (doc_id,))
        db.execute("DELETE FROM priorities WHERE doc_id = ?", (doc_id,))
        db.executemany(
            "INSERT INTO responsibilities (chunk_id, doc_id, activity, principal, units, kind, strength) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (c["chunk_id"], doc_id, r["activity"], r["principal"], json.dumps(r["units"], ensure_ascii=False),
                 r["kind"], r["strength"])
                for c in chunks
                for r in c["responsibility"]
                if not r.get("negated")  # "ansvarar inte för" names no one responsible
            ],
        )
        db.executemany(
            "INSERT INTO priorities (chunk_id, doc_id, level, label, recommendation) VALUES (?, ?, ?, ?, ?)",
            [
                (c["chunk_id"], doc_id, p["level"], p["label"], p["recommendation"])
                for c in chunks
                for p in c["priority"]
            ],
        )
        return version

    def retire(self, db: sqlite3.Connection, doc_id: str, by: str | None = None) -> None:
        """Out of search, history kept. `by` names the editor who decided it; None means its file is gone."""
        db.execute("UPDATE documents SET retired = 1, retired_by = ? WHERE doc_id = ?", (by, doc_id))
        db.execute("UPDATE chunks SET active = 0 WHERE doc_id = ?", (doc_id,))

    def reinstate(self, db: sqlite3.Connection, doc_id: str) -> None:
        """Back into search: the passages of its current version become searchable again."""
        db.execute("UPDATE documents SET retired = 0, retired_by = NULL WHERE doc_id = ?", (doc_id,))
        db.execute(
            "UPDATE chunks SET active = 1 WHERE doc_id = ? "
            "AND last_version = (SELECT current_version FROM documents WHERE doc_id = ?)",
            (doc_id, doc_id),
        )

    # -- metadata: what the file says, what the editors changed --------------

    def update_meta(self, doc_id: str, meta: DocumentMeta, who: str | None) -> list[str]:
        """Record an editor's metadata form; returns the fields that changed.

        A changed field becomes an edit that every later version keeps; a field
        set back to what the manifest (or the guess) says stops being an edit.
        """
        db = self.connection()
        new = {k: getattr(meta, k) for k in META_KEYS}
        with transaction(db):
            document = self._document(db.execute("SELECT * FROM documents WHERE doc_id = ?", (doc_id,)).fetchone())
            base = self.file_meta(document)["values"]
            changed = [k for k in META_KEYS if new[k] != document[k]]
            for key in META_KEYS:
                if new[key] == base[key]:
                    db.execute("DELETE FROM meta_edits WHERE doc_id = ? AND field = ?", (doc_id, key))
                elif key in changed:
                    db.execute(
                        "INSERT INTO meta_edits (doc_id, field, value, edited_by) VALUES (?, ?, ?, ?) "
                        "ON CONFLICT (doc_id, field) DO UPDATE SET value = excluded.value, "
                        "edited_by = excluded.edited_by, edited_at = datetime('now')",
                        (doc_id, key, json.dumps(new[key], ensure_ascii=False), who),
                    )
            self._apply_meta(db, doc_id)
        return changed

    def reset_meta(self, doc_id: str) -> None:
        """Drop the editors' edits: the manifest's (or the guessed) values apply again."""
        db = self.connection()
        with transaction(db):
            db.execute("DELETE FROM meta_edits WHERE doc_id = ?", (doc_id,))
            self._apply_meta(db, doc_id)

    def meta_provenance(self, doc_id: str) -> dict[str, dict]:
        """Where each metadata value of the document comes from.

        {field: {"source": "editor" | "manifest" | "guess", "by", "at", "base"}}, where
        "base" is what the manifest or the guess says, shown beside an edit that replaced it.
        """
        db = self.connection()
        document = self.document(doc_id)
        base = self.file_meta(document)
        edits = {
            row["field"]: row for row in db.execute("SELECT * FROM meta_edits WHERE doc_id = ?", (doc_id,))
        }
        out = {}
        for key in META_KEYS:
            if key in edits:
                out[key] = {"source": "editor", "by": edits[key]["edited_by"], "at": edits[key]["edited_at"]}
            else:
                out[key] = {"source": "guess" if base["guessed"] else "manifest", "by": None, "at": None}
            out[key]["base"] = base["values"][key]
        return out

    def _apply_meta(self, db: sqlite3.Connection, doc_id: str) -> None:
        """documents' metadata columns = the file's values with the editors' edits over them."""
        row = db.execute("SELECT * FROM documents WHERE doc_id = ?", (doc_id,)).fetchone()
        base = self.file_meta(self._document(row))
        values = dict(base["values"])
        edited = set()
        for field, value in db.execute("SELECT field, value FROM meta_edits WHERE doc_id = ?", (doc_id,)):
            if field in values:
                values[field] = json.loads(value)
                edited.add(field)
        db.execute(
            f"UPDATE documents SET {', '.join(f'{f} = ?' for f in _META_FIELDS)}, parties = ?, guessed = ? "
            "WHERE doc_id = ?",
            [values[f] for f in _META_FIELDS]
            + [json.dumps(values["parties"], ensure_ascii=False), int(base["guessed"] and "title" not in edited), doc_id],
        )

    @staticmethod
    def file_meta(document: dict) -> dict:
        """The file's own metadata; a document stored before edits were kept apart has only its current values."""
        if document.get("meta_base"):
            return json.loads(document["meta_base"])
        return {"values": {k: document[k] for k in META_KEYS}, "guessed": document["guessed"]}

    def _document(self, row: sqlite3.Row) -> dict:
        doc = dict(row)
        doc["parties"] = json.loads(doc["parties"])
        doc["footnotes"] = json.loads(doc["footnotes"])
        doc["report"] = json.loads(doc["report"])
        doc["guessed"] = bool(doc["guessed"])
        doc["retired"] = bool(doc["retired"])
        doc["source_path"] = self.absolute(doc["source_path"])
        return doc


class transaction:
    """BEGIN IMMEDIATE … COMMIT, rolled back on any error (and by SQLite itself after a crash)."""

    def __init__(self, db: sqlite3.Connection):
        self.db = db

    def __enter__(self) -> sqlite3.Connection:
        self.db.execute("BEGIN IMMEDIATE")
        return self.db

    def __exit__(self, exc_type, exc, tb) -> None:
        self.db.execute("ROLLBACK" if exc_type else "COMMIT")


def _json_or_none(value) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False)


def _chunk(row: sqlite3.Row) -> dict:
    chunk = dict(row)
    for key in ("section_path", "footnotes", "responsibility", "priority", "embed_keys"):
        chunk[key] = json.loads(chunk[key])
    chunk["table"] = json.loads(chunk.pop("table_data")) if row["table_data"] else None
    chunk["on_topic"] = bool(chunk["on_topic"])
    chunk["proposal"] = bool(chunk["proposal"])
    chunk["active"] = bool(chunk["active"])
    chunk["section"] = " › ".join(chunk["section_path"])
    return chunk

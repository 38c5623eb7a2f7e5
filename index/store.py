"""SQLite storage for documents, their versions, chunks, tags and cached vectors.

All SQL about the corpus lives here, behind a small interface, so a larger
deployment can move it to a server database. Chunks are never deleted: a chunk
that leaves the current version is marked inactive, so permalinks to old
versions keep resolving and history is kept.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import date
import threading
from dataclasses import asdict
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


class Store:
    """One SQLite file; a connection per thread, WAL so readers never wait for the writer."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        with self.connection() as db:
            db.executescript(SCHEMA)

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
        return [_document(row) for row in self.connection().execute(sql + " ORDER BY d.region, d.title")]

    def regions(self) -> list[str]:
        """The regions of searchable documents."""
        rows = self.connection().execute(
            "SELECT DISTINCT region FROM documents WHERE NOT retired AND region IS NOT NULL ORDER BY region"
        )
        return [row[0] for row in rows]

    def document(self, doc_id: str) -> dict | None:
        row = self.connection().execute("SELECT * FROM documents WHERE doc_id = ?", (doc_id,)).fetchone()
        return _document(row) if row else None

    def versions(self, doc_id: str) -> list[dict]:
        rows = self.connection().execute(
            "SELECT * FROM versions WHERE doc_id = ? ORDER BY version DESC", (doc_id,)
        )
        return [dict(row) | {"report": json.loads(row["report"])} for row in rows]

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
        """Store a new version of a document; chunks that left it stop being searchable."""
        doc_id = document["doc_id"]
        row = db.execute("SELECT max(version) FROM versions WHERE doc_id = ?", (doc_id,)).fetchone()
        version = (row[0] or 0) + 1
        meta: DocumentMeta = document["meta"]
        db.execute(
            "INSERT INTO versions (doc_id, version, content_hash, ingested_by, source_file, report) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (doc_id, version, document["content_hash"], who, document["source_file"], json.dumps(document["report"])),
        )
        db.execute(
            """INSERT INTO documents (doc_id, title, region, doc_type, parties, decided, valid_from, valid_to,
                   status, guessed, format, source_path, content_hash, current_version, retired, text, footnotes, report)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?)
               ON CONFLICT (doc_id) DO UPDATE SET title = excluded.title, region = excluded.region,
                   doc_type = excluded.doc_type, parties = excluded.parties, decided = excluded.decided,
                   valid_from = excluded.valid_from, valid_to = excluded.valid_to, status = excluded.status,
                   guessed = excluded.guessed, format = excluded.format, source_path = excluded.source_path,
                   content_hash = excluded.content_hash, current_version = excluded.current_version, retired = 0,
                   text = excluded.text, footnotes = excluded.footnotes, report = excluded.report""",
            (
                doc_id, meta.title, meta.region, meta.doc_type, json.dumps(meta.parties, ensure_ascii=False),
                meta.decided, meta.valid_from, meta.valid_to, meta.status, int(meta.guessed), document["format"],
                document["source_path"], document["content_hash"], version, document["text"],
                json.dumps(document["footnotes"], ensure_ascii=False), json.dumps(document["report"], ensure_ascii=False),
            ),
        )
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

    def retire(self, db: sqlite3.Connection, doc_id: str) -> None:
        db.execute("UPDATE documents SET retired = 1 WHERE doc_id = ?", (doc_id,))
        db.execute("UPDATE chunks SET active = 0 WHERE doc_id = ?", (doc_id,))

    def update_meta(self, doc_id: str, meta: DocumentMeta) -> None:
        db = self.connection()
        values = asdict(meta)
        with transaction(db):
            db.execute(
                f"UPDATE documents SET {', '.join(f'{f} = ?' for f in _META_FIELDS)}, parties = ?, guessed = 0 "
                "WHERE doc_id = ?",
                [values[f] for f in _META_FIELDS] + [json.dumps(meta.parties, ensure_ascii=False), doc_id],
            )


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


def _document(row: sqlite3.Row) -> dict:
    doc = dict(row)
    doc["parties"] = json.loads(doc["parties"])
    doc["footnotes"] = json.loads(doc["footnotes"])
    doc["report"] = json.loads(doc["report"])
    doc["guessed"] = bool(doc["guessed"])
    doc["retired"] = bool(doc["retired"])
    return doc


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

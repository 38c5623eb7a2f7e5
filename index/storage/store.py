"""The corpus: documents, their versions, chunks, tags and cached vectors, on SQLite or PostgreSQL.

Store is the one door to the database: it applies the migrations when opened
and carries the accounts and courses tables as `store.accounts` and
`store.courses`. Chunks are never deleted: a chunk
that leaves the current version is marked inactive, so permalinks to old
versions keep resolving and history is kept.

Editors' decisions are kept apart from what a file says, so no ingest undoes
them: a metadata edit is a row in meta_edits laid over the manifest's (or the
guessed) values of every new version, and a document an editor took out of
search says so in retired_by. Paths inside the shared folder (KB_SHARED_DIR) are
stored relative to it, so a restored copy works in any folder and every server
finds the same files.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict
from datetime import date
from pathlib import Path

import numpy as np

from index.config import Settings
from index.storage.accounts import Accounts
from index.storage.courses import Courses
from index.storage.database import Database, marks, utc_now
from index.storage.drafts import Drafts
from index.storage.migrations import migrate
from index.storage.records import Document, NameMark, NewPassage, Passage, Version
from ingest.kept import KEPT_SUFFIX
from ingest.model import Actor, DocumentMeta, Footnote, ParsedDocument, Priority, Responsibility, TableData
from ingest.redact import MarkedNames

_META_FIELDS = ("title", "region", "doc_type", "decided", "valid_from", "valid_to", "status")
META_KEYS = (*_META_FIELDS, "parties")
# Where kept files live inside the shared folder; used to repair absolute paths of older databases.
_DATA_FOLDERS = ("sources", "uploads")
# What a search needs of the corpus, copied into a draft's preview database (searchable passages only).
_PREVIEW_ROWS = {
    "documents": "SELECT * FROM documents",
    "versions": "SELECT * FROM versions",
    "chunks": "SELECT * FROM chunks WHERE active = 1",
    "responsibilities": "SELECT * FROM responsibilities",
    "priorities": "SELECT * FROM priorities",
    "meta_edits": "SELECT * FROM meta_edits",
    "masked_names": "SELECT * FROM masked_names",
}


class Store:
    """The database named by the settings, brought up to date when opened; a connection per thread."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.db = Database(settings.database_url, settings.db_path)
        self.data_dir = settings.shared_dir.resolve()
        migrate(self.db)
        self._repair_paths()
        self.accounts = Accounts(self.db, settings.data_dir)
        self.courses = Courses(self.db)
        self.drafts = Drafts(self.db, self.absolute, self.relative)

    def transaction(self):
        return self.db.transaction()

    def writer_lock(self):
        """One writer at a time across every process sharing the database (raises WriterBusy)."""
        return self.db.writer_lock(self.settings.data_dir)

    def _repair_paths(self) -> None:
        """Older releases stored absolute paths; a path into a data dir (this one or the one a backup
        came from) becomes relative when the same file is found here. Reads first, writes only then."""
        moves = [
            (table, column, row, relative)
            for table, column, version in (
                ("documents", "source_path", "current_version"),
                ("versions", "source_file", "version"),
            )
            for row in self.db.query(
                f"SELECT doc_id, {version} AS version, {column} AS path FROM {table} WHERE {column} LIKE '/%'"
            )
            if (relative := self._relative_in_data_dir(row["path"])) != row["path"]
        ]
        if not moves:
            return
        with self.db.transaction():
            for table, column, row, relative in moves:
                key = "current_version" if table == "documents" else "version"
                self.db.run(
                    f"UPDATE {table} SET {column} = ? WHERE doc_id = ? AND {key} = ? AND {column} = ?",
                    (relative, row["doc_id"], row["version"], row["path"]),
                )

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
        """How a path is stored: relative when inside the shared folder, else absolute (a corpus folder)."""
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

    # -- generations -------------------------------------------------------

    def generation(self) -> int:
        value = self.db.value("SELECT value FROM meta WHERE key = 'generation'")
        return int(value) if value else 0

    def generation_digest(self) -> str | None:
        """The checksum of the committed generation's files, which every server verifies before loading it."""
        return self.db.value("SELECT value FROM meta WHERE key = 'generation_digest'")

    def set_generation(self, generation: int, digest: str) -> None:
        for key, value in (("generation", str(generation)), ("generation_digest", digest)):
            self.db.run(
                "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    # -- reading -----------------------------------------------------------

    def documents(self, include_retired: bool = False) -> list[Document]:
        sql = (
            "SELECT d.*, (SELECT count(*) FROM chunks c WHERE c.doc_id = d.doc_id AND c.active = 1) AS chunk_count "
            "FROM documents d"
        )
        if not include_retired:
            sql += " WHERE d.retired = 0"
        return [self._document(row) for row in self.db.query(sql + " ORDER BY d.region NULLS FIRST, d.title")]

    def regions(self) -> list[str]:
        """The regions of searchable documents."""
        rows = self.db.query(
            "SELECT DISTINCT region FROM documents WHERE retired = 0 AND region IS NOT NULL ORDER BY region"
        )
        return [row["region"] for row in rows]

    def document(self, doc_id: str) -> Document | None:
        row = self.db.one("SELECT * FROM documents WHERE doc_id = ?", (doc_id,))
        return self._document(row) if row else None

    def versions(self, doc_id: str) -> list[Version]:
        """Newest first."""
        rows = self.db.query("SELECT * FROM versions WHERE doc_id = ? ORDER BY version DESC", (doc_id,))
        return [
            Version(
                doc_id=row["doc_id"],
                number=row["version"],
                content_hash=row["content_hash"],
                ingested_at=row["ingested_at"],
                ingested_by=row["ingested_by"],
                source_file=self.absolute(row["source_file"]),
                report=json.loads(row["report"]),
            )
            for row in rows
        ]

    def passage(self, chunk_id: str) -> Passage | None:
        row = self.db.one("SELECT * FROM chunks WHERE chunk_id = ?", (chunk_id,))
        return _chunk(row) if row else None

    def passages_by_rowid(self, rowids: list[int]) -> dict[int, Passage]:
        if not rowids:
            return {}
        rowids = [int(r) for r in rowids]
        rows = self.db.query(f"SELECT * FROM chunks WHERE id IN ({marks(rowids)}) AND active = 1", rowids)
        return {row["id"]: _chunk(row) for row in rows}

    def active_rowids(self, rowids: list[int]) -> list[int]:
        """Those of these passages that are still searchable: the one thing about a passage that changes."""
        if not rowids:
            return []
        rowids = [int(r) for r in rowids]
        return [
            row["id"]
            for row in self.db.query(f"SELECT id FROM chunks WHERE id IN ({marks(rowids)}) AND active = 1", rowids)
        ]

    def documents_by_id(self, doc_ids: list[str]) -> dict[str, Document]:
        if not doc_ids:
            return {}
        rows = self.db.query(f"SELECT * FROM documents WHERE doc_id IN ({marks(doc_ids)})", list(doc_ids))
        return {row["doc_id"]: self._document(row) for row in rows}

    def document_passages(self, doc_id: str, active_only: bool = True) -> list[Passage]:
        sql = "SELECT * FROM chunks WHERE doc_id = ?" + (" AND active = 1" if active_only else "") + " ORDER BY ord"
        return [_chunk(row) for row in self.db.query(sql, (doc_id,))]

    def neighbours(self, passage: Passage, around: int = 1) -> tuple[list[Passage], list[Passage]]:
        before = self.db.query(
            "SELECT * FROM chunks WHERE doc_id = ? AND active = 1 AND ord < ? ORDER BY ord DESC LIMIT ?",
            (passage.doc_id, passage.position, around),
        )
        after = self.db.query(
            "SELECT * FROM chunks WHERE doc_id = ? AND active = 1 AND ord > ? ORDER BY ord LIMIT ?",
            (passage.doc_id, passage.position, around),
        )
        return [_chunk(r) for r in reversed(before)], [_chunk(r) for r in after]

    def active_chunks(self) -> list[dict]:
        """What the search indexes are built from: row id, text, heading and statements of every searchable chunk."""
        return self.db.query(
            "SELECT id, chunk_id, section_path, text, embed_keys, responsibility, priority FROM chunks WHERE active = "
            "1 ORDER BY id"
        )

    def rowids_matching(self, filters) -> np.ndarray:
        """Row ids of the searchable passages that pass the filters (index/retrieve/search.py `Filters`)."""
        sql = ["SELECT c.id FROM chunks c JOIN documents d ON d.doc_id = c.doc_id WHERE c.active = 1"]
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
        rows = self.db.query(" ".join(sql), params)
        return np.fromiter((row["id"] for row in rows), dtype="int64", count=len(rows))

    def copy_corpus_to(self, other: "Store") -> None:
        """The searchable corpus with its history, editors' edits and the vectors of its passages, into an
        empty database: a draft is read into such a copy, so it can be searched before anyone else sees it."""
        with self.writer_lock(), other.transaction():
            copied: dict[str, list[dict]] = {}
            for table, sql in _PREVIEW_ROWS.items():
                copied[table] = rows = self.db.query(sql)
                if rows:
                    columns = list(rows[0])
                    other.db.many(
                        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks(columns)})",
                        ([row[c] for c in columns] for row in rows),
                    )
            keys = sorted({key for row in copied["chunks"] for key in json.loads(row["embed_keys"])})
            for start in range(0, len(keys), 500):
                part = keys[start : start + 500]
                rows = self.db.query(f"SELECT key, vector FROM embeddings WHERE key IN ({marks(part)})", part)
                other.db.many(
                    "INSERT INTO embeddings (key, vector) VALUES (?, ?)", ((r["key"], r["vector"]) for r in rows)
                )

    # -- vectors cache ---------------------------------------------------

    def cached_vectors(self, keys: list[str], dimension: int) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        for start in range(0, len(keys), 500):
            part = keys[start : start + 500]
            for row in self.db.query(f"SELECT key, vector FROM embeddings WHERE key IN ({marks(part)})", part):
                vector = np.frombuffer(bytes(row["vector"]), dtype="float32")
                if vector.shape[0] == dimension:
                    found[row["key"]] = vector
        return found

    def put_vectors(self, keys: list[str], vectors: np.ndarray) -> None:
        with self.db.transaction():
            self.db.many(
                "INSERT INTO embeddings (key, vector) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET vector = "
                "excluded.vector",
                [(k, np.asarray(v, dtype="float32").tobytes()) for k, v in zip(keys, vectors)],
            )

    # -- writing (inside the caller's transaction) ------------------------

    def write_version(
        self,
        document: ParsedDocument,
        passages: list[NewPassage],
        who: str | None,
        *,
        source_file: str,
        content_hash: str,
    ) -> int:
        """Store a new version of a document; passages that left it stop being searchable.

        document.meta is what the file's manifest entry says, or a guess; the
        editors' edits of this document are laid over it. `source_file` is the
        kept copy of the file's bytes, `content_hash` their checksum.
        """
        db = self.db
        doc_id = document.doc_id
        current = db.one("SELECT current_version, content_hash FROM documents WHERE doc_id = ?", (doc_id,))
        # The same bytes read again (--rebuild) are the same version, read anew: no version without a change.
        same = bool(current) and current["content_hash"] == content_hash
        last = db.value("SELECT max(version) FROM versions WHERE doc_id = ?", (doc_id,)) or 0
        version = current["current_version"] if same else last + 1
        meta: DocumentMeta = document.meta
        base = {"values": {k: getattr(meta, k) for k in META_KEYS}, "guessed": meta.guessed}
        source_path, source_file = self.relative(document.source_path), self.relative(source_file)
        report = asdict(document.report)
        db.run(
            "UPDATE versions SET source_file = ?, report = ? WHERE doc_id = ? AND version = ?"
            if same
            else "INSERT INTO versions (source_file, report, doc_id, version, content_hash, ingested_by) VALUES (?, ?, "
            "?, ?, ?, ?)",
            (source_file, json.dumps(report), doc_id, version, *(() if same else (content_hash, who))),
        )
        db.run(
            """INSERT INTO documents (doc_id, title, region, doc_type, parties, decided, valid_from, valid_to,
                   status, guessed, format, source_path, content_hash, current_version, retired, text, footnotes,
                   report, meta_base)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?)
               ON CONFLICT (doc_id) DO UPDATE SET format = excluded.format, source_path = excluded.source_path,
                   content_hash = excluded.content_hash, current_version = excluded.current_version, retired = 0,
                   retired_by = NULL, text = excluded.text, footnotes = excluded.footnotes, report = excluded.report,
                   meta_base = excluded.meta_base""",
            (
                doc_id,
                meta.title,
                meta.region,
                meta.doc_type,
                json.dumps(meta.parties, ensure_ascii=False),
                meta.decided,
                meta.valid_from,
                meta.valid_to,
                meta.status,
                int(meta.guessed),
                document.format,
                source_path,
                content_hash,
                version,
                document.text,
                json.dumps([asdict(f) for f in document.footnotes], ensure_ascii=False),
                json.dumps(report, ensure_ascii=False),
                json.dumps(base, ensure_ascii=False),
            ),
        )
        self._apply_meta(doc_id)
        new_ids = [p.chunk_id for p in passages]
        keep = f" AND chunk_id NOT IN ({marks(new_ids)})" if new_ids else ""
        # A passage the new reading of the same version drops was never part of it.
        left = f", last_version = {version - 1}" if same else ""
        db.run(f"UPDATE chunks SET active = 0{left} WHERE doc_id = ? AND active = 1{keep}", [doc_id, *new_ids])
        for position, passage in enumerate(passages):
            chunk = passage.chunk
            db.run(
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
                    passage.chunk_id,
                    doc_id,
                    position,
                    json.dumps(chunk.section_path, ensure_ascii=False),
                    chunk.text,
                    chunk.kind,
                    chunk.page,
                    chunk.line_start,
                    chunk.line_end,
                    chunk.char_start,
                    chunk.char_end,
                    int(chunk.on_topic),
                    int(chunk.proposal),
                    json.dumps(chunk.footnotes),
                    json.dumps(asdict(chunk.table), ensure_ascii=False) if chunk.table else None,
                    json.dumps([asdict(r) for r in chunk.responsibility], ensure_ascii=False),
                    json.dumps([asdict(p) for p in chunk.priority], ensure_ascii=False),
                    json.dumps(passage.embed_keys),
                    version,
                    version,
                ),
            )
        # The statements again, one row each, for the principal and priority filters of rowids_matching.
        db.run("DELETE FROM responsibilities WHERE doc_id = ?", (doc_id,))
        db.run("DELETE FROM priorities WHERE doc_id = ?", (doc_id,))
        db.many(
            "INSERT INTO responsibilities (chunk_id, doc_id, activity, principal, units, kind, strength) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    p.chunk_id,
                    doc_id,
                    r.activity,
                    r.principal,
                    json.dumps(r.units, ensure_ascii=False),
                    r.kind,
                    r.strength,
                )
                for p in passages
                for r in p.chunk.responsibility
                if not r.negated  # "ansvarar inte för" names no one responsible
            ],
        )
        db.many(
            "INSERT INTO priorities (chunk_id, doc_id, level, label, recommendation) VALUES (?, ?, ?, ?, ?)",
            [
                (p.chunk_id, doc_id, tag.level, tag.label, tag.recommendation)
                for p in passages
                for tag in p.chunk.priority
            ],
        )
        return version

    def retire(self, doc_id: str, by: str | None = None) -> None:
        """Out of search, history kept. `by` names the editor who decided it; None means its file is gone."""
        self.db.run("UPDATE documents SET retired = 1, retired_by = ? WHERE doc_id = ?", (by, doc_id))
        self.db.run("UPDATE chunks SET active = 0 WHERE doc_id = ?", (doc_id,))

    def reinstate(self, doc_id: str) -> None:
        """Back into search: the passages of its current version become searchable again."""
        self.db.run("UPDATE documents SET retired = 0, retired_by = NULL WHERE doc_id = ?", (doc_id,))
        self.db.run(
            "UPDATE chunks SET active = 1 WHERE doc_id = ? "
            "AND last_version = (SELECT current_version FROM documents WHERE doc_id = ?)",
            (doc_id, doc_id),
        )

    # -- personal data at rest ---------------------------------------------

    def mark_name(self, doc_id: str, digest: str, words: int, who: str | None) -> bool:
        """Record a name an editor marked for masking in a document; False when it was marked already."""
        if self.db.one("SELECT 1 AS marked FROM masked_names WHERE doc_id = ? AND digest = ?", (doc_id, digest)):
            return False
        self.db.run(
            "INSERT INTO masked_names (doc_id, digest, words, marked_by, marked_at) VALUES (?, ?, ?, ?, ?)",
            (doc_id, digest, words, who, utc_now()),
        )
        return True

    def name_marks(self, doc_id: str) -> list[NameMark]:
        """The names editors marked in a document, oldest first, as digests."""
        rows = self.db.query("SELECT * FROM masked_names WHERE doc_id = ? ORDER BY marked_at, digest", (doc_id,))
        return [NameMark(r["doc_id"], r["digest"], r["words"], r["marked_by"], r["marked_at"]) for r in rows]

    def marked_names(self, doc_id: str) -> MarkedNames | None:
        """What reading the document masks besides what the rules find; None when no name is marked."""
        marks = self.name_marks(doc_id)
        return MarkedNames(doc_id, frozenset((m.digest, m.words) for m in marks)) if marks else None

    def has_version(self, content_hash: str) -> bool:
        """Was any version of any document read from the bytes with this checksum?"""
        return (
            self.db.one("SELECT 1 AS found FROM versions WHERE content_hash = ? LIMIT 1", (content_hash,)) is not None
        )

    def unmasked_versions(self) -> list[Version]:
        """Versions whose kept file is an original, as older releases kept it (not a masked copy)."""
        rows = self.db.query(
            "SELECT doc_id, version FROM versions WHERE source_file IS NOT NULL AND source_file NOT LIKE ? "
            "ORDER BY doc_id, version",
            (f"%{KEPT_SUFFIX}",),
        )
        return [v for row in rows for v in self.versions(row["doc_id"]) if v.number == row["version"]]

    def set_source_file(self, doc_id: str, version: int, source_file: str) -> None:
        self.db.run(
            "UPDATE versions SET source_file = ? WHERE doc_id = ? AND version = ?",
            (self.relative(source_file), doc_id, version),
        )

    def move_source(self, old: str, new: str) -> None:
        """An uploaded file replaced by its masked copy: the documents and drafts that named it name the copy."""
        with self.db.transaction():
            self.db.run(
                "UPDATE documents SET source_path = ? WHERE source_path = ?", (self.relative(new), self.relative(old))
            )
            self.db.run("UPDATE drafts SET file = ? WHERE file = ?", (self.relative(new), self.relative(old)))

    def mask_history(self, doc_id: str, mask: Callable[[str], str]) -> None:
        """Apply `mask` to every text kept of a document's earlier readings: the passages that left it and the
        reports of its versions, so a name marked now is not kept in what the document used to say."""
        with self.db.transaction():
            for row in self.db.query("SELECT * FROM chunks WHERE doc_id = ? AND active = 0", (doc_id,)):
                columns = {"text": mask(row["text"])} | {
                    column: _masked_json(row[column], mask)
                    for column in ("section_path", "table_data", "responsibility", "priority")
                    if row[column]
                }
                changed = {column: value for column, value in columns.items() if value != row[column]}
                if changed:
                    self.db.run(
                        f"UPDATE chunks SET {', '.join(f'{c} = ?' for c in changed)} WHERE id = ?",
                        [*changed.values(), row["id"]],
                    )
            for row in self.db.query("SELECT version, report FROM versions WHERE doc_id = ?", (doc_id,)):
                report = _masked_json(row["report"], mask)
                if report != row["report"]:
                    self.db.run(
                        "UPDATE versions SET report = ? WHERE doc_id = ? AND version = ?",
                        (report, doc_id, row["version"]),
                    )
        self.db.checkpoint()

    # -- metadata: what the file says, what the editors changed --------------

    def update_meta(self, doc_id: str, meta: DocumentMeta, who: str | None) -> list[str]:
        """Record an editor's metadata form; returns the fields that changed.

        A changed field becomes an edit that every later version keeps; a field
        set back to what the manifest (or the guess) says stops being an edit.
        """
        new = {k: getattr(meta, k) for k in META_KEYS}
        with self.db.transaction():
            document = self.document(doc_id)
            base = self.file_meta(document)["values"]
            changed = [k for k in META_KEYS if new[k] != getattr(document, k)]
            for key in META_KEYS:
                if new[key] == base[key]:
                    self.db.run("DELETE FROM meta_edits WHERE doc_id = ? AND field = ?", (doc_id, key))
                elif key in changed:
                    self.db.run(
                        "INSERT INTO meta_edits (doc_id, field, value, edited_by, edited_at) VALUES (?, ?, ?, ?, ?) "
                        "ON CONFLICT (doc_id, field) DO UPDATE SET value = excluded.value, "
                        "edited_by = excluded.edited_by, edited_at = excluded.edited_at",
                        (doc_id, key, json.dumps(new[key], ensure_ascii=False), who, utc_now()),
                    )
            self._apply_meta(doc_id)
        return changed

    def choose_meta(self, doc_id: str, chosen: dict, who: str) -> None:
        """Metadata an editor chose at upload, kept as the editor's edits even where the text says the same:
        the choice is shown as the editor's and stays through every later reading of the file. Recorded
        before the document is first written, they apply from its first version on."""
        with self.db.transaction():
            self.db.many(
                "INSERT INTO meta_edits (doc_id, field, value, edited_by, edited_at) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (doc_id, field) DO UPDATE SET value = excluded.value, "
                "edited_by = excluded.edited_by, edited_at = excluded.edited_at",
                [
                    (doc_id, key, json.dumps(value, ensure_ascii=False), who, utc_now())
                    for key, value in chosen.items()
                    if key in META_KEYS
                ],
            )
            self._apply_meta(doc_id)

    def reset_meta(self, doc_id: str) -> None:
        """Drop the editors' edits: the manifest's (or the guessed) values apply again (also the choices
        recorded for a document that was never written)."""
        with self.db.transaction():
            self.db.run("DELETE FROM meta_edits WHERE doc_id = ?", (doc_id,))
            self._apply_meta(doc_id)

    def meta_provenance(self, doc_id: str) -> dict[str, dict]:
        """Where each metadata value of the document comes from.

        {field: {"source": "editor" | "manifest" | "guess", "by", "at", "base", "base_source"}}, where
        "base" is what the manifest or the guess says, shown beside an edit that replaced it, and
        "base_source" which of the two it is.
        """
        document = self.document(doc_id)
        base = self.file_meta(document)
        edits = {row["field"]: row for row in self.db.query("SELECT * FROM meta_edits WHERE doc_id = ?", (doc_id,))}
        out = {}
        for key in META_KEYS:
            if key in edits:
                out[key] = {"source": "editor", "by": edits[key]["edited_by"], "at": edits[key]["edited_at"]}
            else:
                out[key] = {"source": "guess" if base["guessed"] else "manifest", "by": None, "at": None}
            out[key]["base"] = base["values"][key]
            out[key]["base_source"] = "guess" if base["guessed"] else "manifest"
        return out

    def _apply_meta(self, doc_id: str) -> None:
        """documents' metadata columns = the file's values with the editors' edits over them."""
        document = self.document(doc_id)
        if document is None:  # edits recorded ahead of the first version; it applies them
            return
        base = self.file_meta(document)
        values = dict(base["values"])
        edited = set()
        for row in self.db.query("SELECT field, value FROM meta_edits WHERE doc_id = ?", (doc_id,)):
            if row["field"] in values:
                values[row["field"]] = json.loads(row["value"])
                edited.add(row["field"])
        self.db.run(
            f"UPDATE documents SET {', '.join(f'{f} = ?' for f in _META_FIELDS)}, parties = ?, guessed = ? "
            "WHERE doc_id = ?",
            [values[f] for f in _META_FIELDS]
            + [
                json.dumps(values["parties"], ensure_ascii=False),
                int(base["guessed"] and "title" not in edited),
                doc_id,
            ],
        )

    @staticmethod
    def file_meta(document: Document) -> dict:
        """The file's own metadata; a document stored before edits were kept apart has only its current values."""
        if document.file_meta:
            return document.file_meta
        return {"values": {k: getattr(document, k) for k in META_KEYS}, "guessed": document.guessed}

    def _document(self, row: dict) -> Document:
        return Document(
            doc_id=row["doc_id"],
            title=row["title"],
            region=row["region"],
            doc_type=row["doc_type"],
            parties=json.loads(row["parties"]),
            decided=row["decided"],
            valid_from=row["valid_from"],
            valid_to=row["valid_to"],
            status=row["status"],
            guessed=bool(row["guessed"]),
            format=row["format"],
            source_path=self.absolute(row["source_path"]),
            content_hash=row["content_hash"],
            current_version=row["current_version"],
            retired=bool(row["retired"]),
            retired_by=row["retired_by"],
            text=row["text"],
            footnotes=[Footnote(**f) for f in json.loads(row["footnotes"])],
            report=json.loads(row["report"]),
            file_meta=json.loads(row["meta_base"]) if row["meta_base"] else None,
            passage_count=row.get("chunk_count"),
        )


def _masked_json(stored: str, mask: Callable[[str], str]) -> str:
    """A JSON column with `mask` applied to every string in it."""

    def walk(value):
        if isinstance(value, str):
            return mask(value)
        if isinstance(value, list):
            return [walk(v) for v in value]
        if isinstance(value, dict):
            return {k: walk(v) for k, v in value.items()}
        return value

    data = json.loads(stored)
    masked = walk(data)
    return stored if masked == data else json.dumps(masked, ensure_ascii=False)


def _chunk(row: dict) -> Passage:
    return Passage(
        rowid=row["id"],
        chunk_id=row["chunk_id"],
        doc_id=row["doc_id"],
        position=row["ord"],
        section_path=json.loads(row["section_path"]),
        text=row["text"],
        kind=row["kind"],
        page=row["page"],
        line_start=row["line_start"],
        line_end=row["line_end"],
        char_start=row["char_start"],
        char_end=row["char_end"],
        on_topic=bool(row["on_topic"]),
        proposal=bool(row["proposal"]),
        footnotes=json.loads(row["footnotes"]),
        table=_table(json.loads(row["table_data"])) if row["table_data"] else None,
        responsibility=[_responsibility(r) for r in json.loads(row["responsibility"])],
        priority=[Priority(**p) for p in json.loads(row["priority"])],
        embed_keys=json.loads(row["embed_keys"]),
        first_version=row["first_version"],
        last_version=row["last_version"],
        active=bool(row["active"]),
    )


def _responsibility(data: dict) -> Responsibility:
    return Responsibility(**data | {"actors": [Actor(**a) for a in data.get("actors", [])]})


def _table(data: dict) -> TableData:
    return TableData(**data | {"rows": [tuple(row) for row in data["rows"]]})

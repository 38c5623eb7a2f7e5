"""The storage layer on both backends: the same tests on SQLite and on a real PostgreSQL server.

Plus the rules that keep it the one storage layer: no SQL anywhere else, and a
query side that never loads the ingest readers.
"""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import sys
from dataclasses import asdict, replace

import numpy as np
import pytest

from index.config import PROJECT_DIR
from index.retrieve.search import Filters
from index.storage import Course, CourseItem, Document, NewPassage, Passage, Store, User, Version, WriterBusy
from index.storage.migrations import LATEST, MIGRATIONS, migrate
from ingest.manifest import load_manifest
from ingest.model import Chunk, DocumentMeta, IngestReport, ParsedDocument, Priority, Responsibility
from ingest.pipeline import ingest_file
from tests.conftest import CORPUS


def document(doc_id: str = "avtal", text: str = "Regionen ansvarar för abstinensvård.", **meta) -> ParsedDocument:
    return ParsedDocument(
        doc_id=doc_id,
        source_path=f"/korpus/{doc_id}.txt",
        format="txt",
        text=text,
        chunks=[],
        report=IngestReport("txt", chunks=1),
        meta=DocumentMeta(doc_id, meta.pop("title", "Avtal om missbruksvård"), region="Dalarna", **meta),
    )


def passage(chunk_id: str, text: str, principal: str | None = "region", label: str | None = None) -> NewPassage:
    return NewPassage(
        chunk_id,
        Chunk(
            ["Ansvar"],
            text,
            line_start=1,
            line_end=1,
            char_end=len(text),
            responsibility=[Responsibility("abstinensvård", principal)],
            priority=[Priority(3, label, "AUDIT")] if label else [],
        ),
        [f"key-{chunk_id}"],
    )


def write(
    store: Store,
    document: ParsedDocument,
    passages: list[NewPassage],
    who: str | None = None,
    content_hash: str = "abc",
) -> int:
    """A version of the document; the same content hash is the same version read again."""
    return store.write_version(document, passages, who, source_file=document.source_path, content_hash=content_hash)


@pytest.fixture
def store(backend_settings) -> Store:
    return Store(backend_settings)


def test_migrations_run_once_in_order(store, backend_settings):
    applied = [row["version"] for row in store.db.query("SELECT version FROM schema_migrations ORDER BY version")]
    assert applied == [m.version for m in MIGRATIONS] and applied[-1] == LATEST
    assert migrate(Store(backend_settings).db) == []  # a second server opening it changes nothing


def test_a_sqlite_database_from_before_migrations_is_brought_up_to_date(tmp_path):
    from tests.conftest import make_settings

    settings = make_settings(tmp_path)
    tmp_path.mkdir(exist_ok=True)
    with sqlite3.connect(settings.db_path) as old:  # the tables as a release without migrations left them
        old.execute(
            "CREATE TABLE documents (doc_id TEXT PRIMARY KEY, title TEXT NOT NULL, region TEXT, doc_type TEXT, "
            "parties TEXT NOT NULL DEFAULT '[]', decided TEXT, valid_from TEXT, valid_to TEXT, status TEXT NOT NULL, "
            "guessed INTEGER NOT NULL DEFAULT 0, format TEXT NOT NULL, source_path TEXT NOT NULL, "
            "content_hash TEXT NOT NULL, current_version INTEGER NOT NULL, retired INTEGER NOT NULL DEFAULT 0, "
            "text TEXT NOT NULL, footnotes TEXT NOT NULL DEFAULT '[]', report TEXT NOT NULL DEFAULT '{}')"
        )
        old.execute(
            "INSERT INTO documents (doc_id, title, status, format, source_path, content_hash, current_version, text) "
            "VALUES ('gammal', 'Gammalt avtal', 'gällande', 'txt', 'x.txt', 'h', 1, 'text')"
        )
        old.execute("CREATE TABLE login_failures (key TEXT NOT NULL, at REAL NOT NULL)")
    store = Store(settings)
    assert store.document("gammal").retired_by is None
    assert store.accounts.reserve_attempt(["addr:x"], 10.0, 0.0, lambda *a: 0.0) == (0.0, [1])


def test_a_version_is_written_read_back_and_replaced(store):
    with store.transaction():
        assert (
            write(
                store,
                document(),
                [
                    passage("a", "Regionen ansvarar för abstinensvård."),
                    passage("b", "Kommunen ansvarar för boende.", "kommun", "BÖR"),
                ],
                "rut",
            )
            == 1
        )
    stored = store.document("avtal")
    assert (stored.title, stored.region, stored.current_version) == ("Avtal om missbruksvård", "Dalarna", 1)
    assert [d.passage_count for d in store.documents()] == [2]
    assert [p.chunk_id for p in store.document_passages("avtal")] == ["a", "b"]
    first = store.passage("a")
    assert first.section == "Ansvar" and first.active is True and first.responsibility[0].principal == "region"
    assert store.neighbours(first) == ([], [store.passage("b")])
    rowids = {p.chunk_id: p.rowid for p in store.document_passages("avtal")}
    assert set(store.passages_by_rowid(list(rowids.values()))) == set(rowids.values())
    assert list(store.rowids_matching(Filters(principal="kommun"))) == [rowids["b"]]
    assert list(store.rowids_matching(Filters(priority="BÖR"))) == [rowids["b"]]
    assert list(store.rowids_matching(Filters(region="dalarna"))) == sorted(rowids.values())
    assert store.regions() == ["Dalarna"]

    with store.transaction():
        assert write(store, document(text="Nytt."), [passage("c", "Regionen ansvarar för allt.")], "rut", "def") == 2
    assert [p.chunk_id for p in store.document_passages("avtal")] == ["c"]
    assert store.passage("a").active is False and store.passage("a").last_version == 1
    assert [v.number for v in store.versions("avtal")] == [2, 1]
    assert store.versions("avtal")[0].ingested_by == "rut"


def test_a_real_document_comes_back_as_typed_records(store):
    """The Norrbotten plan as ingest reads it (a responsibility matrix, statements, recommendations) round-trips
    into Document, Version and Passage records; its JSON columns arrive as the ingest records they were."""
    from index.building.indexer import chunk_id

    source = CORPUS / "norrbotten-handlingsplan-2021.md"
    parsed = ingest_file(source, load_manifest(CORPUS))
    passages = [
        NewPassage(chunk_id(parsed.doc_id, c.section_path, c.text, n), c, [f"key-{n}"])
        for n, c in enumerate(parsed.chunks)
    ]
    with store.transaction():
        write(store, parsed, passages, "rut")
    as_json = lambda value: json.loads(json.dumps(value))  # noqa: E731  (the report stays as JSON gives it back)

    document = store.document(parsed.doc_id)
    assert isinstance(document, Document)
    meta = parsed.meta
    assert (document.title, document.region, document.doc_type, document.parties, document.status) == (
        meta.title,
        meta.region,
        meta.doc_type,
        meta.parties,
        meta.status,
    )
    assert (document.decided, document.valid_from, document.valid_to, document.guessed) == (
        meta.decided,
        meta.valid_from,
        meta.valid_to,
        meta.guessed,
    )
    assert (document.format, document.source_path, document.content_hash, document.current_version) == (
        "md",
        parsed.source_path,
        "abc",
        1,
    )
    assert (document.retired, document.retired_by, document.text) == (False, None, parsed.text)
    assert document.footnotes == parsed.footnotes
    assert document.report == as_json(asdict(parsed.report)) and document.report["chunks"] == len(parsed.chunks)
    assert document.file_meta["values"]["title"] == meta.title and document.passage_count is None
    assert [(d.doc_id, d.passage_count) for d in store.documents()] == [(parsed.doc_id, len(parsed.chunks))]

    [version] = store.versions(parsed.doc_id)
    assert isinstance(version, Version)
    assert (version.doc_id, version.number, version.content_hash, version.ingested_by, version.source_file) == (
        parsed.doc_id,
        1,
        "abc",
        "rut",
        parsed.source_path,
    )
    assert version.report == document.report and version.ingested_at

    stored = store.document_passages(parsed.doc_id)
    assert all(isinstance(p, Passage) for p in stored) and len(stored) == len(parsed.chunks)
    for position, (passage, new) in enumerate(zip(stored, passages)):
        chunk = new.chunk
        assert (passage.chunk_id, passage.doc_id, passage.position, passage.embed_keys) == (
            new.chunk_id,
            parsed.doc_id,
            position,
            new.embed_keys,
        )
        assert (passage.section_path, passage.section, passage.text, passage.kind) == (
            chunk.section_path,
            chunk.section,
            chunk.text,
            chunk.kind,
        )
        assert (passage.page, passage.line_start, passage.line_end, passage.char_start, passage.char_end) == (
            chunk.page,
            chunk.line_start,
            chunk.line_end,
            chunk.char_start,
            chunk.char_end,
        )
        assert (passage.on_topic, passage.proposal, passage.footnotes) == (
            chunk.on_topic,
            chunk.proposal,
            chunk.footnotes,
        )
        assert (passage.table, passage.responsibility, passage.priority) == (
            chunk.table,
            chunk.responsibility,
            chunk.priority,
        )
        assert (passage.first_version, passage.last_version, passage.active) == (1, 1, True)
    assert any(p.table for p in stored) and any(p.responsibility for p in stored)

    middle = stored[len(stored) // 2]
    assert store.passage(middle.chunk_id) == middle
    assert store.passages_by_rowid([middle.rowid]) == {middle.rowid: middle}
    assert store.neighbours(middle) == ([stored[middle.position - 1]], [stored[middle.position + 1]])


def test_a_failed_transaction_leaves_nothing(store):
    with pytest.raises(RuntimeError):
        with store.transaction():
            write(store, document(), [passage("a", "Text.")])
            raise RuntimeError("avbruten")
    assert store.document("avtal") is None and store.passage("a") is None


def test_retire_reinstate_and_the_editors_metadata(store):
    with store.transaction():
        write(store, document(), [passage("a", "Text.")])
    store.retire("avtal", by="rut")
    assert store.documents() == [] and store.document("avtal").retired_by == "rut"
    assert store.passage("a").active is False
    store.reinstate("avtal")
    assert [d.doc_id for d in store.documents()] == ["avtal"] and store.passage("a").active is True

    edited = replace(document().meta, title="Nytt namn")
    assert store.update_meta("avtal", edited, "rut") == ["title"]
    assert store.meta_provenance("avtal")["title"] | {"at": None} == {
        "source": "editor",
        "by": "rut",
        "at": None,
        "base": "Avtal om missbruksvård",
        "base_source": "manifest",
    }
    with store.transaction():  # a new version of the file keeps the editor's title
        write(store, document(text="Ny text."), [passage("b", "Ny text.")], content_hash="def")
    assert store.document("avtal").title == "Nytt namn"
    store.reset_meta("avtal")
    assert store.document("avtal").title == "Avtal om missbruksvård"


def test_the_choices_made_at_upload_are_the_editors_from_the_first_version(store):
    """Recorded before the document exists, kept even where the file says the same, shown as the editor's."""
    store.choose_meta("avtal", {"region": "Dalarna", "status": "förslag"}, "rut")
    with store.transaction():
        write(store, document(guessed=True), [passage("a", "Text.")])
    assert store.document("avtal").status == "förslag"
    provenance = store.meta_provenance("avtal")
    assert provenance["region"]["source"] == provenance["status"]["source"] == "editor"  # Dalarna also in the file
    assert provenance["region"]["base_source"] == "guess" and provenance["title"]["source"] == "guess"
    store.reset_meta("gick-inte-att-läsa")  # choices for a document never written are dropped without one


def test_a_draft_is_kept_and_the_corpus_copied_for_its_preview(store, tmp_path):
    from index.config import Settings
    from index.storage.records import Draft

    with store.transaction():
        write(store, document(), [passage("a", "Regionen ansvarar för abstinensvård.")])
        write(
            store, document(text="Nytt."), [passage("b", "Kommunen ansvarar för boende.", "kommun")], content_hash="def"
        )
    store.put_vectors(["key-a", "key-b"], np.eye(2, 3, dtype="float32"))
    store.update_meta("avtal", replace(document().meta, title="Redigerad titel"), "rut")
    draft = Draft(
        "d1",
        "avtal",
        2,
        "avtal.txt",
        str(store.data_dir / "uploads/avtal/x/avtal.txt"),
        {"region": "Dalarna"},
        "rut",
        "",
        [{"question": "vem ansvarar för boende", "card_changed": True}],
    )
    store.drafts.add(draft)
    kept = store.drafts.get("d1")
    assert kept == replace(draft, uploaded_at=kept.uploaded_at) and kept.uploaded_at
    assert (
        store.drafts.of_document("avtal") == kept and store.drafts.by("rut") == [kept] and store.drafts.by("tage") == []
    )
    store.drafts.set_changes("d1", [])
    assert store.drafts.get("d1").changes == []

    copy = Store(Settings.from_env(data_dir=tmp_path / "kopia", corpus_dir=CORPUS))
    store.copy_corpus_to(copy)
    assert [(d.doc_id, d.title, d.current_version) for d in copy.documents()] == [("avtal", "Redigerad titel", 2)]
    assert [p.chunk_id for p in copy.document_passages("avtal", active_only=False)] == ["b"]  # what search has
    assert [v.number for v in copy.versions("avtal")] == [2, 1]
    assert list(copy.cached_vectors(["key-a", "key-b"], 3)) == ["key-b"]
    assert copy.meta_provenance("avtal")["title"]["source"] == "editor"
    assert copy.drafts.get("d1") is None and copy.accounts.audit_entries() == []  # nothing but the corpus
    store.drafts.remove("d1")
    assert store.drafts.get("d1") is None


def test_vectors_are_cached_by_key(store):
    vectors = np.arange(6, dtype="float32").reshape(2, 3)
    store.put_vectors(["x", "y"], vectors)
    store.put_vectors(["x"], vectors[1:])  # replaced, not duplicated
    found = store.cached_vectors(["x", "y", "z"], 3)
    assert set(found) == {"x", "y"} and list(found["x"]) == [3, 4, 5]
    assert store.cached_vectors(["x"], 4) == {}  # another model's dimension is not used


def test_generation_and_its_checksum(store):
    assert store.generation() == 0 and store.generation_digest() is None
    with store.transaction():
        store.set_generation(1, "abc")
    with store.transaction():
        store.set_generation(2, "def")
    assert (store.generation(), store.generation_digest()) == (2, "def")


def test_accounts_sessions_and_audit(store, backend_settings):
    accounts = store.accounts
    accounts.put("rut", "editor", "hash-1")
    assert accounts.exists("rut") and not accounts.exists("tage")
    assert accounts.password_hash("rut") == (User("rut", "editor"), "hash-1")
    accounts.start_session("s1", "rut", now=100.0, expires=200.0)
    assert accounts.session_user("s1", now=150.0) == User("rut", "editor")
    assert accounts.session_user("s1", now=250.0) is None  # expired
    other = Store(backend_settings).accounts  # another server on the same database
    assert other.session_user("s1", now=150.0) == User("rut", "editor")
    accounts.put("rut", "trainer", "hash-2")  # a new password ends every session
    assert other.session_user("s1", now=150.0) is None
    assert other.secret() == accounts.secret()

    accounts.audit("rut", "inloggning", "från 10.0.0.1")
    accounts.audit(None, "omindexering")
    entries = other.audit_entries()
    assert [(e.who, e.action) for e in entries] == [(None, "omindexering"), ("rut", "inloggning")]
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", entries[0].at)


def test_failed_logins_are_counted_before_the_check(store):
    accounts = store.accounts
    seen = []

    def wait(counts):
        seen.append(counts)
        return 30.0 if any(count >= 2 for count, _ in counts.values()) else 0.0

    assert accounts.reserve_attempt(["addr:a", "name:rut"], 10.0, 0.0, wait)[0] == 0.0
    wait_, rows = accounts.reserve_attempt(["addr:a", "name:rut"], 11.0, 0.0, wait)
    assert wait_ == 0.0 and len(rows) == 2
    assert accounts.reserve_attempt(["addr:a"], 12.0, 0.0, wait) == (30.0, [])
    assert seen[-1] == {"addr:a": (2, 11.0)}
    accounts.forget_failures(rows, ["addr:a"])
    assert accounts.reserve_attempt(["addr:a"], 13.0, 0.0, wait)[0] == 0.0
    assert accounts.reserve_attempt(["name:rut"], 14.0, 12.0, wait)[0] == 0.0  # older failures forgotten


def test_courses_and_their_items(store):
    courses = store.courses
    first = courses.create("rutiner", "Rutiner", "", "tage")
    second = courses.create("rutiner", "Rutiner igen", "", "tage")
    assert isinstance(first, Course) and (first.slug, second.slug) == ("rutiner", "rutiner-2")
    assert courses.get("rutiner") == first and courses.get(str(first.id)) == first
    a, b = courses.add(first.id, "a"), courses.add(first.id, "b")
    courses.move(first.id, b, -1)
    courses.set_note(first.id, a, "Läs noga")
    items = courses.items(first.id)
    assert all(isinstance(i, CourseItem) for i in items)
    assert [(i.chunk_id, i.position, i.note) for i in items] == [("b", 1, ""), ("a", 2, "Läs noga")]
    courses.remove(first.id, b)
    assert [i.chunk_id for i in courses.items(first.id)] == ["a"]
    assert courses.published() == []
    courses.update(first.id, "Rutiner", "Om rutiner", True)
    assert [(c.slug, c.published, c.description) for c in courses.published()] == [("rutiner", True, "Om rutiner")]
    assert {c.slug for c in courses.owned_by("tage")} == {"rutiner", "rutiner-2"} and courses.owned_by("rut") == []


def test_one_writer_at_a_time_across_stores(store, backend_settings):
    other = Store(backend_settings)
    with store.writer_lock():
        with pytest.raises(WriterBusy, match="En annan indexering pågår redan \\(pid"):
            with other.writer_lock():
                pass
    with other.writer_lock():  # released
        pass


# -- the rules that keep it one storage layer ---------------------------------------------

SQL = re.compile(
    r"\b(SELECT\s+[\w*(]|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|CREATE\s+(TABLE|INDEX)|ALTER\s+TABLE|DROP\s+TABLE|PRAGMA\s)",
    re.IGNORECASE,
)


def test_no_module_outside_the_storage_package_speaks_sql():
    storage = PROJECT_DIR / "index" / "storage"
    offenders = [
        f"{path.relative_to(PROJECT_DIR)}:{number}: {line.strip()}"
        for package in ("app", "index", "ingest")
        for path in sorted((PROJECT_DIR / package).rglob("*.py"))
        if storage not in path.parents
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if SQL.search(line) or "sqlite3" in line or "psycopg" in line
    ]
    assert offenders == []


def test_the_query_side_never_loads_the_ingest_readers():
    """Search and the card load of ingest/ only the shared records and the small helpers both sides
    use (counties, sentence ends, kept-copy names, marked names), never a reader or the chunker."""
    code = "import sys, index.retrieve.search, index.card.answer, app.payloads; print(' '.join(sorted(sys.modules)))"
    loaded = set(
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    )
    assert not loaded & {"pypdf", "docx", "index.building.indexer", "index.building.sandbox"}
    shared = {
        "ingest",
        "ingest.model",
        "ingest.actors",
        "ingest.counties",
        "ingest.sentences",
        "ingest.kept",
        "ingest.redact",
    }
    assert {m for m in loaded if m.startswith("ingest")} <= shared


def module_imports() -> dict[str, set[str]]:
    """Each module of app/, index/ and ingest/ with the project modules it imports, at the top or inside a function."""
    import ast

    paths = {
        ".".join(path.relative_to(PROJECT_DIR).with_suffix("").parts).removesuffix(".__init__"): path
        for package in ("app", "index", "ingest")
        for path in sorted((PROJECT_DIR / package).rglob("*.py"))
    }
    graph: dict[str, set[str]] = {}
    for name, path in paths.items():
        imported = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                imported.add(node.module)
                # `from index.ops import history` imports the module index.ops.history
                imported.update(f"{node.module}.{a.name}" for a in node.names if f"{node.module}.{a.name}" in paths)
            elif isinstance(node, ast.Import):
                imported.update(alias.name for alias in node.names)
        graph[name] = {m for m in imported if m.split(".")[0] in ("app", "index", "ingest")}
    return graph


def test_no_two_modules_import_each_other_round_a_cycle():
    """A cycle means neither module can be read (or tested) without the other; the sub-package's
    __init__ re-exports are left out, since importing a package's module imports the package."""
    graph = module_imports()
    cycles, state = [], {}

    def visit(module: str, path: list[str]) -> None:
        state[module] = "open"
        for other in sorted(graph.get(module, ())):
            if other not in graph or module.startswith(other + "."):
                continue
            if state.get(other) == "open":
                cycles.append(path[path.index(other) :] + [other])
            elif other not in state:
                visit(other, path + [other])
        state[module] = "done"

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert cycles == []


def test_kb_backup_points_a_postgresql_deployment_to_pg_dump(tmp_path):
    from index.ops.backup import BackupError, backup
    from tests.conftest import make_settings
    from tests.postgres import fresh_database

    with fresh_database() as url:
        with pytest.raises(BackupError, match="pg_dump"):
            backup(make_settings(tmp_path, database_url=url), tmp_path / "kopia.tar.gz")


def test_a_server_that_dropped_the_connection_is_reconnected_to(tmp_path):
    import psycopg

    from tests.conftest import make_settings
    from tests.postgres import fresh_database

    with fresh_database() as url:
        store = Store(make_settings(tmp_path, database_url=url))
        assert store.generation() == 0
        with psycopg.connect(url, autocommit=True) as admin:  # as a restart of the server would
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        with pytest.raises(psycopg.OperationalError):
            store.generation()  # the question in flight fails
        assert store.generation() == 0  # the next one gets a new connection

"""Editors revise and remove documents while staff keep searching.

Each test works on its own copy of part of the real corpus in its own data dir.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time

import pypdf
import pytest

from index.text.analyzer import Analyzer
from index.building.indexer import Indexer
from index.ops.history import passages_of_version
from index.retrieve.search import Searcher
from index.storage import Store, WriterBusy
from tests.conftest import CORPUS, make_settings

NORRBOTTEN = "norrbotten-handlingsplan-2021"
OLD_SENTENCE = "Abstinensbehandling för unga under 18 år ska ges vid länets barnmedicinska verksamheter"
NEW_SENTENCE = "Abstinensbehandling för unga under 18 år ska ges vid den regionala ungdomsmottagningen i Kiruna"


@pytest.fixture
def workspace(tmp_path, embedder):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in (f"{NORRBOTTEN}.md", "manifest.toml"):
        shutil.copy(CORPUS / name, corpus)
    settings = make_settings(tmp_path / "data")
    indexer = Indexer(settings, embedder)
    indexer.ingest([corpus])
    return corpus, settings, indexer


def texts(searcher: Searcher, query: str, k: int = 10) -> list[str]:
    return [h.passage.text for h in searcher.search(query, k=k)]


def flat(text: str) -> str:
    return " ".join(text.split())


def test_revising_one_section_reembeds_and_retokenises_only_that_section(workspace, embedder, monkeypatch):
    corpus, settings, indexer = workspace
    tokenised = []
    count_words = Analyzer.count_words
    monkeypatch.setattr(Analyzer, "count_words", staticmethod(lambda text: tokenised.append(text) or count_words(text)))
    store = Store(settings)
    before = {r["chunk_id"]: r["text"] for r in store.active_chunks()}
    source = corpus / f"{NORRBOTTEN}.md"
    original = source.read_text(encoding="utf-8")
    assert OLD_SENTENCE in flat(original)
    revised = original.replace("länets barnmedicinska verksamheter", "den regionala ungdomsmottagningen i Kiruna", 1)
    assert revised != original
    source.write_text(revised, encoding="utf-8")

    run = indexer.ingest([corpus])

    result = next(r for r in run.files if r.doc_id == NORRBOTTEN)
    assert (result.outcome, result.version) == ("revised", 2)
    after = {r["chunk_id"]: r["text"] for r in store.active_chunks()}
    changed = set(after) - set(before)
    assert 1 <= len(changed) <= 2, "only the revised section's chunks are new"
    assert run.embedded == len(changed)
    assert len(tokenised) == len(changed), "the next generation takes unchanged passages' words from the last"
    assert len(set(before) & set(after)) == len(after) - len(changed), "unchanged passages keep their ids"

    searcher = Searcher(settings, embedder)
    found = [flat(t) for t in texts(searcher, "abstinensbehandling för unga under 18 år")]
    assert any(NEW_SENTENCE in t for t in found)
    assert not any(OLD_SENTENCE in t for t in found)
    gone = set(before) - set(after)
    old = store.passage(gone.pop())
    assert old is not None and not old.active, "the superseded passage is kept for its permalink"


def test_a_rebuild_reads_every_passage_again(workspace, monkeypatch):
    corpus, settings, indexer = workspace
    tokenised = []
    count_words = Analyzer.count_words
    monkeypatch.setattr(Analyzer, "count_words", staticmethod(lambda text: tokenised.append(text) or count_words(text)))
    indexer.ingest([corpus], rebuild=True)
    assert len(tokenised) == len(Store(settings).active_chunks())


def test_a_rebuild_of_unchanged_files_adds_no_version(workspace):
    """Every --rebuild used to add a version with the same content hash, so the history filled with non-changes."""
    corpus, settings, indexer = workspace
    store = Store(settings)
    before = [(v.number, v.content_hash) for v in store.versions(NORRBOTTEN)]
    passages = sorted(r["chunk_id"] for r in store.active_chunks())

    indexer.ingest([corpus], rebuild=True)

    assert [(v.number, v.content_hash) for v in store.versions(NORRBOTTEN)] == before and len(before) == 1
    assert store.document(NORRBOTTEN).current_version == 1
    version_one = [p.chunk_id for p in passages_of_version(store, NORRBOTTEN, 1)]
    assert sorted(version_one) == passages, "the version holds what the new reading made of it"


def test_removed_document_leaves_search_but_keeps_its_history(workspace, embedder):
    corpus, settings, indexer = workspace
    store = Store(settings)
    some_chunk = store.active_chunks()[0]["chunk_id"]
    (corpus / f"{NORRBOTTEN}.md").unlink()

    run = indexer.ingest([corpus])

    assert [(r.doc_id, r.outcome) for r in run.files] == [(NORRBOTTEN, "retired")]
    assert Searcher(settings, embedder).search("Norrbus barn och unga", k=5) == []
    assert store.document(NORRBOTTEN).retired
    assert store.passage(some_chunk).active is False
    assert store.versions(NORRBOTTEN), "history is kept"


def test_a_second_writer_is_refused_with_a_message(workspace):
    corpus, settings, indexer = workspace
    with Store(settings).writer_lock():
        with pytest.raises(WriterBusy, match="En annan indexering pågår"):
            indexer.ingest([corpus])


def test_searches_during_an_ingest_all_succeed(workspace, embedder):
    corpus, settings, indexer = workspace
    shutil.copy(CORPUS / "dalarna-overenskommelse-2021.txt", corpus)
    searcher = Searcher(settings, embedder)
    searcher.load()
    first_generation = Store(settings).generation()
    answers, errors = [], []
    done = threading.Event()

    def keep_searching():
        while not done.is_set():
            try:
                answers.append(len(searcher.search("samordnad individuell plan SIP", k=5)))
            except Exception as exc:  # noqa: BLE001 - any failure is what this test looks for
                errors.append(exc)

    worker = threading.Thread(target=keep_searching)
    worker.start()
    try:
        indexer.ingest([corpus])
    finally:
        done.set()
        worker.join()
    assert errors == []
    assert len(answers) > 3 and all(n > 0 for n in answers)
    assert Store(settings).generation() == first_generation + 1
    regions = {h.document.region for h in searcher.search("samordnad individuell plan SIP", k=10)}
    assert "Dalarna" in regions, "the searcher switched to the new generation"


def test_kill_9_during_ingest_leaves_the_previous_index(workspace, embedder):
    corpus, settings, indexer = workspace
    searcher = Searcher(settings, embedder)
    queries = ["vem ansvarar för abstinensbehandling", "LVM läkarintyg", "Norrbus"]
    before = {q: texts(searcher, q) for q in queries}
    generation = Store(settings).generation()
    shutil.copy(CORPUS / "dalarna-overenskommelse-2021.txt", corpus)

    env = os.environ | {"KB_DATA_DIR": str(settings.data_dir)}
    process = subprocess.Popen(
        [sys.executable, "-c", "from app.cli import main; main()", "ingest", str(corpus)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    building = settings.data_dir / "generations" / f"{generation + 1}.tmp"
    deadline = time.monotonic() + 600
    while not building.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL, "the ingest was killed while building the new generation"

    assert Store(settings).generation() == generation
    assert {q: texts(Searcher(settings, embedder), q) for q in queries} == before
    run = indexer.ingest([corpus])
    assert run.generation == generation + 1
    assert not building.exists()


def test_bad_files_leave_the_index_as_it_was(workspace, embedder, tmp_path):
    """A broken PDF, an encrypted PDF and a zero-byte file each get their reason; nothing else changes."""
    from tests.test_readers import _pdf

    corpus, settings, indexer = workspace
    store = Store(settings)
    searcher = Searcher(settings, embedder)
    before = (store.generation(), [r["chunk_id"] for r in store.active_chunks()], texts(searcher, "Norrbus"))
    whole = _pdf(tmp_path / "hel.pdf").read_bytes()
    (corpus / "trasig.pdf").write_bytes(whole[: len(whole) // 3])
    writer = pypdf.PdfWriter(clone_from=str(tmp_path / "hel.pdf"))
    writer.encrypt(user_password="hemligt", owner_password="ägare", algorithm="AES-256")
    with (corpus / "krypterad.pdf").open("wb") as handle:
        writer.write(handle)
    (corpus / "tom.txt").write_bytes(b"")

    run = indexer.ingest([corpus])

    reasons = {r.doc_id: r.error for r in run.failed}
    assert set(reasons) == {"trasig", "krypterad", "tom"}
    assert "PDF kan inte läsas" in reasons["trasig"]
    assert "krypterad" in reasons["krypterad"]
    assert "tom" in reasons["tom"]
    assert (store.generation(), [r["chunk_id"] for r in store.active_chunks()], texts(searcher, "Norrbus")) == before


def test_rebuild_rereads_the_kept_sources_without_the_corpus_folder(workspace, embedder):
    corpus, settings, indexer = workspace
    store = Store(settings)
    before = sorted(r["chunk_id"] for r in store.active_chunks())
    shutil.rmtree(corpus)

    run = indexer.ingest([], rebuild=True)

    assert [(r.doc_id, r.outcome) for r in run.files] == [(NORRBOTTEN, "revised")]
    assert run.embedded == 0, "the vectors come from the cache"
    assert sorted(r["chunk_id"] for r in store.active_chunks()) == before
    assert Searcher(settings, embedder).search("Norrbus", k=1)

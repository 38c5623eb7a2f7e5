"""The indexer on the real corpus: every document in, stable ids, nothing re-done needlessly."""

import shutil

from index.building.indexer import Indexer
from index.storage import Store
from tests.conftest import CORPUS, make_settings

DOC_IDS = {p.stem for p in CORPUS.iterdir() if p.name != "manifest.toml"}


def test_every_corpus_document_is_indexed(ingest_run, settings):
    outcomes = {r.doc_id: r.outcome for r in ingest_run.files}
    assert outcomes == {doc_id: "new" for doc_id in DOC_IDS}
    store = Store(settings)
    documents = {d.doc_id: d for d in store.documents()}
    assert set(documents) == DOC_IDS
    for doc in documents.values():
        assert doc.passage_count > 10, doc.doc_id
        assert doc.title
    assert ingest_run.embedded == len(store.active_chunks())  # every chunk had at least one new window


def test_reingest_of_unchanged_corpus_changes_nothing(settings, embedder, ingest_run):
    store = Store(settings)
    before = [r["chunk_id"] for r in store.active_chunks()]
    run = Indexer(settings, embedder).ingest([CORPUS])
    assert {r.outcome for r in run.files} == {"unchanged"}
    assert run.embedded == 0
    assert run.generation == ingest_run.generation
    assert [r["chunk_id"] for r in store.active_chunks()] == before


def test_chunk_ids_survive_a_rebuild_elsewhere(tmp_path, embedder, settings, ingest_run):
    """The same text in the same place gets the same id, in any data dir, so permalinks hold."""
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    other = make_settings(tmp_path / "data")
    Indexer(other, embedder).ingest([corpus])
    ids = lambda s: {r["chunk_id"] for r in Store(s).active_chunks()}  # noqa: E731
    assert ids(other) == ids(settings)


def test_bad_paths_are_reported_and_the_rest_indexed(tmp_path, embedder):
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(CORPUS / "norrbotten-handlingsplan-2021.md", folder)
    (folder / "tom.txt").write_bytes(b"")
    run = Indexer(make_settings(tmp_path / "data"), embedder).ingest([folder, tmp_path / "saknas.txt"])
    by_id = {r.doc_id: r for r in run.files}
    assert by_id["norrbotten-handlingsplan-2021"].outcome == "new"
    assert by_id["tom"].outcome == "failed" and by_id["tom"].error
    assert by_id["saknas"].outcome == "failed" and "finns inte" in by_id["saknas"].error

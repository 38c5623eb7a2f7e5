"""What an editor decided stays decided: through re-indexing, --rebuild, new versions, and a backup restored elsewhere.

A real app over a temp data dir seeded with one corpus document, real SQLite,
the real pipeline and model; the `kb` command as an operator runs it.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from app.auth import add_user
from app.cli import cli
from index.building.indexer import Indexer
from index.config import Settings
from index.retrieve.search import Searcher
from tests.conftest import CORPUS
from tests.test_admin import NEW_DOC_MD, upload_and_publish, wait_for
from tests.test_auth import PASSWORD, csrf_of, login
from tests.ui_fixtures import _copy_data_dir

DOC = "norrbotten-handlingsplan-2021"
QUERY = "Norrbus barn och unga"
runner = CliRunner()


@pytest.fixture(scope="module")
def site(tmp_path_factory, embedder):
    from app.web import create_app

    root = tmp_path_factory.mktemp("decisions")
    corpus = root / "corpus"
    corpus.mkdir()
    for name in (f"{DOC}.md", "manifest.toml"):
        shutil.copy(CORPUS / name, corpus)
    settings = Settings.from_env(data_dir=root / "data", corpus_dir=corpus)
    Indexer(settings, embedder).ingest([corpus], who="start")
    searcher = Searcher(settings, embedder)
    add_user(searcher.store, "rut", "editor", PASSWORD)
    with TestClient(create_app(settings, searcher)) as client:
        assert login(client, "rut").status_code == 303
        yield client, searcher, settings, corpus


def kb(settings: Settings, *args: str):
    return runner.invoke(cli, list(args), env={"KB_DATA_DIR": str(settings.data_dir), "KB_CORPUS_DIR": ""})


def found(searcher: Searcher, doc_id: str, query: str = QUERY) -> bool:
    return any(h.passage.doc_id == doc_id for h in searcher.search(query, k=10))


def admin_post(client, path: str, **data):
    token = csrf_of(client.get("/admin").text)
    return client.post(path, data={"csrf": token, **data}, follow_redirects=False)


def test_a_retired_document_stays_retired_until_an_editor_brings_it_back(site, embedder):
    client, searcher, settings, corpus = site
    assert found(searcher, DOC)
    wait_for(client, admin_post(client, f"/admin/documents/{DOC}/retire"))
    version = searcher.store.document(DOC).current_version

    fragment = wait_for(client, admin_post(client, "/admin/reindex"))  # "Indexering" in admin
    assert "hoppades över" in fragment and "borttaget ur sökningen av rut" in fragment
    source = corpus / f"{DOC}.md"
    source.write_text(source.read_text(encoding="utf-8") + "\nEtt tillägg om Norrbus.\n", encoding="utf-8")
    for args in (["ingest", str(corpus)], ["ingest", "--rebuild", str(corpus)]):  # even a changed file
        result = kb(settings, *args)
        assert result.exit_code == 0, result.output
        assert f"överhoppat  {DOC} v{version} · borttaget ur sökningen av rut" in result.output
    document = searcher.store.document(DOC)
    assert document.retired and document.current_version == version
    assert not found(searcher, DOC)

    wait_for(client, admin_post(client, f"/admin/documents/{DOC}/reinstate"))
    assert found(searcher, DOC) and not searcher.store.document(DOC).retired
    assert "dokument återinfört" in client.get("/admin/audit").text
    run = Indexer(settings, embedder).ingest([corpus])  # now the changed file is read
    assert [(f.doc_id, f.outcome) for f in run.files] == [(DOC, "revised")]


def test_metadata_edits_win_over_the_manifest_through_every_kind_of_ingest(site, embedder):
    client, searcher, settings, corpus = site
    store = searcher.store
    manifest = store.document(DOC)
    form = {
        "title": "Handlingsplan missbruk Norrbotten (redigerad)",
        "region": "Norrbotten",
        "doc_type": manifest.doc_type,
        "status": "upphävd",
        "decided": "",
        "valid_from": manifest.valid_from or "",
        "valid_to": "2023-12-31",
        "parties": "Region Norrbotten\nLuleå kommun",
    }
    assert admin_post(client, f"/admin/documents/{DOC}/meta", **form).status_code == 303
    edited = {
        "title": form["title"],
        "status": "upphävd",
        "valid_to": "2023-12-31",
        "parties": ["Region Norrbotten", "Luleå kommun"],
        "doc_type": manifest.doc_type,
    }

    def kept() -> dict:
        document = store.document(DOC)
        return {key: getattr(document, key) for key in edited}

    Indexer(settings, embedder).ingest([corpus], rebuild=True)  # kb ingest --rebuild
    assert kept() == edited
    source = corpus / f"{DOC}.md"
    source.write_text(source.read_text(encoding="utf-8") + "\nÄnnu ett tillägg.\n", encoding="utf-8")
    run = Indexer(settings, embedder).ingest([corpus])  # a new version from the corpus folder
    assert run.files[0].outcome == "revised" and kept() == edited
    page = client.get(f"/admin/documents/{DOC}").text  # where each value comes from
    assert 'id="source-title">valt av rut' in page
    assert f"manifest.toml säger ”{manifest.title}”" in page
    assert 'id="source-doc_type">från manifest.toml' in page
    text = source.read_text(encoding="utf-8") + "\nEn uppladdad version.\n"
    assert "Klart" in upload_and_publish(client, "ny.md", text.encode(), target=DOC)  # a new version uploaded
    assert kept() == edited

    assert admin_post(client, f"/admin/documents/{DOC}/meta/reset").status_code == 303
    back = store.document(DOC)
    assert (back.title, back.status, back.valid_to, back.parties) == (
        manifest.title,
        manifest.status,
        manifest.valid_to,
        manifest.parties,
    )
    assert "metadata återställd" in client.get("/admin/audit").text


def test_a_backup_restored_into_another_folder_gives_the_service_back(site, embedder, tmp_path):
    from app.web import create_app

    client, searcher, settings, corpus = site
    assert "Klart" in upload_and_publish(client, "LARO rutin.md", NEW_DOC_MD.encode(), title="LARO-rutin")
    form = {
        "title": "LARO-rutin (redigerad)",
        "region": "Västerbotten",
        "doc_type": "",
        "status": "gällande",
        "decided": "",
        "valid_from": "",
        "valid_to": "",
        "parties": "",
    }
    assert admin_post(client, "/admin/documents/laro-rutin/meta", **form).status_code == 303
    course = client.post(
        "/courses", data={"title": "Introduktion", "csrf": csrf_of(client.get("/courses").text)}, follow_redirects=False
    )
    assert course.status_code == 303
    queries = ["vem ansvarar för boendestöd i LARO", QUERY, "anmälningsskyldighet"]

    def state(data_dir) -> dict:
        with sqlite3.connect(data_dir / "kb.sqlite") as db:
            tables = {
                t: db.execute(f"SELECT * FROM {t} ORDER BY 1").fetchall()
                for t in ("users", "courses", "course_items", "audit_log", "meta_edits")
            }
            tables["documents"] = db.execute(
                "SELECT doc_id, title, region, status, retired, current_version FROM documents ORDER BY 1"
            ).fetchall()
        return tables

    before = state(settings.data_dir)
    searches = {q: [h.passage.chunk_id for h in searcher.search(q, k=5)] for q in queries}

    original = tmp_path / "original"  # back up a copy, then delete it: the restore must need nothing of it
    _copy_data_dir(settings.data_dir, original)
    archive = tmp_path / "kopia.tar.gz"
    result = kb(Settings.from_env(data_dir=original, corpus_dir=corpus), "backup", str(archive))
    assert result.exit_code == 0, result.output
    assert "2 dokument" in result.output and "1 kurser" in result.output
    shutil.rmtree(original)

    restored = Settings.from_env(data_dir=tmp_path / "annan-mapp", corpus_dir=corpus)
    result = kb(restored, "restore", str(archive))
    assert result.exit_code == 0, result.output
    assert state(restored.data_dir) == before
    again = Searcher(restored, embedder)
    assert {q: [h.passage.chunk_id for h in again.search(q, k=5)] for q in queries} == searches
    with TestClient(create_app(restored, again), cookies=dict(client.cookies)) as same_browser:
        assert same_browser.get("/admin", follow_redirects=False).status_code == 200  # the session key came along

    run = Indexer(restored, embedder).ingest([corpus], rebuild=True)
    assert {f.doc_id: f.outcome for f in run.files} == {DOC: "revised", "laro-rutin": "revised"}
    document = again.store.document("laro-rutin")
    assert (document.title, document.region) == ("LARO-rutin (redigerad)", "Västerbotten")

    kept = Path(again.store.versions("laro-rutin")[0].source_file)
    assert restored.data_dir.resolve() in kept.parents  # the restored folder's own copy
    kept.unlink()
    generation = again.store.generation()
    result = kb(restored, "ingest", "--rebuild", str(corpus))
    assert result.exit_code == 2
    assert "källfilen saknas" in result.output and "laro-rutin" in result.output and "inget ändrades" in result.output
    assert again.store.generation() == generation

    refused = kb(restored, "restore", str(archive))
    assert refused.exit_code == 2 and "inte tom" in refused.output


def test_a_database_from_an_older_release_with_absolute_paths_works_in_another_folder(site, embedder, tmp_path):
    """Older releases stored absolute paths into their data dir; copied elsewhere, --rebuild skipped uploads."""
    from index.storage import Store

    client, searcher, settings, corpus = site
    copied = tmp_path / "kopierad"
    _copy_data_dir(settings.data_dir, copied)
    with sqlite3.connect(copied / "kb.sqlite") as db:
        for table, column in (("documents", "source_path"), ("versions", "source_file")):
            db.execute(f"UPDATE {table} SET {column} = '/srv/gammal/data/' || {column} WHERE {column} NOT LIKE '/%'")
    moved = Settings.from_env(data_dir=copied, corpus_dir=corpus)
    store = Store(moved)
    upload_source = Path(store.document("laro-rutin").source_path)
    assert copied.resolve() in upload_source.parents and upload_source.is_file()
    run = Indexer(moved, embedder).ingest([corpus], rebuild=True)
    assert {f.doc_id: f.outcome for f in run.files}["laro-rutin"] == "revised"

"""Editor actions asked for in quick succession wait their turn instead of failing on the writer lock.

A real server (uvicorn in a thread) over real SQLite and the real pipeline, with
two small documents so indexing is quick.
"""

from __future__ import annotations

import httpx

from app.auth import add_user
from index.building.indexer import Indexer
from index.config import Settings
from index.retrieve.search import Searcher
from tests.servers import thread_server
from tests.test_admin import finished
from tests.test_auth import PASSWORD, csrf_of

DOCS = {
    "rutin-abstinens": "# Rutin för abstinensvård\n\n## Ansvar\n\nRegionen ansvarar för abstinensbehandling i "
    "slutenvård.\n",
    "rutin-boende": "# Rutin för boendestöd\n\n## Ansvar\n\nKommunen ansvarar för boendestöd till personer med "
    "beroende.\n",
}


def test_two_retires_in_quick_succession_both_end_up_done(tmp_path, embedder, caplog):
    """… and the service's log has a line when each starts and ends."""
    from app.web import create_app

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for doc_id, text in DOCS.items():
        (corpus / f"{doc_id}.md").write_text(text, encoding="utf-8")
    settings = Settings.from_env(data_dir=tmp_path / "data", corpus_dir=corpus)
    Indexer(settings, embedder).ingest([corpus], who="start")
    searcher = Searcher(settings, embedder)
    add_user(searcher.store, "rut", "editor", PASSWORD)
    generation = searcher.store.generation()

    with thread_server(create_app(settings, searcher)) as base, httpx.Client(base_url=base) as client:
        token = csrf_of(client.get("/login").text)
        signed_in = client.post(
            "/login", data={"name": "rut", "password": PASSWORD, "next": "/admin", "csrf": token}, follow_redirects=True
        )
        assert signed_in.status_code == 200 and "rutin-boende" in signed_in.text
        token = csrf_of(signed_in.text)
        jobs = []
        for doc_id in DOCS:
            response = client.post(f"/admin/documents/{doc_id}/retire", data={"csrf": token}, follow_redirects=False)
            assert response.status_code == 303
            jobs.append(response.headers["location"])
        second = client.get(jobs[1]).text
        assert any(state in second for state in ("Väntar på tur", "Pågår", "Klart")), second
        for job in jobs:
            fragment = finished(client, job)
            assert "Klart" in fragment and "borttaget ur sökningen" in fragment, fragment
        listing = client.get("/admin/jobs").text
        assert listing.count(": klart</li>") == 2 and "misslyckades" not in listing
    logged = [r.getMessage() for r in caplog.records if r.name == "kb.jobs"]
    assert sum(" retire started by rut" in line for line in logged) == 2
    assert sum(" retire done" in line for line in logged) == 2

    store = searcher.store
    assert all(store.document(doc_id).retired for doc_id in DOCS)
    assert store.generation() == generation + 2

"""An upload is a draft that only its editor sees, with what it would change, until that editor publishes it.

A real app over a temp data dir seeded with one corpus document, two editors and an anonymous
visitor; the draft is read by the real pipeline into its own copy of the corpus.
"""

from __future__ import annotations

import html
import re
import shutil

import pytest
from fastapi.testclient import TestClient

from app.auth import add_user
from index.config import Settings
from index.building.preview import has_preview
from tests.conftest import CORPUS
from tests.test_admin import draft_link, publish_draft, upload, wait_for
from tests.test_auth import PASSWORD, csrf_of, login
from tests.test_history import DOC, revise

NALOXON = """# Rutin för naloxon

## Ansvar

Regionen ansvarar för utdelning av naloxon till personer med opioidberoende.
"""
QUESTION = "vem ansvarar för utdelning av naloxon till personer med opioidberoende"


@pytest.fixture(scope="module")
def site(tmp_path_factory, embedder):
    from app.web import create_app
    from index.building.indexer import Indexer
    from index.retrieve.search import Searcher

    root = tmp_path_factory.mktemp("drafts")
    corpus = root / "corpus"
    corpus.mkdir()
    shutil.copy(CORPUS / f"{DOC}.txt", corpus)
    shutil.copy(CORPUS / "manifest.toml", corpus)
    settings = Settings.from_env(data_dir=root / "data", corpus_dir=corpus)
    Indexer(settings, embedder).ingest([corpus], who="start")
    searcher = Searcher(settings, embedder)
    for name in ("rut", "tage"):
        add_user(searcher.store, name, "editor", PASSWORD)
    app = create_app(settings, searcher)
    with TestClient(app) as rut, TestClient(app) as tage, TestClient(app) as anyone:
        assert login(rut, "rut").status_code == 303 and login(tage, "tage").status_code == 303
        yield rut, tage, anyone, searcher, settings


def text_of(page: str) -> str:
    """A page's words as a person reads them."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def seen_by_others(anyone, tage) -> dict:
    """What everyone but the uploader sees: the search, the documents, the other editor's pages."""
    return {
        "search": anyone.get("/api/search", params={"q": QUESTION}).json(),
        "page": re.sub(r'name="csrf" value="[^"]+"', "", anyone.get("/", params={"q": QUESTION}).text),
        "documents": anyone.get("/api/documents").json(),
        "document": anyone.get("/documents/naloxon").status_code,
        "admin": re.sub(r'name="csrf" value="[^"]+"', "", tage.get("/admin").text),
        "upload_form": re.sub(r"csrf=[^\"]+", "", tage.get("/admin/upload").text),
    }


def test_nobody_else_sees_an_upload_until_its_editor_publishes_it(site):
    rut, tage, anyone, searcher, settings = site
    generation = searcher.store.generation()
    before = seen_by_others(anyone, tage)
    assert before["document"] == 404 and "naloxon" not in {r["doc_id"] for r in before["search"]["results"]}

    link = draft_link(wait_for(rut, upload(rut, "naloxon.md", NALOXON.encode(), region="Dalarna")))

    assert seen_by_others(anyone, tage) == before
    assert searcher.store.generation() == generation and searcher.store.document("naloxon") is None
    assert tage.get(link).status_code == 404  # another editor's draft does not exist for them
    assert "naloxon.md" in rut.get("/admin").text  # the uploader's list names it

    page = text_of(rut.get(link).text)
    assert "Inte publicerat. Bara du ser utkastet" in page
    assert "Regionen ansvarar för utdelning av naloxon" in page  # the reading: its statement …
    assert "Ansvar" in page and "Borttaget vid rensning" in page  # … its sections and what was removed
    changed = page[page.index("Frågor som utkastet ändrar") : page.index("frågor ändras inte")]
    assert QUESTION in changed and "→ Region – Rutin för naloxon (ur utkastet)" in changed
    tried = rut.get(link, params={"q": "vem delar ut naloxon"}).text
    assert "Första träffen: ingen träff → Rutin för naloxon › Ansvar (ur utkastet)" in text_of(
        tried[tried.index('aria-label="Din fråga"') :]
    )

    assert "naloxon version 1 är publicerad och sökbar för alla" in publish_draft(rut, link)

    after = anyone.get("/api/search", params={"q": QUESTION}).json()
    assert after["results"][0]["doc_id"] == "naloxon" and after["answer"]["principal"] == "region"
    assert anyone.get("/documents/naloxon").status_code == 200
    assert "naloxon" in tage.get("/admin").text
    assert rut.get(link).status_code == 404 and not list((settings.shared_dir / "drafts").iterdir())
    assert "nytt dokument" in rut.get("/admin/audit").text


def test_a_discarded_draft_leaves_nothing(site):
    rut, tage, anyone, searcher, settings = site
    uploads = sorted(p.name for p in (settings.shared_dir / "uploads").rglob("*"))
    text = NALOXON.replace("naloxon", "buprenorfin")
    link = draft_link(wait_for(rut, upload(rut, "buprenorfin.md", text.encode())))
    draft_id = link.rsplit("/", 1)[1]
    assert has_preview(settings, draft_id)
    again = upload(rut, "buprenorfin.md", text.encode())
    assert again.status_code == 400 and "Det finns redan ett opublicerat utkast av buprenorfin" in again.text

    assert (
        rut.post(link + "/discard", data={"csrf": csrf_of(rut.get(link).text)}, follow_redirects=False).status_code
        == 303
    )

    assert not has_preview(settings, draft_id) and rut.get(link).status_code == 404
    assert sorted(p.name for p in (settings.shared_dir / "uploads").rglob("*")) == uploads
    assert searcher.store.document("buprenorfin") is None
    assert "utkast slängt" in rut.get("/admin/audit").text


def test_a_new_version_is_compared_with_the_version_in_search(site):
    rut, tage, anyone, searcher, settings = site
    same = (CORPUS / f"{DOC}.txt").read_bytes()
    fragment = wait_for(rut, upload(rut, "samma.txt", same, target=DOC))
    assert "likadan som version 1" in fragment and "Granska utkastet" not in fragment

    link = draft_link(wait_for(rut, upload(rut, "ny.txt", revise(same.decode()).encode(), target=DOC)))
    page = text_of(rut.get(link).text)
    assert "ny version av" in page and "i sökningen nu: version 1" in page
    assert searcher.store.document(DOC).current_version == 1
    fragment = publish_draft(rut, link)
    assert f"{DOC} version 2 är publicerad" in fragment and searcher.store.document(DOC).current_version == 2


def test_the_editors_choices_are_labelled_as_the_editors(site):
    """Type and status chosen at upload were labelled "gissat ur texten och filnamnet" when the text agreed."""
    rut, tage, anyone, searcher, settings = site
    text = "# Rutin för sprututbyte\n\n## Ansvar\n\nRegionen ansvarar för sprututbyte.\n"
    link = draft_link(wait_for(rut, upload(rut, "sprut.md", text.encode(), doc_type="rutin", status="gällande")))
    rows = dict(re.findall(r'<th scope="row">(\w+)</th><td>[^<]*</td>\s*<td>([^<]+)</td>', rut.get(link).text))
    assert rows["Typ"].strip() == "valt av dig vid uppladdningen"
    assert rows["Status"].strip() == "valt av dig vid uppladdningen"
    assert rows["Titel"].strip() == "gissat ur texten och filnamnet"
    publish_draft(rut, link)

    page = rut.get("/admin/documents/sprut").text
    assert re.search(r'id="source-doc_type">valt av rut [\d: -]+ UTC; ur texten: ”rutin”', html.unescape(page))
    reading = html.unescape(rut.get("/admin/documents/sprut/reading").text)
    assert "Titel och län är lästa ur dokumentet eller gissade. Rätta dem under Metadata på dokumentets sida" in reading
    assert "manifest.toml" not in reading
    corpus_reading = html.unescape(rut.get(f"/admin/documents/{DOC}/reading").text)
    assert "Rätta dem under Metadata" not in corpus_reading  # a corpus document is fixed in its manifest

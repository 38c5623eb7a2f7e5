"""The editors' pages on a real app over a temp data dir seeded with one corpus document."""

from __future__ import annotations

import html
import io
import re
import shutil
import time
import zipfile

import pytest
from fastapi.testclient import TestClient

from app.auth import add_user
from index.config import Settings
from tests.conftest import CORPUS
from tests.test_auth import PASSWORD, csrf_of, login
from tests.test_history import DOC, revise

NEW_DOC_MD = """# Samverkansrutin för LARO i Testlän

## Ansvar

Regionen ansvarar för läkemedelsassisterad behandling vid opioidberoende.
Kommunen ansvarar för boendestöd till personer i LARO.
"""


def zip_without_document() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("content.xml", "<x/>")
    return buffer.getvalue()


@pytest.fixture(scope="module")
def env(tmp_path_factory, embedder):
    from app.web import create_app
    from index.building.indexer import Indexer
    from index.retrieve.search import Searcher

    root = tmp_path_factory.mktemp("admin")
    corpus = root / "corpus"
    corpus.mkdir()
    shutil.copy(CORPUS / f"{DOC}.txt", corpus)
    shutil.copy(CORPUS / "manifest.toml", corpus)
    settings = Settings.from_env(data_dir=root / "data", corpus_dir=corpus)
    Indexer(settings, embedder).ingest([corpus], who="start")
    searcher = Searcher(settings, embedder)
    add_user(searcher.store, "rut", "editor", PASSWORD)
    with TestClient(create_app(settings, searcher)) as client:
        assert login(client, "rut").status_code == 303
        yield client, searcher, settings


def token(client) -> str:
    return csrf_of(client.get("/admin/upload").text)


def upload(client, name: str, content: bytes, **fields):
    """The upload form sends its token in the address, so the server can check it before reading the file."""
    return client.post(
        "/admin/upload",
        params={"csrf": token(client)},
        data=fields,
        files={"file": (name, content)},
        follow_redirects=False,
    )


def finished(client, job: str) -> str:
    """Poll a job's progress fragment until it stops polling itself; its last text."""
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        fragment = client.get(job + "/progress").text
        if 'hx-trigger="every 1s"' not in fragment:
            return fragment
        time.sleep(0.3)
    raise AssertionError(f"{job} blev inte klart")


def wait_for(client, response) -> str:
    """Follow a job redirect and poll its progress fragment until the job ends."""
    assert response.status_code == 303, response.text
    job = response.headers["location"]
    assert re.fullmatch(r"/admin/jobs/\w+", job)
    return finished(client, job)


def draft_link(fragment: str) -> str:
    """The draft an upload made, linked from its job's last fragment."""
    assert "Granska utkastet" in fragment, fragment
    return re.search(r'href="(/admin/drafts/\w+)"', fragment).group(1)


def publish_draft(client, link: str) -> str:
    """Press "Publicera" on the draft's page; the publishing job's last text."""
    token = csrf_of(client.get(link).text)
    return wait_for(client, client.post(link + "/publish", data={"csrf": token}, follow_redirects=False))


def publish(client, fragment: str) -> str:
    return publish_draft(client, draft_link(fragment))


def upload_and_publish(client, name: str, content: bytes, **fields) -> str:
    return publish(client, wait_for(client, upload(client, name, content, **fields)))


def snapshot(searcher, settings):
    store = searcher.store
    uploads = settings.data_dir / "uploads"
    return (
        [(d.doc_id, d.current_version, d.retired) for d in store.documents(include_retired=True)],
        store.generation(),
        sorted(p.name for p in uploads.rglob("*")) if uploads.exists() else [],
    )


def test_document_list(env):
    client, _, _ = env
    page = client.get("/admin")
    assert page.status_code == 200
    assert DOC in page.text and "Länsövergripande" in page.text


def test_reindex_of_an_unchanged_folder_changes_nothing(env):
    client, searcher, settings = env
    before = snapshot(searcher, settings)
    fragment = wait_for(client, client.post("/admin/reindex", data={"csrf": token(client)}, follow_redirects=False))
    assert "Klart" in fragment and "Inga filer var ändrade" in fragment
    assert snapshot(searcher, settings) == before


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("avtal.pdf", b"\x89PNG\r\n\x1a\n" + bytes(64), "varken PDF"),
        ("avtal.pdf", "Det här är bara text.".encode(), "heter .pdf men innehållet är text"),
        ("avtal.docx", zip_without_document(), "inget Word-dokument"),
        ("avtal.txt", "text\x00med nolltecken".encode(), "varken PDF"),
        ("avtal.txt", "ogiltig utf-8 \xe5".encode("latin-1"), "varken PDF"),
    ],
)
def test_a_file_of_the_wrong_kind_is_refused_and_nothing_changes(env, name, content, message):
    client, searcher, settings = env
    before = snapshot(searcher, settings)
    response = upload(client, name, content)
    assert response.status_code == 400
    assert message in response.text
    assert snapshot(searcher, settings) == before


def test_a_file_too_large_is_refused(env):
    client, searcher, settings = env
    before = snapshot(searcher, settings)
    response = upload(client, "stor.txt", b"a" * (settings.max_upload + 1))
    assert response.status_code == 400 and "större än 20 MB" in response.text
    assert snapshot(searcher, settings) == before


def test_a_pdf_the_pipeline_cannot_read_leaves_everything_as_it_was(env):
    client, searcher, settings = env
    before = snapshot(searcher, settings)
    fragment = wait_for(client, upload(client, "trasig.pdf", b"%PDF-1.4\nnot really a pdf\n", title="Trasig"))
    assert "Misslyckades" in fragment and "Filen kunde inte läsas" in fragment
    assert snapshot(searcher, settings) == before
    assert "uppladdning misslyckades" in client.get("/admin/audit").text


def test_a_revised_text_becomes_version_2_with_its_diff(env):
    client, searcher, _ = env
    revised = revise((CORPUS / f"{DOC}.txt").read_text(encoding="utf-8"))
    fragment = upload_and_publish(client, "ny version.txt", revised.encode(), target=DOC)
    assert "Klart" in fragment and f"{DOC} version 2 är publicerad" in fragment
    document = searcher.store.document(DOC)
    assert document.current_version == 2 and not document.guessed  # the manifest metadata is kept

    versions = client.get(f"/documents/{DOC}/versions")
    assert versions.status_code == 200
    assert "Version 2 (gällande)" in versions.text and "Version 1" in versions.text and "av rut" in versions.text

    diff = client.get(f"/documents/{DOC}/diff?from=1&to=2")
    assert "Abstinensvård: region → gemensamt" in diff.text
    assert "<del>psykiatrin. </del>" in diff.text and "<ins>beroendevården vid Falu lasarett. </ins>" in diff.text
    assert "ny version" in client.get("/admin/audit").text

    # the corpus folder still holds version 1: a reindex must not bring it back over the editor's version 2
    fragment = html.unescape(
        wait_for(client, client.post("/admin/reindex", data={"csrf": token(client)}, follow_redirects=False))
    )
    assert "filen är version 1; version 2 lades in av rut och gäller" in fragment
    assert searcher.store.document(DOC).current_version == 2


def test_a_new_markdown_document_with_metadata(env):
    client, searcher, _ = env
    fragment = upload_and_publish(
        client,
        "LARO rutin.md",
        NEW_DOC_MD.encode(),
        title="Samverkansrutin LARO",
        region="Dalarna",
        doc_type="handlingsplan",
        status="förslag",
    )
    assert "Klart" in fragment
    document = searcher.store.document("laro-rutin")
    assert (document.title, document.region, document.status, document.format) == (
        "Samverkansrutin LARO",
        "Dalarna",
        "förslag",
        "md",
    )
    again = upload(client, "laro_rutin.md", NEW_DOC_MD.encode())
    assert again.status_code == 400 and "finns redan" in again.text


def test_an_upload_without_a_title_keeps_the_chosen_type_and_county(env):
    client, searcher, _ = env
    fragment = upload_and_publish(
        client,
        "rutin utan titel.md",
        NEW_DOC_MD.replace("LARO", "Läkemedelsassisterad behandling").encode(),
        title="",
        region="Norrbotten",
        doc_type="vård- och insatsprogram",
    )
    assert "Klart" in fragment
    document = searcher.store.document("rutin-utan-titel")
    assert (document.region, document.doc_type) == ("Norrbotten", "vård- och insatsprogram")
    assert document.title  # read from the text
    provenance = searcher.store.meta_provenance("rutin-utan-titel")
    assert provenance["doc_type"]["source"] == "editor" and provenance["doc_type"]["by"] == "rut"


def test_editing_metadata(env):
    client, searcher, _ = env
    page = client.get("/admin/documents/laro-rutin")
    form = {
        "csrf": csrf_of(page.text),
        "title": "Rutin för LARO",
        "region": "Dalarna",
        "doc_type": "handlingsplan",
        "status": "gällande",
        "valid_from": "2024-01-01",
        "valid_to": "2023-01-01",
        "parties": "",
    }
    refused = client.post("/admin/documents/laro-rutin/meta", data=form, follow_redirects=False)
    assert refused.status_code == 400 and "Giltig till är före giltig från" in refused.text
    saved = client.post(
        "/admin/documents/laro-rutin/meta",
        data=form | {"valid_to": "2026-12-31", "parties": "Region Dalarna\nFalu kommun"},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    document = searcher.store.document("laro-rutin")
    assert (document.title, document.valid_to, document.parties) == (
        "Rutin för LARO",
        "2026-12-31",
        ["Region Dalarna", "Falu kommun"],
    )
    assert "metadata ändrad" in client.get("/admin/audit").text


def test_retiring_takes_a_document_out_of_search_and_keeps_its_history(env):
    client, searcher, _ = env
    assert any(h.passage.doc_id == "laro-rutin" for h in searcher.search("boendestöd LARO", k=10))
    page = client.get("/admin/documents/laro-rutin")
    fragment = wait_for(
        client,
        client.post("/admin/documents/laro-rutin/retire", data={"csrf": csrf_of(page.text)}, follow_redirects=False),
    )
    assert "borttaget ur sökningen" in fragment
    assert searcher.store.document("laro-rutin").retired
    assert not any(h.passage.doc_id == "laro-rutin" for h in searcher.search("boendestöd LARO", k=10))
    assert client.get("/documents/laro-rutin/versions").status_code == 200
    assert "borttaget ur sökningen" in client.get("/admin/audit").text


ROUTINE = """---
title: "Rutin vid misstanke om missbruk"
source_url: "https://example.org/rutin.pdf"
---

Socialförvaltningen
Dokumentet är beslutat av: Verksamhetschef
Dokumentet beslutades den: 2025-01-15

1/2
# RUTIN
Stöd vid missbruk
## Roller och ansvar
Enhetschef ansvarar för att:
➢ rutinen är känd bland medarbetarna
Sjuksköterskan ansvarar för att:
•
kontakta läkare vid misstanke om abstinens

2/2
## Utförande
Kontakta socialtjänsten vid oro för ett barn.
"""


def test_the_reading_page_shows_how_a_document_was_read(env):
    client, searcher, _ = env
    upload_and_publish(client, "rutin-missbruk.md", ROUTINE.encode(), doc_type="rutin")
    page = client.get("/admin/documents/rutin-missbruk/reading")
    assert page.status_code == 200
    text = html.unescape(page.text)
    assert "Rutin vid misstanke om missbruk" in text  # the front matter names it
    assert "Verksamhetschef" in text and "2025-01-15" in text  # the control header is metadata …
    chunks = searcher.store.document_passages("rutin-missbruk")
    assert not any("Dokumentet är beslutat" in c.text or "source_url" in c.text for c in chunks)  # … not text
    statements = re.findall(r"<tr><td>(\w+)</td><td>([^<]+)</td>", page.text)
    assert ("kommun", "Enhetschef") in statements and ("kommun", "Sjuksköterskan") in statements  # a kommun's routine
    assert "sidnummer" in text and "Roller och ansvar" in text
    assert "Ange län under Metadata på dokumentets sida" in text  # how to fix what could not be read, for an upload
    assert "manifest.toml" not in text
    assert client.get("/admin/documents/finns-inte/reading").status_code == 404


def test_progress_and_summary_speak_of_documents_and_passages_in_the_same_numbers(env):
    """The page counted "0/1899" pieces while embedding and then reported "609 stycken bäddades in"."""
    from app.jobs import Job
    from index.building.indexer import BUILDING, EMBEDDING, READING, Progress

    job = Job("x", "reindex", "Indexering", "rut")
    job.on_progress(Progress(READING, 2, 7, "avtal.txt"))
    assert (job.current, job.done, job.total) == ("Läser dokument 2 av 7: avtal.txt", 2, 7)
    job.on_progress(Progress(EMBEDDING, 256, 1899, None))
    assert (job.current, job.done, job.total) == ("Bäddar in stycken med ny text: textbit 256 av 1 899", 256, 1899)
    job.on_progress(Progress(BUILDING, 0, 1, None))
    assert job.current == "Bygger sökindexet" and not job.total

    client, searcher, settings = env
    text = (
        "# Rutin för spelberoende i Testlän\n\n## Ansvar\n\nKommunen ansvarar för stöd till anhöriga vid spel om "
        "pengar.\n"
    )
    (settings.corpus_dir / "spelrutin.md").write_text(text, encoding="utf-8")
    generation = searcher.store.generation() + 1
    fragment = html.unescape(
        wait_for(client, client.post("/admin/reindex", data={"csrf": token(client)}, follow_redirects=False))
    )
    summary = re.search(
        rf"Klart\. Index {generation}\. 2 dokument lästa: 1 nytt dokument, 0 nya versioner, 1 oförändrat\. "
        r"De nya och ändrade dokumenten har 1 stycke, varav 1 med ny text som bäddades in \((\d+) textbit(?:ar)?\)\.",
        fragment,
    )
    [passage] = searcher.store.document_passages("spelrutin")
    assert summary and int(summary.group(1)) >= len(passage.embed_keys)  # its windows and its statement
    assert "stycken: 1" in fragment  # the document's own report says the same

"""The staff pages: search with answer card and filters, passage permalinks, the document reader."""

from __future__ import annotations

import html
import re

import pytest
from fastapi.testclient import TestClient

from app.web import create_app
from index.retrieve.search import Searcher
from tests.ui_fixtures import HOSTILE, NORRBOTTEN, PDF_DOC, clone, revise_norrbotten, ui_base  # noqa: F401

QUESTION = "vem ansvarar för abstinensbehandling"


def results(page: str) -> list[str]:
    """The HTML of each result, in order."""
    return re.findall(r'<li class="result[^"]*">(.*?)</li>\s*(?=<li class="result|</ol>)', page, re.S)


def region_of(result: str) -> str:
    return re.search(r'<p class="meta">\s*<a [^>]+>[^<]*</a> · ([^·<]+?) ·', result).group(1).strip()


def test_answer_card_comes_first_and_is_cited(client):
    page = client.get("/", params={"q": QUESTION}).text
    card = page.index('class="answer"')
    assert card < page.index('class="result"')
    heading = re.search(r'<h2 id="answer-title">(.*?)</h2>', page, re.S).group(1)
    assert re.match(r"Ansvarig huvudman: (Region|Kommun|Gemensamt)", html.unescape(heading))
    cite = re.search(r'<p class="cite">(.*?)</p>', page[card:], re.S).group(1)
    assert re.search(r"\((Dalarna|Norrbotten|Stockholm|Västerbotten|Västernorrland)\)", html.unescape(cite))
    assert '<blockquote class="statement">' in page[card:] and 'href="/passage/' in cite


def test_results_show_highlights_citation_and_badges(client):
    page = client.get("/", params={"q": "abstinensbehandling"}).text
    found = results(page)
    assert len(found) >= 3
    assert all("<mark>" in r for r in found[:3])
    assert all('href="/passage/' in r and 'href="/documents/' in r for r in found)
    assert "giltighetstiden har gått ut" in page  # Dalarna's agreement ran to 2024-06-30
    remiss = results(
        client.get("/", params={"q": "åtar sig Stockholms läns landsting", "only": "1", "region": "Stockholm"}).text
    )
    assert remiss and all('<span class="badge status">remiss</span>' in r for r in remiss)


def test_priority_badges_and_filter(client):
    page = client.get("/", params={"q": "prio behandling", "priority": "BÖR", "region": ""}).text
    found = results(page)
    assert found
    assert all(re.search(r'class="badge priority[^"]*">BÖR', r) for r in found)


def test_principal_and_document_type_filters(client):
    found = results(client.get("/", params={"q": "ansvar boende", "doc_type": "handlingsplan", "region": ""}).text)
    assert found and all('<span class="doc-type">handlingsplan</span>' in r for r in found)
    found = results(client.get("/", params={"q": "ansvar boende", "principal": "kommun", "region": ""}).text)
    assert found and all("Huvudman: Kommun" in r or "Huvudman: Gemensamt" in r for r in found)


def test_region_is_remembered_and_comes_first(client):
    first = client.get("/", params={"q": QUESTION, "region": "Norrbotten"})
    assert "kb_region=Norrbotten" in first.headers["set-cookie"]
    try:
        page = client.get("/", params={"q": QUESTION}).text  # no region: the cookie decides
        assert '<option value="Norrbotten" selected>' in page
        regions = [region_of(r) for r in results(page)]
        own = [r == "Norrbotten" for r in regions]
        assert own[:3] == [True, True, True], regions  # weak own-region matches may follow strong others
        others = [r for r in results(page) if region_of(r) != "Norrbotten"]
        assert all("Annat län: " in r for r in others)
        only = [region_of(r) for r in results(client.get("/", params={"q": QUESTION, "only": "1"}).text)]
        assert only and set(only) == {"Norrbotten"}
    finally:
        cleared = client.get("/", params={"q": QUESTION, "region": ""})
        assert 'kb_region=""' in cleared.headers["set-cookie"] or "Max-Age=0" in cleared.headers["set-cookie"]
        client.cookies.clear()


def test_search_works_without_javascript_and_as_you_type(client):
    page = client.get("/").text
    form = re.search(r'<form class="search"(.*?)>', page, re.S).group(1)
    assert 'action="/"' in form and 'method="get"' in form
    assert 'hx-push-url="true"' in form and "delay:" in form
    for name in ("q", "region", "doc_type", "priority", "principal"):
        assert re.search(rf'<label for="{name}">', page), name
    fragment = client.get("/", params={"q": QUESTION}, headers={"HX-Request": "true"}).text
    assert "<html" not in fragment and 'class="answer"' in fragment


def test_query_is_reflected_safely(client):
    page = client.get("/", params={"q": '"><script>alert(1)</script>'}).text
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)" in page


def test_passage_page(client):
    hit = client.get("/api/search", params={"q": "sprututbyte", "k": 1}).json()["results"][0]
    page = client.get(hit["url"]).text
    assert 'lang="sv"' in page and 'class="skip" href="#main"' in page
    assert f'id="c-{hit["chunk_id"]}"' in page
    assert "Giltighet" in page and 'class="copy-link"' in page
    assert f"/documents/{hit['doc_id']}?passage={hit['chunk_id']}#c-{hit['chunk_id']}" in page
    assert 'class="context"' in page  # neighbours for context
    assert "Lägg till i kurs" not in page  # only for signed-in trainers
    assert client.get("/passage/finns-inte").status_code == 404


def test_the_card_names_an_actor_or_none_never_a_piece_of_a_sentence():
    """The card read "Enligt dokumentet: Exempel på insatser som landstinget"."""
    from app.pages import actor_name, without_colon

    for fragment in ("Exempel på insatser som landstinget", "Alla barn som behöver stöd ska kommunen", ""):
        assert actor_name(fragment) == ""
    for name in ("Landstinget", "Länets primärvård", "Sjuksköterskan", "Kommunen och regionen"):
        assert actor_name(name) == name
    assert without_colon("Landstinget åtar sig att:") + ":" == "Landstinget åtar sig att:"


def test_a_may_question_is_answered_yes_or_no_not_with_half_a_sentence(client):
    """A may-question's card read "Enligt dokumentet: Socialtjänsten får inte", a sentence without its verb's object."""
    page = html.unescape(client.get("/", params={"q": "får soc kräva urinprov"}).text)
    title = re.search(r'<h2 id="answer-title">([^<]*)</h2>', page).group(1)
    assert re.fullmatch(r"(Ja|Nej), enligt dokumentet", title), title
    assert re.search(r'<p class="actor">Huvudman: <strong>\w+</strong>', page)


def test_no_double_colon_and_a_differing_badge_says_why(client):
    """Links ended "åtar sig att::", and the card said Gemensamt beside a first result badged Kommun with
    no word on why."""
    for question in (QUESTION, "vem gör SIP", "ungdom röker på vem hjälper", "LARO ansvar", "får soc kräva urinprov"):
        page = html.unescape(client.get("/", params={"q": question}).text)
        assert not re.search(r":\s*</a>\s*:", page), question  # a link whose text ends in a colon, and one after it
        card = re.search(r'<h2 id="answer-title">Ansvarig huvudman: (\w+)', page)
        for result in results(page):
            badge = re.search(r"Huvudman: (\w+)</span>", result)
            if card and badge and badge.group(1) != card.group(1):
                assert re.search(r'<span class="differs">i [^;<]+; kortet', result), (question, result)
            else:
                assert 'class="differs"' not in result


def test_document_reader(client):
    doc_id = "dalarna-overenskommelse-2021"
    chunks = client.get(f"/api/documents/{doc_id}").json()["chunks"]
    cited = chunks[5]["chunk_id"]
    page = client.get(f"/documents/{doc_id}", params={"passage": cited}).text
    assert '<nav class="toc"' in page
    toc_targets = re.findall(r'<li class="toc-d\d"><a href="#(s-\d+)">', page)
    assert toc_targets and all(f'id="{t}"' in page for t in toc_targets)
    assert all(f'id="c-{c["chunk_id"]}"' in page for c in chunks)
    assert f'id="c-{cited}" class="chunk cited"' in page
    assert page.count("chunk cited") == 1
    assert 'id="fn-title"' in page  # Dalarna has footnotes
    assert client.get("/documents/finns-inte").status_code == 404


def test_pages_have_no_inline_script_or_style(client):
    hit = client.get("/api/search", params={"q": "LARO", "k": 1}).json()["results"][0]
    for url in ("/", f"/?q={QUESTION}", hit["url"], f"/documents/{hit['doc_id']}", "/courses"):
        page = client.get(url).text
        assert " style=" not in page and " onclick=" not in page, url
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page), url
        assert not re.search(r"<style", page), url


# -- on a writable copy: hostile text, a PDF, a superseded passage -------------------------


@pytest.fixture(scope="module")
def workspace(ui_base, tmp_path_factory, embedder):  # noqa: F811
    return clone(ui_base, tmp_path_factory.mktemp("pages"))


@pytest.fixture(scope="module")
def own_client(workspace, embedder):
    with TestClient(create_app(workspace.settings, Searcher(workspace.settings, embedder))) as client:
        yield client


def test_hostile_document_is_shown_as_text(own_client):
    detail = own_client.get(f"/api/documents/{HOSTILE}").json()
    assert any("<script>" in c["text"] for c in detail["chunks"])
    for url in [f"/documents/{HOSTILE}", *(c["url"] for c in detail["chunks"])]:
        page = own_client.get(url).text
        assert "<script>alert" not in page and "<img src=x" not in page, url
        assert 'href="javascript:' not in page, url
    assert "&lt;script&gt;" in own_client.get(f"/documents/{HOSTILE}").text
    search = own_client.get("/", params={"q": "boendestöd avgiftning"}).text
    assert "<script>alert" not in search


def test_pdf_pages_are_shown(own_client):
    page = own_client.get(f"/documents/{PDF_DOC}").text
    assert '<p class="page-mark">Sida 1</p>' in page and '<p class="page-mark">Sida 2</p>' in page
    chunk = own_client.get(f"/api/documents/{PDF_DOC}").json()["chunks"][-1]
    assert f"<dt>Sida</dt><dd>{chunk['page']}</dd>" in own_client.get(chunk["url"]).text


def test_superseded_passage_points_to_the_current_one(own_client, workspace, embedder):
    old = next(
        c for c in own_client.get(f"/api/documents/{NORRBOTTEN}").json()["chunks"] if "barnmedicinska" in c["text"]
    )
    revise_norrbotten(workspace, embedder)
    page = own_client.get(old["url"]).text
    assert "Avsnittet har ändrats i en nyare version" in page
    assert 'class="quoted superseded"' in page and "barnmedicinska" in page
    current = re.search(r'<a href="/passage/([0-9a-f]+)">Läs det gällande avsnittet', page).group(1)
    assert current != old["chunk_id"]
    assert "ungdomsmottagningen i Kiruna" in own_client.get(f"/api/passages/{current}").json()["text"]

"""One status everywhere, and every API refusal in Swedish, on the real corpus index.

Every route that shows a document's status is asked about every document, and each must say what
index/card/status.py derives: Dalarna's agreement, valid to 2024-06-30, is "utgången" in the document API
as in the search results and on the pages.
"""

from __future__ import annotations

import html
import re

import pytest
from fastapi.testclient import TestClient

from app.auth import add_user
from index.card.status import STATUS_LABELS, document_status
from tests.test_auth import PASSWORD, login

EDITOR = "statusgranskare"


@pytest.fixture(scope="module")
def editor(settings, searcher):
    """A logged-in editor's client of its own, so the session's shared client stays anonymous."""
    from app.web import create_app

    add_user(searcher.store, EDITOR, "editor", PASSWORD)
    with TestClient(create_app(settings, searcher)) as client:
        assert login(client, EDITOR).status_code == 303
        yield client


@pytest.fixture(scope="module")
def expected(searcher) -> dict[str, str]:
    return {d.doc_id: document_status(d) for d in searcher.store.documents()}


def test_an_agreement_whose_validity_ended_is_utgangen(expected, searcher):
    dalarna = searcher.store.document("dalarna-overenskommelse-2021")
    assert dalarna.status == "gällande" and dalarna.valid_to == "2024-06-30"
    assert expected["dalarna-overenskommelse-2021"] == "utgången"


def test_the_document_api_says_the_derived_status(client, expected):
    listed = {d["doc_id"]: d["status"] for d in client.get("/api/documents").json()}
    assert listed == expected
    for doc_id, status in expected.items():
        body = client.get(f"/api/documents/{doc_id}").json()
        assert body["status"] == status, doc_id


def test_search_results_statements_and_cards_say_the_same(client, expected):
    seen: set[str] = set()
    for q in ("vem ansvarar för abstinensbehandling", "LARO ansvar", "tillnyktring", "samordnad individuell plan"):
        body = client.get("/api/search", params={"q": q, "k": 20}).json()
        for result in body["results"]:
            assert result["status"] == expected[result["doc_id"]], (q, result["doc_id"])
            seen.add(result["doc_id"])
        answer = body["answer"]
        for statement in [answer["statement"], *answer["candidates"], *answer["regions"]] if answer else []:
            if statement:
                assert statement["status"] == expected[statement["doc_id"]]
        if answer and answer["statement"]:
            assert answer["status"] == expected[answer["statement"]["doc_id"]]
        for region in client.get("/api/responsibility", params={"q": q}).json()["regions"]:
            for statement in region["statements"]:
                assert statement["status"] == expected[statement["doc_id"]]
    assert "dalarna-overenskommelse-2021" in seen


def test_the_pages_say_the_same(client, expected, searcher):
    start = html.unescape(client.get("/").text)
    for doc_id, status in expected.items():
        label = STATUS_LABELS[status]
        item = re.search(rf'<li><a href="/documents/{re.escape(doc_id)}">.*?</li>', start)
        assert item and f">{label}</span>" in item.group(0), doc_id
        page = html.unescape(client.get(f"/documents/{doc_id}").text)
        assert f" · {label} · giltighet" in page, doc_id
        passage = searcher.store.document_passages(doc_id)[0]
        shown = html.unescape(client.get(f"/passage/{passage.chunk_id}").text)
        assert f"<dt>Status</dt><dd>{label}</dd>" in shown, doc_id
    results = html.unescape(client.get("/", params={"q": "tillnyktring abstinens Dalarna"}).text)
    assert STATUS_LABELS["utgången"] in results


def test_the_admin_pages_say_the_same(editor, expected):
    listing = html.unescape(editor.get("/admin").text)
    for doc_id, status in expected.items():
        row = re.search(rf"<tr>(?:(?!</tr>).)*?/admin/documents/{re.escape(doc_id)}\".*?</tr>", listing, re.S)
        assert row and f"<td>{STATUS_LABELS[status]}</td>" in row.group(0), doc_id
        page = html.unescape(editor.get(f"/admin/documents/{doc_id}").text)
        assert f" · {STATUS_LABELS[status]} · " in page, doc_id
        reading = html.unescape(editor.get(f"/admin/documents/{doc_id}/reading").text)
        assert STATUS_LABELS[status] in reading, doc_id


@pytest.mark.parametrize("path", ["/api/finns-inte", "/api/documents/x/y", "/api/sok"])
def test_an_unknown_api_path_is_refused_in_swedish(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/json")
    assert response.json() == {"detail": f"Adressen {path} finns inte. API:ts adresser står i /docs."}


@pytest.mark.parametrize(
    ("method", "path"),
    [("POST", "/api/search"), ("DELETE", "/api/documents"), ("PUT", "/api/passages/x"), ("POST", "/healthz")],
)
def test_a_wrong_method_is_refused_in_swedish(client, method, path):
    response = client.request(method, path)
    assert response.status_code == 405
    assert response.headers["allow"] == "GET"
    assert response.json() == {"detail": f"Metoden {method} går inte att använda på {path}; använd GET."}


def test_a_route_keeps_its_own_swedish_refusal(client):
    response = client.get("/api/documents/finns-inte")
    assert response.status_code == 404
    assert response.json() == {"detail": "Dokumentet 'finns-inte' finns inte."}


def test_a_page_that_does_not_exist_is_still_a_page(client):
    response = client.get("/finns-inte")
    assert response.status_code == 404 and response.headers["content-type"].startswith("text/html")


def test_the_spec_lists_every_refusal(client):
    spec = client.get("/openapi.json").json()
    assert "404 för ett okänt id eller en okänd adress" in spec["info"]["description"]
    assert "405 för fel metod" in spec["info"]["description"]
    for path, item in spec["paths"].items():
        for operation in item.values():
            for status in ("405", "503"):
                schema = operation["responses"][status]["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/ApiError"}, (path, status)
    assert spec["components"]["schemas"]["DocumentSummary"]["properties"]["status"]["enum"] == list(STATUS_LABELS)

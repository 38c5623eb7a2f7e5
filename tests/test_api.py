"""The HTTP API: shapes, errors and the pages that serve people."""

import re

PRINCIPALS = {"region", "kommun", "gemensamt", None}
RESULT_KEYS = {
    "chunk_id",
    "doc_id",
    "title",
    "region",
    "section",
    "page",
    "text",
    "score",
    "principal",
    "units",
    "priority",
    "url",
    "status",
}
ANSWER_KEYS = {
    "intent",
    "principal",
    "units",
    "priority",
    "chunk_id",
    "text",
    "status",
    "statement",
    "abstained",
    "reason",
    "candidates",
    "regions",
    "region_note",
}


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_search_shape(client):
    response = client.get("/api/search", params={"q": "vem ansvarar för abstinensbehandling", "k": 5})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"query", "answer", "results"}
    assert body["query"] == "vem ansvarar för abstinensbehandling"
    assert 1 <= len(body["results"]) <= 5
    for result in body["results"]:
        assert set(result) == RESULT_KEYS
        assert result["principal"] in PRINCIPALS
        assert isinstance(result["units"], list)
        assert result["url"] == f"/passage/{result['chunk_id']}"
        if result["priority"] is not None:
            assert set(result["priority"]) == {"level", "label"}
            assert result["priority"]["label"] in {"BÖR", "KAN", "KAN I UNDANTAGSFALL", "FoU", "icke-göra"}
    answer = body["answer"]
    assert set(answer) == ANSWER_KEYS
    assert answer["principal"] in PRINCIPALS
    if answer["abstained"]:
        assert answer["principal"] is None and answer["reason"] and answer["candidates"]
    else:
        statement = answer["statement"]
        assert statement["principal"] == answer["principal"] and statement["text"] == answer["text"]
        passage = client.get(f"/api/passages/{statement['chunk_id']}").json()
        source = passage["section_path"][-1] if statement["span"]["in"] == "heading" else passage["text"]
        spanned = source[statement["span"]["start"] : statement["span"]["end"]]
        assert spanned and spanned.split()[-1] in statement["text"]


def test_search_rejects_bad_parameters(client):
    for params in ({"q": ""}, {"q": "x" * 301}, {"q": "lvm", "k": 0}, {"q": "lvm", "k": 51}, {}):
        response = client.get("/api/search", params=params)
        assert response.status_code == 422, params
        assert response.json()["detail"]
    assert client.get("/api/search", params={"q": "   "}).status_code == 422


def test_documents_and_passages(client):
    documents = client.get("/api/documents").json()
    assert len(documents) == 5
    doc = next(d for d in documents if d["doc_id"] == "dalarna-overenskommelse-2021")
    assert doc["region"] == "Dalarna" and doc["chunks"] > 10
    detail = client.get("/api/documents/dalarna-overenskommelse-2021").json()
    assert detail["title"] == doc["title"]
    chunks = detail["chunks"]
    assert len(chunks) == doc["chunks"]
    assert all(c["section"] is not None for c in chunks)
    passage = client.get(f"/api/passages/{chunks[3]['chunk_id']}").json()
    assert passage["text"] == chunks[3]["text"]
    assert client.get("/api/documents/finns-inte").status_code == 404
    assert client.get("/api/passages/0000").status_code == 404


def test_search_page_renders_results_without_javascript(client):
    page = client.get("/", params={"q": "LARO ansvar"})
    assert page.status_code == 200
    assert 'lang="sv"' in page.text
    assert 'src="/static/htmx.min.js"' in page.text
    assert page.text.count('class="result"') >= 3
    assert "script-src 'self'" in page.headers["content-security-policy"]


def test_htmx_request_gets_only_the_results(client):
    fragment = client.get("/", params={"q": "LARO ansvar"}, headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert "<html" not in fragment.text and 'class="result"' in fragment.text


def test_passage_page_is_a_permalink(client):
    result = client.get("/api/search", params={"q": "sprututbyte", "k": 1}).json()["results"][0]
    page = client.get(result["url"])
    assert page.status_code == 200
    assert result["title"] in page.text


def test_query_is_reflected_safely(client):
    page = client.get("/", params={"q": "<script>alert(1)</script>"})
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;" in page.text


def test_responsibility_statements_grouped_by_region(client):
    body = client.get("/api/responsibility", params={"q": "vem ansvarar för abstinensbehandling"}).json()
    assert body["query"] == "vem ansvarar för abstinensbehandling"
    regions = {group["region"]: group["statements"] for group in body["regions"]}
    assert {"Dalarna", "Norrbotten", "Västerbotten"} <= set(regions)
    for statements in regions.values():
        for statement in statements:
            assert statement["principal"] in {"region", "kommun", "gemensamt"}
            assert statement["url"] == f"/passage/{statement['chunk_id']}"
            assert "abstinens" in statement["text"].lower() or "avgiftning" in statement["text"].lower()
    assert {s["principal"] for s in regions["Dalarna"]} == {"region"}
    only = client.get("/api/responsibility", params={"q": "abstinensvård", "region": "Dalarna"}).json()
    assert [g["region"] for g in only["regions"]] == ["Dalarna"]
    assert client.get("/api/responsibility", params={"q": ""}).status_code == 422


def test_api_documentation_is_served_locally(client):
    page = client.get("/docs")
    assert page.status_code == 200
    assert "cdn" not in page.text.lower()
    for asset in re.findall(r'(?:src|href)="(/static/[^"]+)"', page.text):
        assert client.get(asset).status_code == 200, asset
    spec = client.get("/openapi.json").json()
    assert {"/api/search", "/api/responsibility", "/api/documents", "/healthz"} <= set(spec["paths"])

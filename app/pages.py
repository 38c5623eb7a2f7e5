"""Pages for people: search, passage permalinks, the document reader."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from app.payloads import MAX_QUERY, search_payload
from index.search import Searcher


def pages_router(searcher: Searcher, templates: Jinja2Templates) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    store = searcher.store

    def regions() -> list[str]:
        return sorted({d["region"] for d in store.documents() if d["region"]})

    # -- people ------------------------------------------------------------

    @router.get("/", response_class=HTMLResponse)
    def home(request: Request, q: str = "", region: str = ""):
        q = q.strip()[:MAX_QUERY]
        payload = search_payload(searcher, q, region=region or None, for_page=True) if q else None
        template = "_results.html" if request.headers.get("HX-Request") else "search.html"
        return templates.TemplateResponse(
            request, template, {"q": q, "region": region, "regions": regions(), "payload": payload}
        )

    @router.get("/passage/{chunk_id}", response_class=HTMLResponse)
    def passage_page(request: Request, chunk_id: str):
        chunk = store.chunk(chunk_id)
        if chunk is None:
            raise HTTPException(404, "Avsnittet finns inte.")
        document = store.document(chunk["doc_id"])
        before, after = store.neighbours(chunk)
        return templates.TemplateResponse(
            request,
            "passage.html",
            {"chunk": chunk, "document": document, "before": before, "after": after},
        )

    @router.get("/documents/{doc_id}", response_class=HTMLResponse)
    def document_page(request: Request, doc_id: str):
        document = store.document(doc_id)
        if document is None:
            raise HTTPException(404, "Dokumentet finns inte.")
        return templates.TemplateResponse(
            request, "document.html", {"document": document, "chunks": store.document_chunks(doc_id)}
        )

    return router

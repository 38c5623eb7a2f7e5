"""Public pages on a document's history: its versions and what changed between two of them.

Readers need these as much as editors: an agreement that moved a responsibility
from region to kommun must say so openly, with who published the change and when.
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from index.ops import history
from app.pages import document_or_404
from index.retrieve.search import Searcher


def history_router(searcher: Searcher, templates: Jinja2Templates) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    store = searcher.store

    @router.get("/documents/{doc_id}/versions", response_class=HTMLResponse)
    def versions_page(request: Request, doc_id: str):
        document = document_or_404(store, doc_id)
        return templates.TemplateResponse(
            request, "versions.html", {"document": document, "versions": history.versions(store, doc_id)}
        )

    @router.get("/documents/{doc_id}/diff", response_class=HTMLResponse)
    def diff_page(
        request: Request,
        doc_id: str,
        old: int | None = Query(None, alias="from", ge=1),
        new: int | None = Query(None, alias="to", ge=1),
    ):
        document = document_or_404(store, doc_id)
        numbers = [v.number for v in history.versions(store, doc_id)]
        new = new or numbers[0]
        old = old or max(new - 1, 1)
        if old not in numbers or new not in numbers:
            raise HTTPException(
                404, f"Versionen finns inte; dokumentet har versionerna {', '.join(map(str, sorted(numbers)))}."
            )
        return templates.TemplateResponse(
            request,
            "diff.html",
            {"document": document, "diff": history.diff(store, doc_id, old, new), "numbers": sorted(numbers)},
        )

    return router

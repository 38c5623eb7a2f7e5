"""The web application: JSON API for programs, server-rendered pages for people."""

from __future__ import annotations

from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated

from fastapi import FastAPI, HTTPException, Query, Request
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.admin import admin_router
from app.auth import AuthError, auth_error_page, auth_router, csrf_token
from app.courses import courses_router
from app.guard import BodyLimit, ProxyHeaders, SameOrigin, SecurityHeaders, body_limits
from app.history_pages import history_router
from app.pages import not_found_page, pages_router
from app.payloads import MAX_QUERY, document_of, passage_of, responsibility_payload, search_payload
from index.config import Settings
from index.search import IndexMissing, Searcher

HERE = Path(__file__).parent

QueryText = Annotated[str, Query(min_length=1, max_length=MAX_QUERY, description="Frågan, på svenska")]
ResultCount = Annotated[int, Query(ge=1, le=50, description="Antal träffar (1–50)")]


def create_app(settings: Settings | None = None, searcher: Searcher | None = None) -> FastAPI:
    settings = settings or Settings.from_env()
    searcher = searcher or Searcher(settings)
    templates = Jinja2Templates(directory=HERE / "templates")
    templates.env.globals["csrf_token"] = csrf_token

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        try:
            searcher.load()
            app.state.ready = True
        except IndexMissing:
            app.state.ready = False
        yield

    app = FastAPI(
        title="Vem gör vad",
        description="Sök i överenskommelser och riktlinjer för missbruks- och beroendevården.",
        lifespan=lifespan,
        docs_url=None,  # served below from app/static: FastAPI's own page loads Swagger UI from a CDN
        redoc_url=None,
    )
    app.state.ready = False
    app.state.searcher = searcher
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    # Outermost last: headers on every answer, then the client's address, then refusals before any body is read.
    app.add_middleware(BodyLimit, limit_for=body_limits(settings))
    app.add_middleware(SameOrigin, settings=settings)
    app.add_middleware(ProxyHeaders, settings=settings)
    app.add_middleware(SecurityHeaders, settings=settings)

    @app.exception_handler(IndexMissing)
    async def index_missing(request: Request, exc: IndexMissing):
        return JSONResponse({"detail": str(exc)}, status_code=503)

    store = searcher.store

    # -- programs ----------------------------------------------------------

    @app.get("/docs", include_in_schema=False)
    def docs(request: Request):
        return templates.TemplateResponse(request, "docs.html")

    @app.get("/healthz", tags=["drift"])
    def healthz():
        if not app.state.ready:
            try:  # an index built after start-up (by an editor) makes the service ready
                searcher.load()
                app.state.ready = True
            except IndexMissing:
                raise HTTPException(503, "Indexet är inte laddat.") from None
        return {"status": "ok", "generation": store.generation()}

    @app.get("/api/search", tags=["sök"])
    def api_search(q: QueryText, k: ResultCount = 10, region: str | None = None):
        if not q.strip():
            raise HTTPException(422, "Frågan är tom.")
        return search_payload(searcher, q.strip(), k=k, region=region or None)

    @app.get("/api/responsibility", tags=["sök"])
    def api_responsibility(q: QueryText, region: str | None = None):
        """Who is responsible: the matching records grouped by region, each with its passage."""
        if not q.strip():
            raise HTTPException(422, "Frågan är tom.")
        return responsibility_payload(searcher, q.strip(), region=region or None)

    @app.get("/api/documents", tags=["dokument"])
    def api_documents():
        return [document_of(d) | {"chunks": d["chunk_count"]} for d in store.documents()]

    @app.get("/api/documents/{doc_id}", tags=["dokument"])
    def api_document(doc_id: str):
        document = store.document(doc_id)
        if document is None:
            raise HTTPException(404, f"Dokumentet {doc_id!r} finns inte.")
        chunks = store.document_chunks(doc_id)
        return document_of(document) | {
            "footnotes": document["footnotes"],
            "chunks": [passage_of(c, document) for c in chunks],
        }

    @app.get("/api/passages/{chunk_id}", tags=["dokument"])
    def api_passage(chunk_id: str):
        chunk = store.chunk(chunk_id)
        if chunk is None:
            raise HTTPException(404, f"Avsnittet {chunk_id!r} finns inte.")
        return passage_of(chunk, store.document(chunk["doc_id"]))

    app.include_router(pages_router(searcher, templates))
    app.include_router(courses_router(searcher, templates))
    app.add_exception_handler(AuthError, auth_error_page(templates))
    app.add_exception_handler(StarletteHTTPException, not_found_page(templates))
    app.include_router(auth_router(templates))
    app.include_router(admin_router(settings, searcher, templates))
    app.include_router(history_router(searcher, templates))

    return app

"""The web application: JSON API for programs, server-rendered pages for people."""

from __future__ import annotations

from contextlib import asynccontextmanager
from http import HTTPStatus
from pathlib import Path
from typing import Annotated

from fastapi import FastAPI, HTTPException, Query, Request
from fastapi import Path as PathParam
from fastapi.exception_handlers import request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.admin import Admin
from app.admin import router as admin_router
from app.api_models import (
    ApiError,
    Document,
    DocumentSummary,
    Health,
    Passage,
    ResponsibilityResponse,
    SearchResponse,
)
from app.auth import AuthError, auth_error_page, auth_router, csrf_token
from app.courses import CourseSite
from app.courses import router as courses_router
from app.guard import AllowedHosts, BodyLimit, ProxyHeaders, SameOrigin, SecurityHeaders, body_limits
from app.history_pages import history_router
from app.logs import RequestLog, configure as configure_logging
from app.pages import API_PATHS, not_found_page, pages_router
from app.payloads import MAX_QUERY, document_of, passage_of, responsibility_payload, search_payload
from index.config import Settings
from index.retrieve.search import IndexMissing, Searcher

HERE = Path(__file__).parent
MAX_REGION = 100  # characters; a county's name is far shorter

# A question must hold something besides spaces: the pattern says so in the spec, and FastAPI checks it.
QueryText = Annotated[
    str,
    Query(
        min_length=1,
        max_length=MAX_QUERY,
        pattern=r"\S",
        description=f"Frågan, på svenska (1–{MAX_QUERY} tecken, inte bara blanksteg)",
    ),
]
ResultCount = Annotated[int, Query(ge=1, le=50, description="Antal träffar (1–50)")]
RegionFilter = Annotated[
    str | None,
    Query(
        max_length=MAX_REGION,
        description="Sök bara i detta läns dokument, t.ex. Dalarna (som i dokumentens region). "
        "Utelämnad eller tom: alla län.",
    ),
]
# Every API route may refuse a parameter (422), a method (405) or lack an index (503); FastAPI's own shapes
# and English phrases are replaced by ApiError in Swedish (see api_refusal below).
API_ERRORS = {
    405: {
        "model": ApiError,
        "description": "Metoden går inte att använda här; svarets Allow-huvud anger vilka som går",
    },
    422: {"model": ApiError, "description": "Ogiltig parameter"},
    503: {"model": ApiError, "description": "Inget index är laddat"},
}
NOT_FOUND = {404: {"model": ApiError, "description": "Okänt id"}}


def parameter_problem(error: dict) -> str:
    """One of FastAPI's validation errors, said in Swedish."""
    name = error["loc"][-1]
    if name == "q":
        return f"Frågan får vara högst {MAX_QUERY} tecken." if error["type"] == "string_too_long" else "Frågan är tom."
    if name == "k":
        return "Antal träffar (k) ska vara ett heltal från 1 till 50."
    if name == "region":
        return f"Länet får vara högst {MAX_REGION} tecken."
    return f"Ogiltigt värde för {name}."


def refusal_message(request: Request, exc: StarletteHTTPException) -> str:
    """A refusal in Swedish: the route's own message, or one for the framework's English phrase."""
    if exc.detail != HTTPStatus(exc.status_code).phrase:
        return str(exc.detail)
    path = request.url.path
    if exc.status_code == 404:
        return f"Adressen {path} finns inte. API:ts adresser står i /docs."
    if exc.status_code == 405:
        allowed = (exc.headers or {}).get("Allow", "")
        return f"Metoden {request.method} går inte att använda på {path}" + (f"; använd {allowed}." if allowed else ".")
    return f"Förfrågan kunde inte besvaras (HTTP {exc.status_code})."


def create_app(settings: Settings | None = None, searcher: Searcher | None = None) -> FastAPI:
    settings = settings or Settings.from_env()
    searcher = searcher or Searcher(settings)
    configure_logging()
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
        description="Sök i överenskommelser och riktlinjer för missbruks- och beroendevården.\n\n"
        'Varje vägran svarar med `{"detail": "…"}` (ApiError) på svenska: 404 för ett okänt id eller en '
        "okänd adress under /api/, 405 för fel metod (Allow-huvudet anger de som går), 422 för en ogiltig "
        "parameter och 503 när inget index är laddat.",
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
    app.add_middleware(AllowedHosts, settings=settings)
    app.add_middleware(SecurityHeaders, settings=settings)
    app.add_middleware(RequestLog)  # outermost: it sees the status every refusal above answers with

    @app.exception_handler(RequestValidationError)
    async def invalid_parameter(request: Request, exc: RequestValidationError):
        """The API refuses a bad parameter in Swedish, in the ApiError shape its spec documents."""
        if not request.url.path.startswith("/api/"):
            return await request_validation_exception_handler(request, exc)
        problems = dict.fromkeys(parameter_problem(error) for error in exc.errors())
        return JSONResponse({"detail": " ".join(problems)}, status_code=422)

    @app.exception_handler(IndexMissing)
    async def index_missing(request: Request, exc: IndexMissing):
        return JSONResponse({"detail": str(exc)}, status_code=503)

    store = searcher.store

    # -- programs ----------------------------------------------------------

    @app.get("/docs", include_in_schema=False)
    def docs(request: Request):
        return templates.TemplateResponse(request, "docs.html")

    @app.get(
        "/healthz",
        tags=["drift"],
        response_model=Health,
        responses={405: API_ERRORS[405], 503: API_ERRORS[503]},
        summary="Kontrollera att tjänsten är redo",
        description="Svarar 200 med indexgenerationen när ett index är laddat, annars 503. "
        "Ett index som en redaktör byggt efter start laddas vid första anropet.",
    )
    def healthz():
        if not app.state.ready:
            try:  # an index built after start-up (by an editor) makes the service ready
                searcher.load()
                app.state.ready = True
            except IndexMissing:
                raise HTTPException(503, "Indexet är inte laddat.") from None
        return {"status": "ok", "generation": store.generation()}

    @app.get(
        "/api/search",
        tags=["sök"],
        response_model=SearchResponse,
        responses=API_ERRORS,
        summary="Sök i dokumenten",
        description="De bästa avsnitten för frågan, med svarskortet: vem som är huvudman (eller vilken prioritet "
        "som gäller) och uttalandet som säger det, eller varför kortet avstår.",
    )
    def api_search(q: QueryText, k: ResultCount = 10, region: RegionFilter = None):
        return search_payload(searcher, q.strip(), k=k, region=region or None)

    @app.get(
        "/api/responsibility",
        tags=["sök"],
        response_model=ResponsibilityResponse,
        responses=API_ERRORS,
        summary="Vem ansvarar, per län",
        description="Ansvarsuttalanden som svarar på frågan, grupperade per län i rangordning, "
        "vart och ett med sitt citat och sin källa.",
    )
    def api_responsibility(q: QueryText, region: RegionFilter = None):
        return responsibility_payload(searcher, q.strip(), region=region or None)

    @app.get(
        "/api/documents",
        tags=["dokument"],
        response_model=list[DocumentSummary],
        responses={405: API_ERRORS[405], 503: API_ERRORS[503]},
        summary="Lista dokumenten",
        description="Alla sökbara dokument med metadata, inläsningsrapport och antal avsnitt.",
    )
    def api_documents():
        return [document_of(d) | {"chunks": d.passage_count} for d in store.documents()]

    @app.get(
        "/api/documents/{doc_id}",
        tags=["dokument"],
        response_model=Document,
        responses=NOT_FOUND | API_ERRORS,
        summary="Hämta ett dokument",
        description="Dokumentets metadata, fotnoter och alla avsnitt i den gällande versionen. 404 för okänt id.",
    )
    def api_document(
        doc_id: Annotated[
            str,
            PathParam(
                description="Dokumentets id, t.ex. dalarna-overenskommelse-2021",
                examples=["dalarna-overenskommelse-2021"],
            ),
        ],
    ):
        document = store.document(doc_id)
        if document is None:
            raise HTTPException(404, f"Dokumentet {doc_id!r} finns inte.")
        return document_of(document) | {
            "footnotes": document.footnotes,
            "chunks": [passage_of(p, document) for p in store.document_passages(doc_id)],
        }

    @app.get(
        "/api/passages/{chunk_id}",
        tags=["dokument"],
        response_model=Passage,
        responses=NOT_FOUND | API_ERRORS,
        summary="Hämta ett avsnitt",
        description="Ett avsnitt med dess plats i dokumentet, tabell, ansvars- och prioritetsuttalanden. "
        "404 för okänt id.",
    )
    def api_passage(chunk_id: Annotated[str, PathParam(description="Avsnittets id, som i sökträffarnas chunk_id")]):
        passage = store.passage(chunk_id)
        if passage is None:
            raise HTTPException(404, f"Avsnittet {chunk_id!r} finns inte.")
        return passage_of(passage, store.document(passage.doc_id))

    app.include_router(pages_router(searcher, templates))
    app.state.courses = CourseSite(searcher, templates)
    app.include_router(courses_router)
    app.add_exception_handler(AuthError, auth_error_page(templates))
    page_refusal = not_found_page(templates)

    async def api_refusal(request: Request, exc: StarletteHTTPException):
        """Programs get every refusal (unknown path, wrong method …) in the ApiError shape, in Swedish."""
        if not request.url.path.startswith(API_PATHS):
            return await page_refusal(request, exc)
        return JSONResponse({"detail": refusal_message(request, exc)}, status_code=exc.status_code, headers=exc.headers)

    app.add_exception_handler(StarletteHTTPException, api_refusal)
    app.include_router(auth_router(templates))
    app.state.admin = Admin(settings, searcher, templates)
    app.include_router(admin_router)
    app.include_router(history_router(searcher, templates))

    return app

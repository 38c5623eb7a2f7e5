"""Pages for people: search, passage permalinks, the document reader."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from fastapi import APIRouter, HTTPException, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.auth import current_user
from app.courses import can_edit_courses, editable_courses
from app.links import web_addresses
from app.payloads import MAX_QUERY, answer_of, result_of
from app.snippets import excerpt
from index.card.answer import (
    DISAGREE,
    DISAGREE_LEVEL,
    NO_PRINCIPAL,
    NOT_CLEAR,
    NOT_RATED,
    NOT_STATED,
    VARIES,
    compose_answer,
)
from index.card.status import STATUS_LABELS, document_status
from index.ops.history import closest_current
from index.retrieve.search import Filters as SearchFilters
from index.retrieve.search import Searcher
from index.storage import Document, Passage, Store
from ingest.actors import mentions

FAVICON = Path(__file__).parent / "static" / "favicon.svg"
API_PATHS = ("/api/", "/healthz", "/openapi.json")  # programs get JSON errors; every other path is a page
REGION_COOKIE = "kb_region"
REGION_COOKIE_AGE = 365 * 24 * 3600
FILTERS_COOKIE = "kb_filters"  # "open" when the filter box was left unfolded (set by app.js)
PAGE_SIZE = 10
# Filtering and "mitt län först" happen here, over more hits than are shown.

PRIORITY_LABELS = ("BÖR", "KAN", "KAN I UNDANTAGSFALL", "FoU", "icke-göra")
PRINCIPALS = {"region": "Region", "kommun": "Kommun", "gemensamt": "Gemensamt"}
# Shown on the start page to click: who, who in a county, how strongly, whether someone may.
EXAMPLE_QUESTIONS = (
    "vem ansvarar för abstinensbehandling",
    "vem ansvarar för boendestöd i Västerbotten",
    "prioritet för KBT vid cannabisberoende",
    "får socialtjänsten kräva urinprov",
)

# An abstaining card says why in one line on a phone; its reason in full and the candidates are folded below.
ABSTAIN_LINES = {
    NOT_STATED: "Dokumenten är otydliga om vem",
    NOT_RATED: "Dokumenten är otydliga om prio",
    NOT_CLEAR: "Dokumenten är otydliga om det",
    DISAGREE: "Dokumenten säger olika om vem",
    DISAGREE_LEVEL: "Dokumenten säger olika om prio",
    NO_PRINCIPAL: "Oklart om region eller kommun",
    VARIES: "Det skiljer sig åt",
}
INTENT_LINES = {"priority": "Ingen tydlig prioritet", "permission": "Inget tydligt besked"}
# Words that make an actor phrase a piece of a sentence ("Exempel på insatser som landstinget"), not a name.
_CLAUSE_WORDS = re.compile(r"\b(?:som|att|där|vilka|vilket|när|om|exempel|insatser)\b", re.IGNORECASE)
ACTOR_WORDS = 6


def actor_name(actor: str | None) -> str:
    """The actor as the document names it ("Landstinget", "Länets primärvård"), or "" for a fragment of a
    sentence: a name is short, opens with its unit, role or actor word (a word or two before it at most)
    and holds no clause."""
    actor = " ".join((actor or "").split())
    found = mentions(actor)
    if not found or len(actor.split()) > ACTOR_WORDS or _CLAUSE_WORDS.search(actor):
        return ""
    return actor if len(actor[: found[0].start].split()) <= 2 else ""


def without_colon(text: str) -> str:
    """A lead used as a section name ("Landstinget åtar sig att:") in a link followed by a colon of its own."""
    return text.rstrip().rstrip(":").rstrip()


def differs_note(result: dict, card: dict) -> str:
    """Why a result's principal is not the card's: it is another passage, often of another county."""
    if result["region"] and result["region"] != card["region"]:
        return f"i {result['region']}; kortet gäller {card['region'] or card['title']}"
    return "i detta stycke; kortet citerar ett annat"


@dataclass
class Filters:
    region: str = ""  # the user's own county: its results come first
    only_region: bool = False
    doc_type: str = ""
    priority: str = ""
    principal: str = ""

    @property
    def narrowing(self) -> bool:
        return bool(self.doc_type or self.priority or self.principal or self.only_region)

    def described(self, principals: dict[str, str]) -> list[str]:
        """The chosen filters in words, for the folded filter box."""
        chosen = [f"bara {self.region}" if self.only_region else f"{self.region} först" if self.region else ""]
        chosen += [self.doc_type, self.priority and f"prioritet {self.priority}"]
        chosen.append(self.principal and f"huvudman {principals[self.principal].lower()}")
        return [c for c in chosen if c]

    def narrowed(self) -> SearchFilters:
        """The filters as the searcher applies them, inside retrieval."""
        return SearchFilters(
            region=self.region if self.only_region else None,
            doc_type=self.doc_type or None,
            priority=self.priority or None,
            principal=self.principal or None,
        )


def document_or_404(store: Store, doc_id: str) -> Document:
    """The document for a page, or the page's 404."""
    document = store.document(doc_id)
    if document is None:
        raise HTTPException(404, "Dokumentet finns inte.")
    return document


def search_page_payload(searcher: Searcher, query: str, filters: Filters, exact: bool = False) -> dict:
    """Search with the page's filters, order for the searcher's county, then compose the answer.

    The answer is composed from what is shown, so it agrees with the filters and "mitt län".
    `exact` searches the words as typed, without typo correction.
    """
    hits = searcher.search(
        query, k=PAGE_SIZE, prefer_region=filters.region or None, filters=filters.narrowed(), exact=exact
    )
    reading = searcher.read(query, exact)
    answer = answer_of(compose_answer(searcher, query, hits, prefer_region=filters.region or None, exact=exact))
    if answer:  # the card marks a proposal as the results do
        for statement in filter(None, [answer["statement"], *answer["candidates"], *answer["regions"]]):
            statement["proposal"] = searcher.store.passage(statement["chunk_id"]).proposal
        answer["line"] = (
            ABSTAIN_LINES.get(answer["reason"])
            or (reading.intent.unknown_region and "Inga dokument från det länet")
            or INTENT_LINES.get(answer["intent"], "Ingen tydlig huvudman")
        )
    card = answer["statement"] if answer and answer["principal"] else None
    results = []
    for hit in hits:
        result = result_of(hit, reading, filters.principal or None, filters.priority or None)
        doc_region = hit.document.region
        result.update(
            excerpt=excerpt(hit.passage.text, hit.highlights),
            table=hit.passage.table,
            section_path=hit.passage.section_path,
            proposal=hit.passage.proposal,
            valid_to=hit.document.valid_to,
            doc_type=hit.document.doc_type,
            other_region=bool(filters.region and doc_region and doc_region.lower() != filters.region.lower()),
            document_url=f"/documents/{hit.passage.doc_id}?passage={hit.passage.chunk_id}#c-{hit.passage.chunk_id}",
            differs=differs_note(result, card) if card and result["principal"] not in (None, card["principal"]) else "",
        )
        results.append(result)
    return {
        "query": query,
        "answer": answer,
        "results": results,
        "corrected": reading.query if reading.query != query else None,
        "corrected_words": [w for w in reading.query.split() if w.lower() not in query.lower().split()],
        "unknown": reading.unknown,
        "unknown_region": reading.intent.unknown_region,
    }


def coverage(store: Store) -> list[dict]:
    """What the index holds, per county, for the start page: each document with its derived status."""
    by_region: dict[str, list[Document]] = {}
    for document in store.documents():
        by_region.setdefault(document.region or "Utan län", []).append(document)
    return [{"region": region, "documents": documents} for region, documents in by_region.items()]


def table_of_contents(passages: list[Passage]) -> tuple[list[dict], dict[str, list[dict]]]:
    """Headings in reading order, and which headings open before each passage.

    Only the section-path parts that change from one passage to the next open a heading,
    so a subsection never repeats its parent.
    """
    toc: list[dict] = []
    opens: dict[str, list[dict]] = {}
    previous: list[str] = []
    for passage in passages:
        path = passage.section_path
        common = 0
        while common < min(len(path), len(previous)) and path[common] == previous[common]:
            common += 1
        new = []
        for depth in range(common, len(path)):
            heading = {"title": path[depth], "depth": depth + 1, "anchor": f"s-{len(toc)}"}
            toc.append(heading)
            new.append(heading)
        opens[passage.chunk_id] = new
        previous = path
    return toc, opens


def not_found_page(templates: Jinja2Templates):
    """A Swedish page with a search box for a missing page; JSON as before for the API."""

    async def handler(request: Request, exc: StarletteHTTPException):
        if exc.status_code != 404 or request.url.path.startswith(API_PATHS):
            return await http_exception_handler(request, exc)
        context = {"user": current_user(request), "message": exc.detail if exc.detail != "Not Found" else ""}
        return templates.TemplateResponse(request, "not_found.html", context, status_code=404)

    return handler


def pages_router(searcher: Searcher, templates: Jinja2Templates) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    store = searcher.store
    templates.env.filters.update(web_addresses=web_addresses, actor_name=actor_name, without_colon=without_colon)
    templates.env.globals.update(
        can_edit_courses=can_edit_courses, document_status=document_status, status_labels=STATUS_LABELS
    )

    def doc_types() -> list[str]:
        return sorted({d.doc_type for d in store.documents() if d.doc_type})

    def render(request: Request, template: str, context: dict):
        user = current_user(request)
        mine = editable_courses(store, user)
        context = {"user": user, "my_courses": mine} | context
        return templates.TemplateResponse(request, template, context)

    # -- people ------------------------------------------------------------

    @router.get("/favicon.ico")
    def favicon():
        """For browsers and tools that ask before reading the page's <link rel="icon">."""
        return FileResponse(FAVICON, media_type="image/svg+xml")

    @router.get("/", response_class=HTMLResponse)
    def home(
        request: Request,
        q: str = "",
        region: str | None = None,
        only: str = "",
        doc_type: str = "",
        priority: str = "",
        principal: str = "",
        exact: str = "",
    ):
        q = q.strip()[:MAX_QUERY]
        chosen = request.cookies.get(REGION_COOKIE, "") if region is None else region
        known = store.regions()
        filters = Filters(
            region=chosen if chosen in known else "",
            only_region=bool(only) and chosen in known,
            doc_type=doc_type if doc_type in doc_types() else "",
            priority=priority if priority in PRIORITY_LABELS else "",
            principal=principal if principal in PRINCIPALS else "",
        )
        payload = search_page_payload(searcher, q, filters, exact=bool(exact)) if q else None
        # htmx asks for the whole page when Back finds no copy of it in its history cache.
        partial = bool(request.headers.get("HX-Request")) and not request.headers.get("HX-History-Restore-Request")
        response = render(
            request,
            "_results.html" if partial else "search.html",
            {
                "q": q,
                "exact": bool(exact),
                "filters": filters,
                "filters_open": request.cookies.get(FILTERS_COOKIE) == "open",
                "regions": known,
                "doc_types": doc_types(),
                "priority_labels": PRIORITY_LABELS,
                "principals": PRINCIPALS,
                "payload": payload,
                "partial": partial,
                "coverage": None if q else coverage(store),
                "examples": EXAMPLE_QUESTIONS,
            },
        )
        if region is not None and region != request.cookies.get(REGION_COOKIE, ""):
            if filters.region:
                response.set_cookie(REGION_COOKIE, filters.region, max_age=REGION_COOKIE_AGE, samesite="lax")
            else:
                response.delete_cookie(REGION_COOKIE)
        return response

    @router.get("/passage/{chunk_id}/text", response_class=HTMLResponse)
    def passage_text(request: Request, chunk_id: str, q: str = "", exact: str = ""):
        """A result's whole passage, highlighted as the search did, replacing its excerpt in place."""
        passage = store.passage(chunk_id)
        if passage is None:
            raise HTTPException(404, "Avsnittet finns inte.")
        q = q.strip()[:MAX_QUERY]
        spans = searcher.highlight(passage.text, q, bool(exact)) if q else []
        return templates.TemplateResponse(request, "_passage_text.html", {"text": passage.text, "spans": spans})

    @router.get("/passage/{chunk_id}", response_class=HTMLResponse)
    def passage_page(request: Request, chunk_id: str):
        passage = store.passage(chunk_id)
        if passage is None:
            raise HTTPException(404, "Avsnittet finns inte.")
        document = store.document(passage.doc_id)
        before, after = store.neighbours(passage) if passage.active else ([], [])
        current = None if passage.active else closest_current(store, passage)
        return render(
            request,
            "passage.html",
            {"passage": passage, "document": document, "before": before, "after": after, "current": current},
        )

    @router.get("/documents/{doc_id}", response_class=HTMLResponse)
    def document_page(request: Request, doc_id: str, passage: str = ""):
        document = document_or_404(store, doc_id)
        passages = store.document_passages(doc_id)
        toc, opens = table_of_contents(passages)
        return render(
            request,
            "document.html",
            {"document": document, "passages": passages, "toc": toc, "opens": opens, "cited": passage},
        )

    return router

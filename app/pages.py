"""Pages for people: search, passage permalinks, the document reader."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from app.auth import current_user
from app.courses import can_edit_courses, editable_courses
from app.payloads import MAX_QUERY, answer_of, result_of
from index.answer import compose_answer
from index.status import STATUS_LABELS, document_status
from index.history import closest_current
from index.search import Filters as SearchFilters
from index.search import Searcher
from index.storage import Store

REGION_COOKIE = "kb_region"
REGION_COOKIE_AGE = 365 * 24 * 3600
PAGE_SIZE = 10
# Filtering and "mitt län först" happen here, over more hits than are shown.

PRIORITY_LABELS = ("BÖR", "KAN", "KAN I UNDANTAGSFALL", "FoU", "icke-göra")
PRINCIPALS = {"region": "Region", "kommun": "Kommun", "gemensamt": "Gemensamt"}


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

    def narrowed(self) -> SearchFilters:
        """The filters as the searcher applies them, inside retrieval."""
        return SearchFilters(
            region=self.region if self.only_region else None, doc_type=self.doc_type or None,
            priority=self.priority or None, principal=self.principal or None,
        )


def document_or_404(store: Store, doc_id: str) -> dict:
    """The document for a page, or the page's 404."""
    document = store.document(doc_id)
    if document is None:
        raise HTTPException(404, "Dokumentet finns inte.")
    return document


def expired(document: dict) -> bool:
    """A validity period that has run out is worth saying, even if the status still says gällande."""
    return bool(document.get("valid_to")) and document["valid_to"] < date.today().isoformat()


def search_page_payload(searcher: Searcher, query: str, filters: Filters) -> dict:
    """Search with the page's filters, order for the searcher's county, then compose the answer.

    The answer is composed from what is shown, so it agrees with the filters and "mitt län".
    """
    hits = searcher.search(query, k=PAGE_SIZE, prefer_region=filters.region or None, filters=filters.narrowed())
    reading = searcher.read(query)
    answer = answer_of(compose_answer(searcher, query, hits, prefer_region=filters.region or None))
    results = []
    for hit in hits:
        result = result_of(hit, reading, filters.principal or None, filters.priority or None)
        doc_region = hit.document["region"]
        result.update(
            highlights=hit.highlights,
            proposal=hit.chunk["proposal"],
            valid_to=hit.document["valid_to"],
            doc_type=hit.document["doc_type"],
            other_region=bool(filters.region and doc_region and doc_region.lower() != filters.region.lower()),
            document_url=f"/documents/{hit.chunk['doc_id']}?passage={hit.chunk['chunk_id']}#c-{hit.chunk['chunk_id']}",
        )
        results.append(result)
    return {"query": query, "answer": answer, "results": results}


def table_of_contents(chunks: list[dict]) -> tuple[list[dict], dict[str, list[dict]]]:
    """Headings in reading order, and which headings open before each chunk.

    Only the section-path parts that change from one chunk to the next open a heading,
    so a subsection never repeats its parent.
    """
    toc: list[dict] = []
    opens: dict[str, list[dict]] = {}
    previous: list[str] = []
    for chunk in chunks:
        path = chunk["section_path"]
        common = 0
        while common < min(len(path), len(previous)) and path[common] == previous[common]:
            common += 1
        new = []
        for depth in range(common, len(path)):
            heading = {"title": path[depth], "depth": depth + 1, "anchor": f"s-{len(toc)}"}
            toc.append(heading)
            new.append(heading)
        opens[chunk["chunk_id"]] = new
        previous = path
    return toc, opens


def pages_router(searcher: Searcher, templates: Jinja2Templates) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    store = searcher.store
    templates.env.globals.update(
        expired=expired, can_edit_courses=can_edit_courses, document_status=document_status, status_labels=STATUS_LABELS
    )

    def doc_types() -> list[str]:
        return sorted({d["doc_type"] for d in store.documents() if d["doc_type"]})

    def render(request: Request, template: str, context: dict):
        user = current_user(request)
        mine = editable_courses(store, user)
        context = {"user": user, "my_courses": mine} | context
        return templates.TemplateResponse(request, template, context)

    # -- people ------------------------------------------------------------

    @router.get("/", response_class=HTMLResponse)
    def home(
        request: Request,
        q: str = "",
        region: str | None = None,
        only: str = "",
        doc_type: str = "",
        priority: str = "",
        principal: str = "",
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
        payload = search_page_payload(searcher, q, filters) if q else None
        template = "_results.html" if request.headers.get("HX-Request") else "search.html"
        response = render(
            request,
            template,
            {
                "q": q,
                "filters": filters,
                "regions": known,
                "doc_types": doc_types(),
                "priority_labels": PRIORITY_LABELS,
                "principals": PRINCIPALS,
                "payload": payload,
            },
        )
        if region is not None and region != request.cookies.get(REGION_COOKIE, ""):
            if filters.region:
                response.set_cookie(REGION_COOKIE, filters.region, max_age=REGION_COOKIE_AGE, samesite="lax")
            else:
                response.delete_cookie(REGION_COOKIE)
        return response

    @router.get("/passage/{chunk_id}", response_class=HTMLResponse)
    def passage_page(request: Request, chunk_id: str):
        chunk = store.chunk(chunk_id)
        if chunk is None:
            raise HTTPException(404, "Avsnittet finns inte.")
        document = store.document(chunk["doc_id"])
        before, after = store.neighbours(chunk) if chunk["active"] else ([], [])
        current = None if chunk["active"] else closest_current(store, chunk)
        return render(
            request,
            "passage.html",
            {"chunk": chunk, "document": document, "before": before, "after": after, "current": current},
        )

    @router.get("/documents/{doc_id}", response_class=HTMLResponse)
    def document_page(request: Request, doc_id: str, passage: str = ""):
        document = document_or_404(store, doc_id)
        chunks = store.document_chunks(doc_id)
        toc, opens = table_of_contents(chunks)
        return render(
            request,
            "document.html",
            {"document": document, "chunks": chunks, "toc": toc, "opens": opens, "cited": passage},
        )

    return router

"""The JSON shapes of the public API, built from store rows and search hits.

The web pages, the CLI and the HTTP API share them, so the three always agree.
"""

from __future__ import annotations

from index.answer import MIN_RECORD_COVERAGE, compose_answer, principal_of_records
from index.search import Hit, Searcher

MAX_QUERY = 300  # characters; longer input is a paste, not a question
RESPONSIBILITY_HITS = 20


def priority_of(chunk: dict) -> dict | None:
    """The strongest recommendation level stated in the passage."""
    tags = chunk["priority"]
    if not tags:
        return None
    numbered = [t for t in tags if t["level"] is not None]
    top = min(numbered, key=lambda t: t["level"]) if numbered else tags[0]
    return {"level": top["level"], "label": top["label"]}


def citation_of(chunk: dict, document: dict) -> dict:
    """Where a passage stands and what it says: shared by every shape that shows a passage."""
    return {
        "chunk_id": chunk["chunk_id"],
        "doc_id": chunk["doc_id"],
        "title": document["title"],
        "region": document["region"],
        "section": chunk["section"],
        "page": chunk["page"],
        "text": chunk["text"],
        "url": f"/passage/{chunk['chunk_id']}",
    }


def result_of(hit: Hit) -> dict:
    chunk, document = hit.chunk, hit.document
    records = chunk["responsibility"]
    return citation_of(chunk, document) | {
        "score": round(hit.score, 6),
        "principal": principal_of_records(records),
        "units": sorted({u for r in records for u in r["units"]}),
        "priority": priority_of(chunk),
    }


ANSWER_FIELDS = ("principal", "units", "chunk_id", "text")


def search_payload(searcher: Searcher, query: str, k: int = 10, region: str | None = None) -> dict:
    """The API's search response."""
    hits = searcher.search(query, k=k, region=region)
    answer = compose_answer(query, hits)
    if answer is not None:
        answer = {key: answer[key] for key in ANSWER_FIELDS}
    return {"query": query, "answer": answer, "results": [result_of(h) for h in hits]}


def responsibility_payload(searcher: Searcher, query: str, region: str | None = None) -> dict:
    """Responsibility records that answer the question, grouped by region in ranking order."""
    by_region: dict[str | None, list[dict]] = {}
    for hit in searcher.search(query, k=RESPONSIBILITY_HITS, region=region):
        if not hit.record or hit.record[1] < MIN_RECORD_COVERAGE:
            continue
        record, chunk = hit.record[0], hit.chunk
        by_region.setdefault(hit.document["region"], []).append(
            {key: record[key] for key in ("activity", "principal", "units", "kind", "strength")}
            | citation_of(chunk, hit.document)
        )
    return {"query": query, "regions": [{"region": r, "records": recs} for r, recs in by_region.items()]}


def passage_of(chunk: dict, document: dict) -> dict:
    return citation_of(chunk, document) | {
        "section_path": chunk["section_path"],
        "line_start": chunk["line_start"],
        "line_end": chunk["line_end"],
        "char_start": chunk["char_start"],
        "char_end": chunk["char_end"],
        "kind": chunk["kind"],
        "on_topic": chunk["on_topic"],
        "proposal": chunk["proposal"],
        "footnotes": chunk["footnotes"],
        "table": chunk["table"],
        "responsibility": chunk["responsibility"],
        "priority": chunk["priority"],
        "current": chunk["active"],
    }


DOCUMENT_FIELDS = (
    "doc_id", "title", "region", "doc_type", "parties", "decided", "valid_from", "valid_to",
    "status", "guessed", "format", "current_version", "retired",
)


def document_of(document: dict) -> dict:
    return {key: document[key] for key in DOCUMENT_FIELDS} | {"report": document["report"]}

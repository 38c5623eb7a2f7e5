"""The JSON shapes of the public API, built from stored records, search hits and the answer card.

The web pages, the CLI and the HTTP API share them, so the three always agree.
"""

from __future__ import annotations

from index.card.answer import Answer, Statement, badge_of, badge_statements, compose_answer, statements_of
from index.retrieve.question import Reading
from index.retrieve.ranking import Hit
from index.retrieve.search import Searcher
from index.card.status import document_status
from index.storage import Document, Passage

MAX_QUERY = 300  # characters; longer input is a paste, not a question
RESPONSIBILITY_HITS = 20


def citation_of(passage: Passage, document: Document) -> dict:
    """Where a passage stands and what it says: shared by every shape that shows a passage."""
    return {
        "chunk_id": passage.chunk_id,
        "doc_id": passage.doc_id,
        "title": document.title,
        "region": document.region,
        "section": passage.section,
        "page": passage.page,
        "text": passage.text,
        "url": f"/passage/{passage.chunk_id}",
    }


def principal_badge(reading: Reading, hit: Hit, principal: str | None = None) -> Statement | None:
    """The responsibility statement of a passage that answers the question, for its result badge:
    never the passage's records lumped together, and nothing when none of them matches. With
    `principal` (the searcher filters on it), the best statement naming that principal."""
    found = [
        s
        for s in badge_statements(reading, hit)
        if s.kind == "responsibility"
        and not s.negated
        and s.principal
        and (s.principal == principal if principal else s.match >= reading.question.params.min_match)
    ]
    return max(found, key=lambda s: s.match, default=None)


def result_of(hit: Hit, reading: Reading, principal: str | None = None, label: str | None = None) -> dict:
    """A result with the badges that answer the question; filters name the principal or label asked for."""
    stated = principal_badge(reading, hit, principal)
    return citation_of(hit.passage, hit.document) | {
        "score": round(hit.score, 6),
        "principal": stated.principal if stated else None,
        "units": stated.units if stated else [],
        "priority": badge_of(reading, hit, label),
        "status": document_status(hit.document),
    }


def statement_of(statement: Statement) -> dict:
    """A statement as the API gives it: the quote, its exact span, who and how bindingly, and its citation."""
    out = {
        "kind": statement.kind,
        "text": statement.text,
        "span": {"start": statement.start, "end": statement.end, "in": "heading" if statement.heading else "text"},
        "chunk_id": statement.chunk_id,
        "doc_id": statement.doc_id,
        "title": statement.title,
        "region": statement.region,
        "section": statement.section,
        "page": statement.page,
        "status": statement.status,
        "url": statement.url,
    }
    if statement.kind == "responsibility":
        out |= {
            "actor": statement.actor,
            "principal": statement.principal,
            "units": statement.units,
            "modality": statement.modality,
            "negated": statement.negated,
            "condition": statement.condition,
        }
    else:
        out |= {"priority": {"level": statement.level, "label": statement.label}, "condition": statement.condition}
    return out


def answer_of(answer: Answer | None) -> dict | None:
    """The card: principal (or priority) with the statement that says so, or an abstention with candidates."""
    if answer is None:
        return None
    statement = answer.statement
    return {
        "intent": answer.intent,
        "principal": answer.principal,
        "units": statement.units if statement and answer.principal else [],
        "priority": answer.priority,
        "chunk_id": statement.chunk_id if statement else None,
        "text": statement.text if statement else answer.reason,
        "status": statement.status if statement else None,
        "statement": statement_of(statement) if statement else None,
        "abstained": answer.abstained,
        "reason": answer.reason,
        "candidates": [statement_of(s) for s in answer.candidates],
        "regions": [statement_of(s) for s in answer.regions],
        "region_note": answer.region_note,
    }


def search_payload(searcher: Searcher, query: str, k: int = 10, region: str | None = None) -> dict:
    """The API's search response."""
    hits = searcher.search(query, k=k, region=region)
    reading = searcher.read(query)
    answer = compose_answer(searcher, query, hits)
    return {"query": query, "answer": answer_of(answer), "results": [result_of(h, reading) for h in hits]}


def responsibility_payload(searcher: Searcher, query: str, region: str | None = None) -> dict:
    """Responsibility statements that answer the question, grouped by region in ranking order."""
    reading = searcher.read(query)
    by_region: dict[str | None, list[dict]] = {}
    for rank, hit in enumerate(searcher.search(query, k=RESPONSIBILITY_HITS, region=region)):
        for statement in statements_of(reading, hit, rank):
            if (
                statement.kind == "responsibility"
                and statement.principal
                and statement.match >= reading.question.params.min_match
            ):
                by_region.setdefault(hit.document.region, []).append(statement_of(statement))
    return {"query": query, "regions": [{"region": r, "statements": found} for r, found in by_region.items()]}


def passage_of(passage: Passage, document: Document) -> dict:
    return citation_of(passage, document) | {
        "section_path": passage.section_path,
        "line_start": passage.line_start,
        "line_end": passage.line_end,
        "char_start": passage.char_start,
        "char_end": passage.char_end,
        "kind": passage.kind,
        "on_topic": passage.on_topic,
        "proposal": passage.proposal,
        "footnotes": passage.footnotes,
        "table": passage.table,
        "responsibility": passage.responsibility,
        "priority": passage.priority,
        "current": passage.active,
    }


def document_of(document: Document) -> dict:
    return {
        "doc_id": document.doc_id,
        "title": document.title,
        "region": document.region,
        "doc_type": document.doc_type,
        "parties": document.parties,
        "decided": document.decided,
        "valid_from": document.valid_from,
        "valid_to": document.valid_to,
        "status": document_status(document),
        "guessed": document.guessed,
        "format": document.format,
        "current_version": document.current_version,
        "retired": document.retired,
        "report": document.report,
    }

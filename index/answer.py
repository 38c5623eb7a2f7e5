"""The answer card: who is responsible, said first, quoted from the passage that says so."""

from __future__ import annotations

import re

from rapidfuzz import fuzz

from index.search import Hit

# Questions about who does what; other questions get no answer card unless a passage states a principal.
_RESPONSIBILITY_QUESTION = re.compile(r"\b(vem|vilken|vilka|vart|ansvar\w*|huvudman\w*|åtar|gör vad)\b", re.I)
_MATCH_THRESHOLD = 60
_CONSIDERED_HITS = 5


def principal_of_records(records: list[dict]) -> str | None:
    """One principal when the records agree, gemensamt when both sides are named."""
    principals = {r["principal"] for r in records if r.get("principal") and r.get("strength", "X") == "X"}
    if not principals:
        principals = {r["principal"] for r in records if r.get("principal")}
    if len(principals) == 1:
        return principals.pop()
    if principals:
        return "gemensamt"
    return None


def best_record(hit: Hit, query: str) -> tuple[dict, float] | None:
    """The responsibility record in a passage that is most about what was asked."""
    best = None
    for record in hit.chunk["responsibility"]:
        score = fuzz.partial_token_set_ratio(query.lower(), record["activity"].lower())
        if best is None or score > best[1]:
            best = (record, score)
    return best


def compose_answer(query: str, hits: list[Hit]) -> dict | None:
    for hit in hits[:_CONSIDERED_HITS]:
        found = best_record(hit, query)
        if found and found[1] >= _MATCH_THRESHOLD:
            record = found[0]
            return {
                "principal": record["principal"],
                "units": record["units"],
                "chunk_id": hit.chunk["chunk_id"],
                "text": hit.chunk["text"],
                "region": hit.document["region"],
                "section": hit.chunk["section"],
                "title": hit.document["title"],
            }
    if _RESPONSIBILITY_QUESTION.search(query):
        return {
            "principal": None,
            "units": [],
            "chunk_id": None,
            "text": "De indexerade dokumenten säger inte uttryckligen vem som ansvarar för detta.",
            "region": None,
            "section": None,
            "title": None,
        }
    return None

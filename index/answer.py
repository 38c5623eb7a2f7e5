"""The answer card: who is responsible, said first, quoted from the passage that says so.

The answer is read off the best-ranked passages in order: a responsibility
record the ingest found that covers the question, or else the sentence that
covers the question when it names its actor. When neither exists the answer
says the documents do not state it, rather than guessing.
"""

from __future__ import annotations

from index.search import RESPONSIBILITY_QUESTION, Hit
from ingest.responsibility import find_units, principal_named_in, principal_of

MIN_RECORD_COVERAGE = 0.3  # share of the question's content terms a record must cover
MIN_SENTENCE_COVERAGE = 0.3  # the same for a sentence that names its actor
ANSWER_HITS = 5  # the answer is read off this many of the best passages

NOT_STATED = "De indexerade dokumenten säger inte uttryckligen vem som ansvarar för detta."


def principal_of_records(records: list[dict]) -> str | None:
    """One principal when a passage's records agree, gemensamt when both sides are named."""
    firm = [r for r in records if r.get("principal") and r.get("strength", "X") == "X"]
    principals = {r["principal"] for r in firm or records if r.get("principal")}
    if len(principals) == 1:
        return principals.pop()
    return "gemensamt" if principals else None


def quote(text: str, activity: str) -> str:
    """The line of the passage that states the record, or the passage itself."""
    probe = activity.lower()[:40]
    for line in text.splitlines():
        if probe and probe in line.lower():
            return line.strip()
    return text


def statement_of(hit: Hit) -> dict | None:
    """Who the passage says is responsible for what was asked, if it says so."""
    if hit.record and hit.record[1] >= MIN_RECORD_COVERAGE:
        record = hit.record[0]
        text = quote(hit.chunk["text"], record["activity"])
        return _statement(hit, record["principal"], record["units"] or _units_of(text, record["principal"]), text)
    if hit.sentence and hit.sentence[1] >= MIN_SENTENCE_COVERAGE:
        sentence = hit.sentence[0]
        principal = principal_named_in(sentence)
        if principal is None:
            principal = next(filter(None, map(principal_named_in, reversed(hit.chunk["section_path"]))), None)
        if principal:
            return _statement(hit, principal, _units_of(sentence, principal), sentence.strip())
    return None


def _units_of(text: str, principal: str) -> list[str]:
    """The units a statement names that belong to its principal ("primärvård, BUP" for the region)."""
    return [u for u in find_units(text) if principal == "gemensamt" or principal_of([u]) == principal]


def _statement(hit: Hit, principal: str, units: list[str], text: str) -> dict:
    return {
        "principal": principal,
        "units": units,
        "chunk_id": hit.chunk["chunk_id"],
        "text": text,
        "region": hit.document["region"],
        "section": hit.chunk["section"],
        "title": hit.document["title"],
    }


def compose_answer(query: str, hits: list[Hit]) -> dict | None:
    """Per region, the first statement among the top hits; the first region (the searcher's own) leads.

    With several regions, `principal` is the lead region's; the others are in `regions`.
    """
    per_region: dict[str | None, dict] = {}
    for hit in hits[:ANSWER_HITS]:
        if hit.document["region"] not in per_region:
            stated = statement_of(hit)
            if stated:
                per_region[hit.document["region"]] = stated
    if not per_region:
        if RESPONSIBILITY_QUESTION.search(query):  # a who-question is told the documents are silent
            return {"principal": None, "units": [], "chunk_id": None, "text": NOT_STATED, "regions": []}
        return None
    answers = list(per_region.values())
    lead = answers[0]
    return {key: lead[key] for key in ("principal", "units", "chunk_id", "text")} | {"regions": answers}

"""The answer card: who is responsible, said first, quoted from the passage that says so.

The answer is built only from responsibility records the ingest found in the
passages retrieved for the question; when none of them covers the question,
the answer says that the documents do not state it, rather than guessing.
"""

from __future__ import annotations

import re

from ingest.chunking import split_sentences
from ingest.responsibility import find_units, principal_named_in
from index.search import Hit

MIN_COVERAGE = 0.3  # share of the question's content terms a record must cover to answer it
CONSIDERED_HITS = 5

# Questions about who does what get an answer card even when the documents are silent.
_RESPONSIBILITY_QUESTION = re.compile(r"\b(vem|vilka?|vart|ansvar\w*|huvudman\w*|gör vad)\b", re.I)

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


def stated_in_passage(hit: Hit) -> dict | None:
    """The principal named in the sentence of the top passage that matched the question best.

    For passages the ingest found no record in: the sentence itself names the
    actor ("regionens beroendeverksamhet har inte möjlighet att …"), or the
    heading it sits under does ("Landstinget åtar sig att").
    """
    text = hit.chunk["text"]
    sentences, start = [], 0
    for sentence in split_sentences(text):
        begin = text.find(sentence, start)
        sentences.append((begin, begin + len(sentence), sentence))
        start = max(start, begin + len(sentence))
    matched = lambda lo, hi: sum(1 for a, b in hit.highlights if lo <= a < hi)  # noqa: E731
    begin, end, sentence = max(sentences, key=lambda s: matched(s[0], s[1]), default=(0, 0, ""))
    if not sentence or not matched(begin, end):
        return None
    principal = principal_named_in(sentence)
    units = find_units(sentence)
    if principal is None:
        for heading in reversed(hit.chunk["section_path"]):
            principal = principal_named_in(heading)
            if principal:
                break
    if principal is None:
        return None
    return {
        "principal": principal,
        "units": units,
        "chunk_id": hit.chunk["chunk_id"],
        "text": sentence.strip(),
        "activity": "",
        "region": hit.document["region"],
        "section": hit.chunk["section"],
        "title": hit.document["title"],
    }


def compose_answer(query: str, hits: list[Hit]) -> dict | None:
    """Per region, the best record among the top hits; the first region (the searcher's own) leads."""
    per_region: dict[str | None, dict] = {}
    for hit in hits[:CONSIDERED_HITS]:
        if not hit.record or hit.record[1] < MIN_COVERAGE:
            continue
        record = hit.record[0]
        per_region.setdefault(
            hit.document["region"],
            {
                "principal": record["principal"],
                "units": record["units"],
                "chunk_id": hit.chunk["chunk_id"],
                "text": quote(hit.chunk["text"], record["activity"]),
                "activity": record["activity"],
                "region": hit.document["region"],
                "section": hit.chunk["section"],
                "title": hit.document["title"],
            },
        )
    if not per_region and hits:
        stated = stated_in_passage(hits[0])
        if stated:
            per_region[hits[0].document["region"]] = stated
    if not per_region:
        if _RESPONSIBILITY_QUESTION.search(query):
            return {"principal": None, "units": [], "chunk_id": None, "text": NOT_STATED, "regions": []}
        return None
    answers = list(per_region.values())
    lead = answers[0]
    principals = {a["principal"] for a in answers}
    return {
        "principal": lead["principal"] if len(principals) > 1 else principals.pop(),
        "units": lead["units"],
        "chunk_id": lead["chunk_id"],
        "text": lead["text"],
        "regions": answers,
    }

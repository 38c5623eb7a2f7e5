"""Ranking the candidates of a search: fusion, the factors of structure and intent, reranking, near-duplicates.

Computed from the candidates, the question and the `RankingParams` alone, with no index or database
read: `fuse` weighs the lexical and dense lists into one, `structure_factor` and `intent_factor`
scale a passage's score by what its document's structure and the question's intent say, `rerank`
reads the sentence evidence of only those candidates that could reach the top k, `order_hits` puts
the county asked about first and `collapse_near_duplicates` keeps the best of each group of
near-identical passages. A `Hit` is a passage as ranked; the Searcher (`search.py`) fetches the
candidates.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

from rapidfuzz import fuzz

from index.card.status import document_status
from index.params import RankingParams
from index.retrieve.question import Intent, Question
from index.storage import Document, Passage
from ingest.model import Responsibility


@dataclass
class Hit:
    passage: Passage
    document: Document  # without its text, footnotes, report and file metadata: Store.document has them
    score: float
    highlights: list[tuple[int, int]] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)  # chunk ids collapsed into this one
    record: tuple[Responsibility, float] | None = None  # the responsibility record that best matches, with its coverage
    sentence: tuple[str, float] | None = None  # the sentence that best matches, with its coverage
    # (reading, its statements) for the result's badges (index/card/answer.py, badge_statements)
    badge_statements: tuple | None = field(default=None, repr=False, compare=False)


def fuse(
    lexical: list[tuple[int, float]], dense: list[tuple[int, float]], dense_weight: float, params: RankingParams
) -> dict[int, float]:
    """Weighted sum of the two retrievers' scores, each scaled to its own list (lexical: to the best;
    dense: from the last candidate's cosine to the best's).

    A passage the lexical side did not find needs a clearly good dense score to
    enter, so a question that matches nothing does not return the least bad passages.
    """
    fused: dict[int, float] = {}
    if lexical:
        top = lexical[0][1]
        for rowid, score in lexical:
            fused[rowid] = params.lexical_weight * score / top
    if dense:
        # cosines of one encoder crowd together (e5: 0.8–0.9), so they are spread over the candidates
        top, bottom = dense[0][1], dense[-1][1]
        spread = max(top - bottom, 1e-6)
        for rowid, score in dense:
            if rowid in fused or score >= params.dense_alone:
                fused[rowid] = fused.get(rowid, 0.0) + dense_weight * (score - bottom) / spread
    return dict(sorted(fused.items(), key=lambda item: -item[1]))


def intent_factor(hit: "Hit", intent: Intent, params: RankingParams) -> float:
    """What the question's intent says about a hit: a matching responsibility record or a priority level."""
    factor = 1.0
    if intent.responsibility and hit.record:
        factor *= 1 + params.record_boost * hit.record[1]
    if intent.priority and hit.passage.priority:
        factor *= 1 + params.priority_boost
    return factor


def structure_factor(passage: Passage, document: Document, params: RankingParams) -> float:
    """What the document's structure says about a passage, whatever the query."""
    factor = 1.0
    if not passage.on_topic:
        factor *= params.off_topic_factor
    status = document_status(document)
    if passage.proposal or status in ("förslag", "remiss"):
        factor *= params.proposal_factor
    if status in ("upphävd", "utgången"):
        factor *= params.expired_factor
    return factor


class Candidate:
    """A fused passage before its evidence is read, with the most its final score can be.

    The final score is (fused + evidence) × structure × intent, where each coverage is at most 1:
    evidence at most passage_evidence + sentence_evidence + heading_evidence, the record boost at
    most record_boost. Structure and the priority boost are known without reading the passage."""

    __slots__ = ("order", "hit", "structure", "covered_words", "ceiling", "refined")

    def __init__(self, order: int, hit: Hit, structure: float):
        self.order = order  # place in the fused ranking: ties keep it, as the full sort does
        self.hit = hit
        self.structure = structure  # structure_factor of the passage
        self.covered_words: float | None = None
        self.refined = False
        self.ceiling = 0.0

    def bound(self, question: "Question", params: RankingParams, intent: "Intent", mode: str) -> None:
        """The ceiling; `refined` with what the question's words cover of the passage's words and
        records (one coverage each), else with every coverage taken as 1."""
        hit = self.hit
        most = hit.score
        if mode == "hybrid":
            # each part of the evidence covers at most what the passage's words cover
            if self.refined:
                self.covered_words = question.words_coverage(hit.passage)
            evidence = params.passage_evidence + params.sentence_evidence + params.heading_evidence
            most += evidence * (self.covered_words if self.refined else 1.0) * _EVIDENCE_CEILING
        most *= self.structure
        if intent.responsibility and hit.passage.responsibility:
            records = question.records_coverage(hit.passage) if self.refined else 1.0
            most *= 1 + params.record_boost * records * _EVIDENCE_CEILING
        if intent.priority and hit.passage.priority:
            most *= 1 + params.priority_boost
        self.ceiling = most * _EVIDENCE_CEILING

    def refine(self, question: "Question", params: RankingParams, intent: "Intent", mode: str) -> None:
        self.refined = True
        self.bound(question, params, intent, mode)


# Coverages are shares (≤ 1) computed from sums in different orders; a margin keeps a ceiling above
# any rounding.
_EVIDENCE_CEILING = 1 + 1e-9
RERANK_BATCH = 24  # candidates read at a time, best ceilings first


def _score(candidate: Candidate, question: "Question", intent: Intent, params: RankingParams, mode: str) -> None:
    """What every search did for every candidate: sentence evidence, structure, record and intent."""
    hit, passage = candidate.hit, candidate.hit.passage
    evidence = question.evidence(passage, candidate.covered_words)
    hit.sentence = evidence.sentence
    if mode == "hybrid":
        hit.score += evidence.score
    hit.score *= candidate.structure
    hit.record = question.best_record(passage)
    hit.score *= intent_factor(hit, intent, params)


def order_hits(hits: list[Hit], favoured: str | None, params: RankingParams) -> list[Hit]:
    """Best first; the county asked about, else the user's own, first where it answers about as well."""
    hits = sorted(hits, key=lambda h: -h.score)
    if favoured and hits:
        floor = params.favoured_floor * hits[0].score
        hits.sort(key=lambda h: not (h.document.region == favoured and h.score >= floor))
    return hits


def rerank(
    candidates: list[Candidate],
    question: "Question",
    intent: Intent,
    params: RankingParams,
    mode: str,
    favoured: str | None,
    k: int,
) -> list[Hit]:
    """The k best hits, near-duplicates collapsed: exactly what reading every candidate gives, reading
    only those that could be among them.

    Every candidate has a ceiling, first with every coverage taken as 1, refined where it matters
    with one coverage of the passage's words. Candidates are read in batches, highest refined
    ceiling first. The collapse consumes a prefix of the order (up to the k-th hit kept); once every
    unread candidate's ceiling is below the last consumed hit's score (and so below the best, whose
    share sets the favoured county's floor) and, for a candidate of the favoured county where the
    prefix reaches past the county's hits, below that floor, no unread candidate can enter the
    prefix, and the prefix and what collapses into it are those of reading everything."""
    for candidate in candidates:
        candidate.bound(question, params, intent, mode)
    unread = list(candidates)
    read: list[Candidate] = []
    while True:
        while True:  # the batch: the highest ceilings, each refined
            unread.sort(key=lambda c: -c.ceiling)
            rough = [c for c in unread[:RERANK_BATCH] if not c.refined]
            if not rough:
                break
            for candidate in rough:
                candidate.refine(question, params, intent, mode)
        for candidate in unread[:RERANK_BATCH]:
            _score(candidate, question, intent, params, mode)
        read += unread[:RERANK_BATCH]
        del unread[:RERANK_BATCH]
        ordered = order_hits([c.hit for c in sorted(read, key=lambda c: c.order)], favoured, params)
        for hit in ordered:
            hit.duplicates = []
        kept, consumed = collapse_near_duplicates(ordered, k, params.near_duplicate)
        if not unread:
            return kept
        if len(kept) < k:
            continue  # the prefix is everything read: an unread candidate could still be kept
        last = ordered[consumed - 1]
        floor = params.favoured_floor * ordered[0].score
        past_county = bool(favoured) and not (last.document.region == favoured and last.score >= floor)

        def outside(c: Candidate) -> bool:
            return c.ceiling < last.score and not (
                past_county and c.hit.document.region == favoured and c.ceiling >= floor
            )

        doubtful = [c for c in unread if not outside(c)]
        for candidate in doubtful:
            if not candidate.refined:
                candidate.refine(question, params, intent, mode)
        if all(outside(c) for c in doubtful):
            return kept


LIKENESS_CACHE = 65_536  # pairs of passages of one document compared: the same pairs meet search after search


@functools.lru_cache(maxsize=LIKENESS_CACHE)
def _alike(first: str, second: str, threshold: int) -> bool:
    """token_set_ratio ≥ threshold; rapidfuzz stops early once the ratio cannot reach it."""
    return fuzz.token_set_ratio(first, second, score_cutoff=threshold) >= threshold


def collapse_near_duplicates(hits: list[Hit], k: int, threshold: int) -> tuple[list[Hit], int]:
    """Keep the best of each group of near-identical passages (a document repeating its own sections).

    Returns the hits kept and how many of `hits` were consumed (kept or collapsed into one kept)."""
    kept: list[Hit] = []
    consumed = 0
    for hit in hits:
        if len(kept) == k:
            break
        consumed += 1
        twin = next(
            (
                k
                for k in kept
                if k.passage.doc_id == hit.passage.doc_id and _alike(k.passage.text, hit.passage.text, threshold)
            ),
            None,
        )
        if twin is None:
            kept.append(hit)
        else:
            twin.duplicates.append(hit.passage.chunk_id)
    return kept, consumed

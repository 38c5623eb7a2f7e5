"""Hybrid retrieval: Swedish BM25 and dense vectors fused, then reranked with what the structure knows.

The Searcher follows the store's generation: when an ingest commits a new one,
the next query loads it, while queries already running finish on the old one.
"""

from __future__ import annotations

import functools
import math
import re
import threading
from dataclasses import dataclass, field
from datetime import date

from rapidfuzz import fuzz

from index.build import generation_dir
from ingest.manifest import regions as county_list
from index.config import Settings
from index.embedder import Embedder
from index.lexical import LexicalIndex
from index.store import Store
from index.vectors import VectorIndex

MODES = ("hybrid", "bm25", "dense")
CANDIDATES = 100
LEXICAL_WEIGHT = 1.0
DENSE_WEIGHT = 0.3
DENSE_ALONE = 0.5  # cosine a passage needs to enter without any lexical match
FAVOURED_FLOOR = 0.2  # a favoured region's passage comes first if it scores this share of the best
# Passage evidence, added to the fused score in hybrid mode: the share of the question that the
# whole passage, its best sentence and its own heading cover. Chosen where both the shared and
# our own development questions gain (README, "Measured retrieval").
PASSAGE_EVIDENCE = 0.5
SENTENCE_EVIDENCE = 0.25
HEADING_EVIDENCE = 0.5
RECORD_BOOST = 0.5  # for "who" questions, by the share of the question a responsibility record covers
PRIORITY_BOOST = 1.0  # for questions about priority, passages that carry a priority level
RARE_SHARE = 0.01  # terms in at most this share of passages are fully informative
NEAR_DUPLICATE = 90  # rapidfuzz token_set_ratio above which two passages are one result


class IndexMissing(RuntimeError):
    """No generation has been built yet."""


@dataclass
class Hit:
    chunk: dict
    document: dict
    score: float
    highlights: list[tuple[int, int]] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)  # chunk ids collapsed into this one
    record: tuple[dict, float] | None = None  # the responsibility record that best matches, with its coverage
    sentence: tuple[str, float] | None = None  # the sentence that best matches, with its coverage


@dataclass
class _Generation:
    number: int
    vectors: VectorIndex
    lexical: LexicalIndex


class Searcher:
    def __init__(self, settings: Settings, embedder=None):
        self.settings = settings
        self.store = Store(settings.db_path)
        self._embedder = embedder
        self._generation: _Generation | None = None
        self._reload = threading.Lock()
        self._readings: dict[tuple[int, str], Reading] = {}

    @property
    def embedder(self) -> Embedder:
        """Loaded on first use, so a run with nothing to embed never loads the model."""
        if self._embedder is None:
            self._embedder = Embedder.from_settings(self.settings)
        return self._embedder

    def load(self) -> None:
        """Load the current generation and the model; raises IndexMissing when nothing was indexed."""
        self._current()
        self.embedder.embed_query("uppvärmning")

    def _current(self) -> _Generation:
        number = self.store.generation()
        loaded = self._generation
        if loaded is not None and loaded.number == number:
            return loaded
        with self._reload:
            if self._generation is None or self._generation.number != number:
                folder = generation_dir(self.settings.data_dir, number)
                if number == 0 or not folder.exists():
                    if self._generation is not None:
                        return self._generation
                    raise IndexMissing(
                        "Inget index finns ännu. Bygg det med `kb ingest corpus/` (eller `make run`)."
                    )
                self._generation = _Generation(
                    number, VectorIndex.load(folder / "vectors.faiss"), LexicalIndex.load(folder / "lexical")
                )
            return self._generation

    def regions(self) -> list[str]:
        return self.store.regions()

    def read(self, query: str) -> "Reading":
        """The question as the search and the answer understand it, corrected once per generation."""
        generation = self._current()
        key = (generation.number, query)
        with self._reload:
            cached = self._readings.get(key)
        if cached is not None:
            return cached
        corrected = generation.lexical.vocabulary.corrected(query)  # "rekomenderas" asks about priority too
        intent = understand(corrected, self.regions())
        text = intent.topic or corrected
        reading = Reading(corrected, intent, text, Question(generation.lexical, text))
        with self._reload:
            if len(self._readings) >= READING_CACHE:
                self._readings.pop(next(iter(self._readings)))
            self._readings[key] = reading
        return reading

    def search(
        self,
        query: str,
        k: int = 10,
        region: str | None = None,
        mode: str = "hybrid",
        prefer_region: str | None = None,
    ) -> list[Hit]:
        """`region` filters; a region named in the query, else `prefer_region` (the user's own), comes first.

        Returns no hits when the question's subject is not in the corpus at all.
        """
        generation = self._current()
        reading = self.read(query)
        intent, text = reading.intent, reading.text
        if mode != "dense" and generation.lexical.off_corpus(text):
            return []
        lexical = [(int(i), s) for i, s in generation.lexical.search(text, CANDIDATES)] if mode != "dense" else []
        dense = generation.vectors.search(self.embedder.embed_query(text), CANDIDATES) if mode != "bm25" else []
        chunks = self.store.chunks_by_rowid(list({i for i, _ in lexical} | {i for i, _ in dense}))
        question = reading.question
        # The English default model reads Swedish poorly: it gets a say where the words do not match.
        confidence = question.coverage(question.tokens(_full_text(chunks[lexical[0][0]]))) if lexical else 0.0
        fused = fuse(lexical, dense, DENSE_WEIGHT * (1 - confidence))
        documents: dict[str, dict] = {}
        hits = []
        for rowid, score in fused.items():
            chunk = chunks.get(rowid)
            if chunk is None:
                continue
            document = documents.get(chunk["doc_id"]) or documents.setdefault(
                chunk["doc_id"], self.store.document(chunk["doc_id"])
            )
            if region and (document["region"] or "").lower() != region.lower():
                continue
            hit = Hit(chunk, document, score)
            evidence = question.evidence(chunk)
            hit.sentence = evidence.sentence
            if mode == "hybrid":
                hit.score += evidence.score
            hit.score *= _structure_factor(chunk, document)
            hit.record = question.best_record(chunk)
            hit.score *= _intent_factor(hit, intent)
            hits.append(hit)
        hits.sort(key=lambda h: -h.score)
        if intent.region:  # asked about a region by name: all of its passages first
            hits.sort(key=lambda h: h.document["region"] != intent.region)
        elif prefer_region and hits:  # the user's own region first, where it answers about as well
            floor = FAVOURED_FLOOR * hits[0].score
            hits.sort(key=lambda h: not (h.document["region"] == prefer_region and h.score >= floor))
        hits = _collapse_near_duplicates(hits, k)
        for hit in hits:
            hit.highlights = generation.lexical.highlight_spans(hit.chunk["text"], text)
        return hits


@dataclass
class Intent:
    responsibility: bool
    priority: bool
    region: str | None  # a region the query names that the index holds
    topic: str | None  # the query without the region's name or "mitt län", when it names one
    own_region: bool = False  # "i mitt län", "hos oss": the searcher's own county
    unknown_region: str | None = None  # a county the query names that no indexed document is from
    permission: bool = False  # "får soc kräva urinprov", "måste läkaren anmäla": may (or must) someone do something


@dataclass
class Reading:
    """A query as understood: corrected, its intent and region, and its content words."""

    query: str  # with typos corrected
    intent: Intent
    text: str  # what is searched: the query without region words
    question: "Question"

    @functools.cached_property
    def statement_question(self) -> "Question":
        """What a statement must cover: the question without its asking words ("vem", "prio", "hur")."""
        return self.question.without(ANSWER_ASKING)


READING_CACHE = 512
# Words that ask who, how strongly or whether, rather than about what: a statement need not contain them.
ANSWER_ASKING = (
    "vem vems vilka vilken vilket vart var hur ansvar ansvarar ansvaret ansvarig huvudman huvudmannen "
    "prio prioritet prioriterad prioriterat prioriteringsgrad rekommenderas rekommendation rekommenderat "
    "riktlinje riktlinjer riktlinjerna högt enligt enl jmf istället finns nån någon man vi jag tar hand "
    "ska skall får kan bör gäller gör göra"
)
RESPONSIBILITY_QUESTION = re.compile(
    r"\b(vem|vems|vilka?|vart|ansvar\w*|huvudman\w*|åtar|utför\w*|erbjud\w*|gör vad|betalar|bekostar)\b", re.I
)
_PRIORITY_WORDS = re.compile(r"\b(prio\w*|rekommend\w*|riktlinje\w*|bör|evidens\w*)\b", re.I)
_PERMISSION = re.compile(r"\s*(?:får|kan|ska|skall|måste|bör|behöver)\s+\w+", re.I)
_OWN_REGION = re.compile(r"\b(?:i|inom|för|hos)\s+(?:mitt|vårt|min|vår)\s+(?:län|region|landsting|kommun)\b|\bhos\s+oss\b", re.I)


def understand(query: str, regions: list[str]) -> Intent:
    """What kind of question this is, from its words alone."""
    region, topic, unknown = None, None, None
    rest = query
    own = _OWN_REGION.search(query)
    if own:
        rest = (query[: own.start()] + query[own.end() :]).strip(" ,.?")
    for name, pattern in _county_patterns():
        match = pattern.search(rest)
        if match:
            if name in regions:
                region = name
            else:
                unknown = name
            rest = (rest[: match.start()] + rest[match.end() :]).strip(" ,.?")
            break
    if rest != query:
        topic = rest or None
    return Intent(
        bool(RESPONSIBILITY_QUESTION.search(query)), bool(_PRIORITY_WORDS.search(query)), region, topic, bool(own), unknown,
        bool(_PERMISSION.match(query)),
    )


@functools.cache
def _county_patterns() -> tuple[tuple[str, re.Pattern], ...]:
    """Every county's name, official name, variants and short forms ("sthlm"), longest first."""
    out = []
    for lan in county_list():
        forms = {lan.name, lan.official, *lan.variants, *lan.file_names}
        for form in sorted(forms, key=len, reverse=True):
            out.append((lan.name, re.compile(rf"\b(?:i |inom |för |från )?(?:region )?{re.escape(form.lower())}s?\b", re.I)))
    return tuple(sorted(out, key=lambda item: -len(item[1].pattern)))


def _full_text(chunk: dict) -> str:
    return " ".join(chunk["section_path"]) + "\n" + chunk["text"]


def fuse(lexical: list[tuple[int, float]], dense: list[tuple[int, float]], dense_weight: float) -> dict[int, float]:
    """Weighted sum of the two retrievers' scores, each scaled to the best of its own list.

    A passage the lexical side did not find needs a clearly good dense score to
    enter, so a question that matches nothing does not return the least bad passages.
    """
    fused: dict[int, float] = {}
    if lexical:
        top = lexical[0][1]
        for rowid, score in lexical:
            fused[rowid] = LEXICAL_WEIGHT * score / top
    for rowid, score in dense:
        if rowid in fused or score >= DENSE_ALONE:
            fused[rowid] = fused.get(rowid, 0.0) + dense_weight * max(score, 0.0)
    return dict(sorted(fused.items(), key=lambda item: -item[1]))


_ASKING = "vem vilka vart ansvar ansvarar ansvaret ansvarig huvudman huvudmannen erbjuder utför gör"


@dataclass
class Evidence:
    sentence: tuple[str, float] | None  # the sentence that covers most of the question, with its coverage
    score: float  # passage, sentence and heading coverage, weighted


class Question:
    """The question's content words, to measure how much of it a piece of text answers.

    Each word counts by how informative it is, so "behandling" alone does not cover
    "abstinensbehandling". A word is covered by the best of its forms in the text: a
    synonym or a compound part earns its weight's share, and many weak forms of one
    word do not add up to the word.
    """

    def __init__(self, lexical: LexicalIndex, query: str):
        self.lexical = lexical
        asking = set(lexical.analyzer.query_tokens(_ASKING))  # words that only ask "who"
        self.concepts = [
            concept for concept in lexical.concepts(query) if not any(t in asking for t, w in concept.items() if w >= 1.0)
        ]
        self.information = {t: _information(lexical, t) for concept in self.concepts for t in concept}
        self.importance = [
            max(self.information[t] for t, w in concept.items() if w >= 1.0) for concept in self.concepts
        ]
        self.asked = sum(self.importance)

    def without(self, words: str) -> "Question":
        """The question without the words that only ask how (or how strongly) rather than about what."""
        drop = set(self.lexical.analyzer.query_tokens(words))
        kept = [
            (concept, importance)
            for concept, importance in zip(self.concepts, self.importance)
            if not any(t in drop for t, w in concept.items() if w >= 1.0)
        ]
        other = object.__new__(Question)
        other.lexical, other.information = self.lexical, self.information
        other.concepts = [c for c, _ in kept]
        other.importance = [i for _, i in kept]
        other.asked = sum(other.importance)
        return other

    def within(self, tokens: set[str]) -> "Question":
        """The question restricted to the words some of these tokens cover: what the found text can answer."""
        other = object.__new__(Question)
        other.lexical, other.information = self.lexical, self.information
        kept = [(c, i) for c, i in zip(self.concepts, self.importance) if any(t in tokens for t in c)]
        other.concepts = [c for c, _ in kept]
        other.importance = [i for _, i in kept]
        other.asked = sum(other.importance)
        return other

    def tokens(self, text: str) -> frozenset[str]:
        return self.lexical.token_set(text)

    def coverage(self, tokens: set[str]) -> float:
        if not self.asked:
            return 0.0
        matched = sum(
            min(importance, max((w * self.information[t] for t, w in concept.items() if t in tokens), default=0.0))
            for concept, importance in zip(self.concepts, self.importance)
        )
        return matched / self.asked

    def evidence(self, chunk: dict) -> Evidence:
        """How much of the question the passage answers in one place.

        BM25 favours short passages that repeat one query word; a long list or matrix that
        states the whole answer in one row, or under a heading that names it, is better.
        """
        if not self.concepts:
            return Evidence(None, 0.0)
        path = chunk["section_path"]
        heading = self.tokens(path[-1]) if path else set()
        passage = self.tokens(" ".join(path[:-1])) | heading
        best: tuple[str, float] | None = None
        for sentence, tokens in self.lexical.sentences(chunk["text"]):
            passage |= tokens
            covered = self.coverage(tokens)
            if covered > 0 and (best is None or covered > best[1]):
                best = (sentence, covered)
        score = (
            PASSAGE_EVIDENCE * self.coverage(passage)
            + SENTENCE_EVIDENCE * (best[1] if best else 0.0)
            + HEADING_EVIDENCE * self.coverage(heading)
        )
        return Evidence(best, score)

    def best_record(self, chunk: dict) -> tuple[dict, float] | None:
        """The responsibility record in the passage whose activity covers most of what was asked."""
        if not self.concepts or not chunk["responsibility"]:
            return None
        scored = [
            (record, self.coverage(self.tokens(record["activity"] + " " + " ".join(record["units"]))))
            for record in chunk["responsibility"]
        ]
        best = max(scored, key=lambda item: item[1])
        return best if best[1] > 0 else None


def _information(lexical: LexicalIndex, term: str) -> float:
    """1 for a term in at most 1 % of passages (or none), falling towards 0 for a term in all of them."""
    share = lexical.document_share(term)
    return 1.0 if share <= RARE_SHARE else math.log(share) / math.log(RARE_SHARE)


def _intent_factor(hit: "Hit", intent: Intent) -> float:
    factor = 1.0
    if intent.responsibility and hit.record:
        factor *= 1 + RECORD_BOOST * hit.record[1]
    if intent.priority and hit.chunk["priority"]:
        factor *= 1 + PRIORITY_BOOST
    return factor


def _structure_factor(chunk: dict, document: dict) -> float:
    """What the document's structure says about a passage, whatever the query."""
    factor = 1.0
    if not chunk["on_topic"]:
        factor *= 0.5
    if chunk["proposal"] or document["status"] in ("förslag", "remiss"):
        factor *= 0.9
    if document["status"] == "upphävd" or _expired(document):
        factor *= 0.85
    return factor


def _expired(document: dict) -> bool:
    return bool(document.get("valid_to")) and document["valid_to"] < date.today().isoformat()


def _collapse_near_duplicates(hits: list[Hit], k: int) -> list[Hit]:
    """Keep the best of each group of near-identical passages (a document repeating its own sections)."""
    kept: list[Hit] = []
    for hit in hits:
        if len(kept) == k:
            break
        twin = next(
            (
                k
                for k in kept
                if k.chunk["doc_id"] == hit.chunk["doc_id"]
                and fuzz.token_set_ratio(k.chunk["text"], hit.chunk["text"]) >= NEAR_DUPLICATE
            ),
            None,
        )
        if twin is None:
            kept.append(hit)
        else:
            twin.duplicates.append(hit.chunk["chunk_id"])
    return kept

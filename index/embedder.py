"""Sentence embeddings from the configured model, loaded from a local path.

Vectors are normalised so that inner product in FAISS is cosine similarity.
"""

from __future__ import annotations

import functools
import hashlib
import os

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

QUERY_CACHE = 2048  # recent query vectors kept


class Embedder:
    def __init__(self, model_name: str, query_prefix: str = "", passage_prefix: str = "", batch_size: int = 32):
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()  # keeps `kb search --json` output clean

        self.model_name = model_name
        self.query_prefix = query_prefix
        self.passage_prefix = passage_prefix
        self.batch_size = batch_size
        self._model = SentenceTransformer(model_name, device="cpu")
        self.dimension = self._model.get_embedding_dimension()
        self._query_vector = functools.lru_cache(maxsize=QUERY_CACHE)(self._embed_query)

    @classmethod
    def from_settings(cls, settings) -> "Embedder":
        return cls(settings.embedding_model, settings.query_prefix, settings.passage_prefix)

    def content_key(self, passage: str) -> str:
        """Cache key: the same passage under the same model and prefix is never embedded twice."""
        raw = f"{self.model_name}\x00{self.passage_prefix}\x00{passage}".encode()
        return hashlib.sha256(raw).hexdigest()

    def embed_passages(self, passages: list[str], progress: bool = False) -> np.ndarray:
        return self._encode([self.passage_prefix + p for p in passages], progress)

    def embed_query(self, query: str) -> np.ndarray:
        """Cached: staff ask the same questions again, and a query vector costs most of a search."""
        return self._query_vector(query)

    def _embed_query(self, query: str) -> np.ndarray:
        vector = self._encode([self.query_prefix + query], False)[0]
        vector.setflags(write=False)  # shared by every caller of the cache
        return vector

    def _encode(self, texts: list[str], progress: bool) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype="float32")
        vectors = self._model.encode(
            texts,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=progress,
        )
        return np.asarray(vectors, dtype="float32")

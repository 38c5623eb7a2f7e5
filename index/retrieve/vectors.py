"""The dense index: FAISS, inner product over normalised vectors, keyed by chunk row id.

A chunk has one vector per window; a search returns each chunk once, with its
best window's score.

A county's corpus (thousands of chunks) is searched exactly. Past
`IndexParams.exact_limit` vectors the index switches to IVF with an inverted list per
cluster, so a national corpus of about a million chunks stays fast and in
memory (≈1.5 GB at 384 dimensions) without changing any caller.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import faiss
import numpy as np

from index.params import IndexParams


class VectorIndex:
    def __init__(self, index: faiss.Index, params: IndexParams):
        self._index = index
        self.params = params

    @classmethod
    def build(
        cls, ids: np.ndarray, vectors: np.ndarray, dimension: int, params: IndexParams | None = None
    ) -> "VectorIndex":
        params = params or IndexParams.defaults()
        ids = np.asarray(ids, dtype="int64")
        vectors = np.ascontiguousarray(vectors, dtype="float32")
        if len(ids) <= params.exact_limit:
            index = faiss.IndexIDMap(faiss.IndexFlatIP(dimension))
        else:
            nlist = int(params.ivf_lists * math.sqrt(len(ids)))
            quantizer = faiss.IndexFlatIP(dimension)
            ivf = faiss.IndexIVFFlat(quantizer, dimension, nlist, faiss.METRIC_INNER_PRODUCT)
            sample = vectors[
                np.random.default_rng(0).choice(
                    len(vectors), min(len(vectors), nlist * params.ivf_training), replace=False
                )
            ]
            ivf.train(sample)
            ivf.nprobe = params.probes
            index = ivf
        if len(ids):
            index.add_with_ids(vectors, ids)
        return cls(index, params)

    @classmethod
    def load(cls, path: Path, params: IndexParams | None = None) -> "VectorIndex":
        """For serving: one thread per query, since concurrent queries already share the cores.
        `params` are those the generation was built with."""
        params = params or IndexParams.defaults()
        faiss.omp_set_num_threads(1)
        index = faiss.read_index(str(path))
        ivf = faiss.try_extract_index_ivf(index)
        if ivf is not None:
            ivf.nprobe = params.probes
        return cls(index, params)

    def save(self, path: Path) -> None:
        """Write to a temporary name and rename, so a reader never sees half a file."""
        tmp = path.with_suffix(path.suffix + ".tmp")
        faiss.write_index(self._index, str(tmp))
        with open(tmp, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, path)

    def __len__(self) -> int:
        return self._index.ntotal

    def search(self, query: np.ndarray, k: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        """The k best chunks; `allowed` (row ids) restricts the search itself (a FAISS id selector)."""
        if self._index.ntotal == 0:
            return []
        wanted = min(k * self.params.windows_per_hit, self._index.ntotal)
        params = None
        if allowed is not None:
            selector = faiss.IDSelectorBatch(np.asarray(allowed, dtype="int64"))
            ivf = faiss.try_extract_index_ivf(self._index)
            # a filter's passages may sit in lists far from the query's nearest: probe them all, the
            # selector keeps the work to the filter's own vectors
            params = (
                faiss.SearchParametersIVF(sel=selector, nprobe=ivf.nlist)
                if ivf is not None
                else faiss.SearchParameters(sel=selector)
            )
        scores, ids = self._index.search(np.asarray(query, dtype="float32").reshape(1, -1), wanted, params=params)
        best: dict[int, float] = {}
        for i, s in zip(ids[0], scores[0]):
            if i >= 0 and int(i) not in best:
                best[int(i)] = float(s)
        return list(best.items())[:k]

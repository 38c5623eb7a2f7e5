"""A server that does only a search's floor, for the load test to measure beside `kb serve`.

GET /floor?q=… embeds the question (uncached), searches FAISS and the product's own lexical index
for the candidates, and answers with the number of candidates: what no search can skip, behind the
same uvicorn, the same workers and the same thread settings as `kb serve`. Not part of the product.

    KB_DATA_DIR=var .venv/bin/python -m uvicorn --factory tests.benchmarks.floor_app:create --workers 2
"""

from __future__ import annotations

from fastapi import FastAPI

from index.config import Settings
from index.retrieve.search import Searcher


def create() -> FastAPI:
    searcher = Searcher(Settings.from_env())
    searcher.load()
    app = FastAPI()

    @app.get("/healthz")
    def healthz():
        return {"ok": True}

    @app.get("/floor")
    def floor(q: str):
        generation = searcher._current()
        candidates = searcher.params.candidates
        vector = searcher.embedder._embed_query(q)
        dense = generation.vectors.search(vector, candidates)
        lexical = generation.lexical.search(q, candidates)
        return {"dense": len(dense), "lexical": len(lexical)}

    return app


def main() -> None:
    """`python -m tests.benchmarks.floor_app PORT WORKERS`: served as `kb serve --workers WORKERS` serves."""
    import os
    import sys

    import uvicorn

    from app.cli import worker_environment
    from index.config import Settings

    port, workers = int(sys.argv[1]), int(sys.argv[2])
    os.environ.update(worker_environment(workers, Settings.from_env().encoder_threads))
    uvicorn.run(
        "tests.benchmarks.floor_app:create",
        factory=True,
        workers=workers,
        host="127.0.0.1",
        port=port,
        log_level="warning",
    )


if __name__ == "__main__":
    main()

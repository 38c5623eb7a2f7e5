"""A search beside its floor, on the real corpus: how much the work after retrieval costs.

Not a test: nothing is asserted, figures are printed. Run from the project root:

    .venv/bin/python -m tests.benchmarks.bench_search                   # indexes corpus/ in a temp dir
    .venv/bin/python -m tests.benchmarks.bench_search --data-dir var    # an existing index

The floor of a question is what no search can skip: embedding it (the model, uncached), the
raw FAISS search and the raw lexical (BM25) search for the candidates. The full search is what
/api/search does: retrieval, coverage and sentence evidence, statements, near-duplicates,
highlighting, the answer card and the payload. The questions are the development questions in
tests/data/questions-*.jsonl, each asked once per pass with the per-question caches (query
vector, reading) emptied, after a warm-up pass: passages stay analysed between questions, as
they do in a running server. Each figure is the median of `--passes` passes.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from app.payloads import search_payload  # noqa: E402
from index.build import Indexer  # noqa: E402
from index.config import PROJECT_DIR, Settings  # noqa: E402
from index.embedder import load_encoder  # noqa: E402
from index.search import Searcher  # noqa: E402

QUESTIONS = sorted((PROJECT_DIR / "tests" / "data").glob("questions-*.jsonl"))


def questions() -> list[str]:
    return [json.loads(line)["question"] for path in QUESTIONS for line in path.read_text().splitlines() if line.strip()]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def forget_questions(searcher: Searcher) -> None:
    """Empty what is cached per question, so each is answered as if asked for the first time."""
    searcher.embedder._query_vector.cache_clear()
    searcher._readings.clear()


def floor(searcher: Searcher, question: str) -> float:
    generation = searcher._current()
    reading = searcher.read(question)  # parsing the question is not part of the floor
    started = time.perf_counter()
    vector = searcher.embedder._embed_query(reading.text)
    generation.vectors.search(vector, searcher.params.candidates)
    generation.lexical.search(reading.text, searcher.params.candidates)
    return time.perf_counter() - started


def full(searcher: Searcher, question: str) -> float:
    started = time.perf_counter()
    search_payload(searcher, question)
    return time.perf_counter() - started


def timed_pass(searcher: Searcher, asked: list[str], measure) -> list[float]:
    times = []
    for question in asked:
        forget_questions(searcher)
        times.append(measure(searcher, question))
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, help="an indexed KB_DATA_DIR (default: index corpus/ in a temp dir)")
    parser.add_argument("--passes", type=int, default=3)
    args = parser.parse_args()
    asked = questions()
    with tempfile.TemporaryDirectory(prefix="bench-search-") as scratch:
        settings = Settings.from_env(data_dir=args.data_dir or Path(scratch))
        embedder = load_encoder(settings)
        if args.data_dir is None:
            print(f"indexing {settings.corpus_dir} …", flush=True)
            Indexer(settings, embedder).ingest([settings.corpus_dir])
        searcher = Searcher(settings, embedder)
        searcher.load()
        for question in asked:  # warm-up: model, mapped files, passages' analysis
            full(searcher, question)
        floors, fulls = [], []
        for _ in range(args.passes):
            floors.append(timed_pass(searcher, asked, floor))
            fulls.append(timed_pass(searcher, asked, full))
    print(f"{len(asked)} questions × {args.passes} passes, {os.cpu_count()} cores, load {os.getloadavg()[0]:.2f}")
    for name, runs in (("floor", floors), ("full search", fulls)):
        p50 = statistics.median(percentile(run, 0.5) for run in runs) * 1000
        p95 = statistics.median(percentile(run, 0.95) for run in runs) * 1000
        print(f"  {name:<12} p50 {p50:6.1f} ms   p95 {p95:6.1f} ms")
    for share, label in ((0.5, "p50"), (0.95, "p95")):
        ratio = statistics.median(percentile(f, share) / percentile(b, share) for f, b in zip(fulls, floors))
        print(f"  full / floor at {label}: {ratio:.2f}")


if __name__ == "__main__":
    main()

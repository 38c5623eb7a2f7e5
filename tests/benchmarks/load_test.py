"""Many staff at once: searches per second and latency of `kb serve` on loopback.

Not a test: nothing is asserted, figures are printed. Run from the project root, on an indexed
data folder (the server is started and stopped here):

    .venv/bin/python -m tests.benchmarks.load_test --data-dir var
    .venv/bin/python -m tests.benchmarks.load_test --data-dir var --workers 2 --concurrency 1,4,16

Each level keeps `concurrency` clients asking the development questions (tests/data/questions-*.jsonl)
back to back for `--seconds`; every question is made distinct per request (a number appended) so
the query caches do not answer for the server. Bounded: only loopback, a fixed duration per level.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import threading
import time
from pathlib import Path

import httpx

from tests.servers import kb_serve

PROJECT = Path(__file__).resolve().parents[2]


def run_level(base: str, questions: list[str], concurrency: int, seconds: float) -> dict:
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    stop = time.monotonic() + seconds
    asked = iter(range(10**9))

    def client() -> None:
        nonlocal errors
        with httpx.Client(base_url=base, timeout=60) as http:
            while time.monotonic() < stop:
                number = next(asked)
                question = f"{questions[number % len(questions)]} {number}"
                started = time.perf_counter()
                try:
                    ok = http.get("/api/search", params={"q": question}).status_code == 200
                except httpx.HTTPError:
                    ok = False
                elapsed = time.perf_counter() - started
                with lock:
                    if ok:
                        latencies.append(elapsed)
                    else:
                        errors += 1

    threads = [threading.Thread(target=client) for _ in range(concurrency)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - began
    latencies.sort()

    def at(share: float) -> float:
        return latencies[min(len(latencies) - 1, int(share * len(latencies)))] * 1000 if latencies else float("nan")

    return {"searches_s": len(latencies) / wall, "p50_ms": at(0.5), "p95_ms": at(0.95), "errors": errors}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, required=True, help="an indexed KB_DATA_DIR")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--concurrency", default="1,4,16")
    parser.add_argument("--seconds", type=float, default=30)
    args = parser.parse_args()
    questions = [
        json.loads(line)["question"]
        for path in sorted((PROJECT / "tests" / "data").glob("questions-*.jsonl"))
        for line in path.read_text().splitlines()
        if line.strip()
    ]
    with tempfile.TemporaryDirectory() as scratch, kb_serve(args.data_dir, Path(scratch), "--workers", str(args.workers)) as base:
        run_level(base, questions, args.workers, 5)  # warm-up: every worker loads and answers once
        print(f"kb serve --workers {args.workers}; {os.cpu_count()} cores, load {os.getloadavg()[0]:.2f}")
        for concurrency in (int(c) for c in args.concurrency.split(",")):
            r = run_level(base, questions, concurrency, args.seconds)
            print(
                f"  concurrency {concurrency:>3}: {r['searches_s']:5.1f} searches/s"
                f"   p50 {r['p50_ms']:6.0f} ms   p95 {r['p95_ms']:6.0f} ms   errors {r['errors']}"
            )


if __name__ == "__main__":
    main()

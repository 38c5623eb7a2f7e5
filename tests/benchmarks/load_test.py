"""Many staff at once, asking what nobody asked before: searches per second and latency of `kb serve`.

Not a test: nothing is asserted, figures are printed. Run from the project root, on an indexed
data folder (the servers are started and stopped here):

    .venv/bin/python -m tests.benchmarks.load_test --data-dir var
    .venv/bin/python -m tests.benchmarks.load_test --data-dir var --workers 2 --concurrency 1,4,16
    .venv/bin/python -m tests.benchmarks.load_test --data-dir var --env KB_ENCODER_THREADS=1

The questions are fresh (tests/benchmarks/fresh.py): the held-out sets and SweFAQ's questions,
asked after a warm-up on the other question sets. Each level keeps `concurrency` clients asking
for `--seconds`; the fresh questions are asked in turn, each first as it is, and once all have
been asked, again with a number appended, so that no text is asked twice and no query cache
answers (the output says how many requests were questions asked for the first time).

Beside each level the floor is measured at the same concurrency on the same questions: a server of
the same workers and thread settings (tests/benchmarks/floor_app.py) that only embeds the question
and searches FAISS and the lexical index. Last, the fresh questions are asked again as they were
(cached repeats; with several workers a repeat may reach a worker that has not seen it).

Bounded: only loopback, a fixed duration per level, servers stopped at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import httpx

from app.payloads import MAX_QUERY
from tests.benchmarks.fresh import describe, fresh_questions, warmup_questions
from tests.servers import free_port, kb_serve


class Questions:
    """Fresh questions in turn, then each with a number appended: never the same text twice."""

    def __init__(self, questions: list[str]):
        self.questions = questions
        self.asked = 0
        self._lock = threading.Lock()

    def next(self) -> str:
        with self._lock:
            number, self.asked = self.asked, self.asked + 1
        question = self.questions[number % len(self.questions)]
        if number < len(self.questions):
            return question
        suffix = f" {number // len(self.questions)}"
        return question[: MAX_QUERY - len(suffix)] + suffix  # a longer one is refused (400), not searched


def run_level(base: str, path: str, ask, concurrency: int, seconds: float, limit: int | None = None) -> dict:
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    stop = time.monotonic() + seconds
    sent = iter(range(10**9))

    def client() -> None:
        nonlocal errors
        with httpx.Client(base_url=base, timeout=60) as http:
            while time.monotonic() < stop:
                number = next(sent)
                if limit is not None and number >= limit:
                    return
                started = time.perf_counter()
                try:
                    ok = http.get(path, params={"q": ask(number)}).status_code == 200
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

    return {
        "searches_s": len(latencies) / wall,
        "p50_ms": at(0.5),
        "p95_ms": at(0.95),
        "errors": errors,
        "n": len(latencies),
    }


@contextmanager
def floor_server(data_dir: Path, workers: int, env: dict[str, str]):
    """tests/benchmarks/floor_app.py behind uvicorn, set up as `kb serve --workers N` sets up its workers."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.benchmarks.floor_app", str(port), str(workers)],
        env=os.environ | {"KB_DATA_DIR": str(data_dir)} | env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            assert process.poll() is None, process.stderr.read().decode()
            assert time.monotonic() < deadline, "golvservern startade inte"
            try:
                if httpx.get(base + "/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def warm(base: str, path: str, workers: int) -> None:
    """Every worker answers warm-up questions (other than the timed ones) until each has seen some."""
    warmup = warmup_questions()
    run_level(base, path, lambda n: warmup[n % len(warmup)], max(2, 2 * workers), 8 + 4 * workers)


def line(name: str, r: dict) -> str:
    return (
        f"{name:<7}{r['searches_s']:6.1f}/s  p50 {r['p50_ms']:5.0f} ms  p95 {r['p95_ms']:5.0f} ms  errors {r['errors']}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, required=True, help="an indexed KB_DATA_DIR")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--concurrency", default="1,4,16")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--env", action="append", default=[], help="KEY=VALUE for both servers (thread settings)")
    parser.add_argument("--no-floor", action="store_true", help="measure kb serve alone")
    parser.add_argument("--json", type=Path, help="also append the figures as one JSON line to this file")
    args = parser.parse_args()
    env = dict(item.split("=", 1) for item in args.env)
    levels = [int(c) for c in args.concurrency.split(",")]
    fresh = fresh_questions()
    results: dict = {"workers": args.workers, "env": env, "levels": {}, "when": time.strftime("%Y-%m-%d %H:%M")}
    floors: dict[int, dict] = {}
    if not args.no_floor:
        with floor_server(args.data_dir, args.workers, env) as base:
            warm(base, "/floor", args.workers)
            ask = Questions(fresh)
            for concurrency in levels:
                floors[concurrency] = run_level(base, "/floor", lambda n: ask.next(), concurrency, args.seconds)
    load_before = os.getloadavg()[0]
    with (
        tempfile.TemporaryDirectory() as scratch,
        kb_serve(args.data_dir, Path(scratch), "--workers", str(args.workers), **env) as base,
    ):
        warm(base, "/api/search", args.workers)
        ask = Questions(fresh)
        fulls = {c: run_level(base, "/api/search", lambda n: ask.next(), c, args.seconds) for c in levels}
        repeats = run_level(base, "/api/search", lambda n: fresh[n % len(fresh)], 4, args.seconds, limit=len(fresh))
    load_after = os.getloadavg()[0]
    settings = " ".join(f"{k}={v}" for k, v in env.items()) or "default thread settings"
    print(
        f"kb serve --workers {args.workers}, {settings}; {os.cpu_count()} cores, load average {load_before:.2f} → "
        f"{load_after:.2f}"
    )
    print(
        f"{describe()}; {min(ask.asked, len(fresh))} of the {ask.asked} requests to kb serve were questions asked "
        "for the first time, the rest a fresh question with a number appended (distinct text, no cache answers it)"
    )
    for concurrency in levels:
        r = fulls[concurrency]
        text = f"  concurrency {concurrency:>3}: " + line("search", r)
        if concurrency in floors:
            f = floors[concurrency]
            text += "   | " + line("floor", f) + f"   | p95 full/floor {r['p95_ms'] / f['p95_ms']:.2f}"
        print(text)
        results["levels"][concurrency] = {"full": r, "floor": floors.get(concurrency)}
    print("  cached repeats, concurrency 4: " + line("search", repeats))
    results |= {"repeats": repeats, "load": [load_before, load_after]}
    if args.json:
        with args.json.open("a") as out:
            out.write(json.dumps(results) + "\n")


if __name__ == "__main__":
    main()

"""How the bundled encoder's waiting threads decide a query's time when a core is busy elsewhere.

Not a test: figures are printed. Run from the project root:

    .venv/bin/python -m tests.benchmarks.bench_query_threads

Each wait setting runs in a process of its own (the OpenMP runtime reads it once at load), embedding
80 fresh questions (tests/benchmarks/fresh.py) one at a time with two threads, first on an idle
machine, then beside a busy loop on one core, as a second search or a build would be
(docs/speed.md, Thread settings per worker).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

SETTINGS = {  # label: environment
    "spinning (OMP_WAIT_POLICY=ACTIVE)": {"OMP_WAIT_POLICY": "ACTIVE"},
    "libgomp's default": {"OMP_WAIT_POLICY": ""},
    "GOMP_SPINCOUNT=10000": {"OMP_WAIT_POLICY": "", "GOMP_SPINCOUNT": "10000"},
    "sleeping (OMP_WAIT_POLICY=PASSIVE)": {"OMP_WAIT_POLICY": "PASSIVE"},
}


def child() -> None:
    from index.retrieve.embedder import BundledE5
    from tests.benchmarks.fresh import fresh_questions

    encoder = BundledE5(2)
    encoder.embed_query("uppvärmning")
    times = []
    for question in fresh_questions()[:80]:
        started = time.perf_counter()
        encoder.embed_query(question)
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    print(f"p50 {times[len(times) // 2]:.0f} / p95 {times[int(len(times) * 0.95)]:.0f} ms")


def measure(env: dict[str, str]) -> str:
    run = subprocess.run(
        [sys.executable, "-m", "tests.benchmarks.bench_query_threads", "--child"],
        env=os.environ | env,
        capture_output=True,
        text=True,
        check=True,
    )
    return run.stdout.strip().splitlines()[-1]


def main() -> None:
    if "--child" in sys.argv:
        child()
        return
    print("| threads waiting by | idle machine | one core busy |")
    print("| --- | --- | --- |")
    for label, env in SETTINGS.items():
        idle = measure(env)
        burner = subprocess.Popen([sys.executable, "-c", "while True: pass"])
        try:
            busy = measure(env)
        finally:
            burner.kill()
        print(f"| {label} | {idle} | {busy} |", flush=True)


if __name__ == "__main__":
    main()

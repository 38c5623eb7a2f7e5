"""Questions for the speed benchmarks: fresh ones to time, other ones to warm up on.

A server answers a repeated question from its caches (the query vector, the reading), so a
benchmark that asks the development questions over and over measures the caches. The timed
questions here are ones no process has asked before the timed pass:

- the held-out sets in tests/data/*holdout*.jsonl (written before the ranking was tuned, not used
  by `kb tune` or the warm-up);
- SweFAQ's dev questions (../shared/eval/swefaq/dev.jsonl): Swedish questions to authorities'
  FAQ pages, about other subjects than the county corpus, so they also exercise the
  off-corpus and weak-match paths a real server sees. Left out when the folder is missing.

The warm-up questions are every other set in tests/data/questions-*.jsonl and ../shared/eval/dev.jsonl.
A timed question that also occurs among the warm-up questions (same text) is dropped from the timed
set, so the two never meet.
"""

from __future__ import annotations

import json
from pathlib import Path

from index.config import PROJECT_DIR

DATA = PROJECT_DIR / "tests" / "data"
SHARED = PROJECT_DIR.parent / "shared" / "eval"
SWEFAQ = SHARED / "swefaq" / "dev.jsonl"


def _questions(path: Path) -> list[str]:
    return [json.loads(line)["question"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def holdout_files() -> list[Path]:
    return sorted(DATA.glob("*holdout*.jsonl"))


def warmup_files() -> list[Path]:
    held = set(holdout_files())
    files = [p for p in sorted(DATA.glob("questions*.jsonl")) if p not in held]
    return files + ([SHARED / "dev.jsonl"] if (SHARED / "dev.jsonl").exists() else [])


def warmup_questions() -> list[str]:
    return list(dict.fromkeys(q for path in warmup_files() for q in _questions(path)))


def fresh_sets() -> dict[str, list[str]]:
    """Timed questions by source ("held-out", "SweFAQ"), none of them a warm-up question, none twice."""
    seen = set(warmup_questions())
    sets: dict[str, list[str]] = {"held-out": [], "SweFAQ": []}
    for name, paths in (("held-out", holdout_files()), ("SweFAQ", [SWEFAQ] if SWEFAQ.exists() else [])):
        for path in paths:
            for question in _questions(path):
                if question not in seen:
                    seen.add(question)
                    sets[name].append(question)
    return {name: questions for name, questions in sets.items() if questions}


def fresh_questions() -> list[str]:
    return [q for questions in fresh_sets().values() for q in questions]


def describe() -> str:
    """One line for a benchmark's output: where the fresh questions came from and that they are fresh."""
    sets = fresh_sets()
    parts = ", ".join(f"{len(q)} {name}" for name, q in sets.items())
    return (
        f"fresh questions: {sum(map(len, sets.values()))} ({parts}), none asked by this process before its timed pass; "
        f"warm-up on {len(warmup_questions())} other questions"
    )


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile (share 0.95 for p95)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))] if ordered else float("nan")

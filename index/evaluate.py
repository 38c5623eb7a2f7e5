"""Retrieval evaluation on questions with a gold document and a verbatim gold passage."""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

from index.answer import compose_answer
from index.search import Searcher


def letters_and_digits(text: str) -> str:
    return "".join(re.findall(r"[^\W_]", text.lower()))


def is_hit(result_doc: str, result_text: str, question: dict) -> bool:
    return result_doc == question["doc"] and letters_and_digits(question["gold"]) in letters_and_digits(result_text)


@dataclass
class Report:
    mode: str
    questions: int = 0
    recall_at_1: float = 0.0
    recall_at_5: float = 0.0
    mrr_at_10: float = 0.0
    principal_accuracy: float | None = None
    priority_accuracy: float | None = None
    latency_p50_ms: float = 0.0
    latency_p95_ms: float = 0.0
    misses: list[dict] = field(default_factory=list)


def load_questions(path: Path) -> list[dict]:
    questions = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            question = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path}:{number}: ogiltig JSON ({exc.msg})") from None
        missing = {"question", "doc", "gold"} - question.keys()
        if missing:
            raise ValueError(f"{path}:{number}: saknar {', '.join(sorted(missing))}")
        questions.append(question)
    return questions


def evaluate(searcher: Searcher, questions: list[dict], mode: str = "hybrid") -> Report:
    report = Report(mode, questions=len(questions))
    searcher.load()
    latencies, reciprocal = [], []
    principal_checks, priority_checks = [], []
    for question in questions:
        started = time.perf_counter()
        hits = searcher.search(question["question"], k=10, mode=mode)
        answer = compose_answer(question["question"], hits)
        latencies.append((time.perf_counter() - started) * 1000)
        rank = next(
            (i for i, h in enumerate(hits, 1) if is_hit(h.chunk["doc_id"], h.chunk["text"], question)), None
        )
        reciprocal.append(1 / rank if rank else 0.0)
        report.recall_at_1 += rank == 1
        report.recall_at_5 += bool(rank and rank <= 5)
        if question.get("principal") is not None:
            principal_checks.append(bool(answer) and answer["principal"] == question["principal"])
        if question.get("priority") is not None:
            priority_checks.append(rank is not None and _priority_matches(hits[rank - 1].chunk, question["priority"]))
        if not rank or rank > 5:
            top = hits[0].chunk if hits else None
            report.misses.append(
                {
                    "id": question.get("id"),
                    "question": question["question"],
                    "rank": rank,
                    "top": f"{top['doc_id']} / {top['section']}: {top['text'][:100]}" if top else None,
                }
            )
    n = max(len(questions), 1)
    report.recall_at_1 /= n
    report.recall_at_5 /= n
    report.mrr_at_10 = sum(reciprocal) / n
    if principal_checks:
        report.principal_accuracy = sum(principal_checks) / len(principal_checks)
    if priority_checks:
        report.priority_accuracy = sum(priority_checks) / len(priority_checks)
    latencies.sort()
    if latencies:
        report.latency_p50_ms = latencies[len(latencies) // 2]
        report.latency_p95_ms = latencies[min(len(latencies) - 1, int(len(latencies) * 0.95))]
    return report


def _priority_matches(chunk: dict, expected) -> bool:
    """The passage that answers carries the expected level (an int, or "FoU")."""
    for tag in chunk["priority"]:
        if expected == "FoU" and tag["label"] == "FoU":
            return True
        if isinstance(expected, int) and tag["level"] == expected:
            return True
    return False


def evaluate_file(searcher: Searcher, path: Path, mode: str = "hybrid") -> Report:
    return evaluate(searcher, load_questions(path), mode)


def format_report(report: Report) -> str:
    def pct(value):
        return "–" if value is None else f"{value:.3f}"

    lines = [
        f"läge {report.mode}, {report.questions} frågor",
        f"Recall@1            {pct(report.recall_at_1)}",
        f"Recall@5            {pct(report.recall_at_5)}",
        f"MRR@10              {pct(report.mrr_at_10)}",
        f"huvudman, träffsäk. {pct(report.principal_accuracy)}",
        f"prioritet, träffsäk.{pct(report.priority_accuracy)}",
        f"svarstid p50/p95    {report.latency_p50_ms:.1f} / {report.latency_p95_ms:.1f} ms",
    ]
    if report.misses:
        lines.append("missar (inte bland de fem första):")
        for miss in report.misses:
            lines.append(f"  {miss['id']}: {miss['question']!r} rang {miss['rank'] or '>10'}; etta: {miss['top']}")
    return "\n".join(lines)

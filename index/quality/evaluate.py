"""Evaluation of what a person sees: the passages found, the card's principal and the priority shown.

Questions have a gold document and a verbatim gold passage; who-questions a gold principal (or
`"expect": "abstain"` where the documents do not say it clearly), priority questions the level of
the recommendation asked about. The card is scored right, wrong or abstained, separately: a wrong
principal is worse than none. The priority is scored twice: on the card, and on the badge of the
passage that holds the gold recommendation. A question with a `region` is asked with that county as
the filter, as a person who chose "Mitt län" and "bara mitt län" asks it.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field, fields
from pathlib import Path

from index.card.answer import badge_of, compose_answer
from index.params import RankingParams
from index.retrieve.search import Searcher


def _documented(params: RankingParams):
    return [(f.name, getattr(params, f.name), None, None) for f in fields(params)]


def letters_and_digits(text: str) -> str:
    return "".join(re.findall(r"[^\W_]", text.lower()))


def is_hit(result_doc: str, result_text: str, question: dict) -> bool:
    return result_doc == question["doc"] and letters_and_digits(question["gold"]) in letters_and_digits(result_text)


@dataclass
class Outcomes:
    """How often what was shown was right, wrong, or not shown (abstained)."""

    right: int = 0
    wrong: int = 0
    abstained: int = 0

    def add(self, outcome: str) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)

    @property
    def total(self) -> int:
        return self.right + self.wrong + self.abstained

    def share(self, outcome: str) -> float | None:
        return getattr(self, outcome) / self.total if self.total else None


@dataclass
class Report:
    mode: str
    questions: int = 0
    recall_at_1: float = 0.0
    recall_at_5: float = 0.0
    mrr_at_10: float = 0.0
    principal: Outcomes = field(default_factory=Outcomes)  # the card's principal on who-questions
    priority_card: Outcomes = field(default_factory=Outcomes)  # the card's level on priority questions
    priority_badge: Outcomes = field(default_factory=Outcomes)  # the badge on the passage with the gold recommendation
    latency_p50_ms: float = 0.0
    latency_p95_ms: float = 0.0
    baseline_mrr: float | None = None  # plain BM25 on the same passages, when asked for
    params: str = ""  # the ranking parameters used
    misses: list[dict] = field(default_factory=list)
    wrong: list[dict] = field(default_factory=list)  # questions whose card or badge stated something wrong

    @property
    def principal_accuracy(self) -> float | None:
        return self.principal.share("right")

    @property
    def priority_accuracy(self) -> float | None:
        return self.priority_badge.share("right")


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
    report.params = " ".join(f"{name}={value}" for name, value, _, _ in _documented(searcher.params))
    latencies, reciprocal = [], []
    for question in questions:
        started = time.perf_counter()
        hits = searcher.search(question["question"], k=10, mode=mode, region=question.get("region"))
        answer = compose_answer(searcher, question["question"], hits)
        latencies.append((time.perf_counter() - started) * 1000)
        rank = next((i for i, h in enumerate(hits, 1) if is_hit(h.passage.doc_id, h.passage.text, question)), None)
        reciprocal.append(1 / rank if rank else 0.0)
        report.recall_at_1 += rank == 1
        report.recall_at_5 += bool(rank and rank <= 5)
        stated = None
        if question.get("principal") is not None or question.get("expect") == "abstain":
            stated = answer.principal if answer else None
            outcome = _principal_outcome(stated, question)
            report.principal.add(outcome)
            if outcome == "wrong":
                report.wrong.append(_wrong(question, "huvudman", stated, answer))
        if question.get("priority") is not None:
            card = answer.priority if answer else None
            outcome = "abstained" if card is None else "right" if _level_is(card, question["priority"]) else "wrong"
            report.priority_card.add(outcome)
            if outcome == "wrong":
                report.wrong.append(_wrong(question, "prioritet på kortet", card, answer))
            badge = badge_of(searcher.read(question["question"]), hits[rank - 1]) if rank else None
            outcome = "abstained" if badge is None else "right" if _level_is(badge, question["priority"]) else "wrong"
            report.priority_badge.add(outcome)
            if outcome == "wrong":
                report.wrong.append(_wrong(question, "prioritet på träffen", badge, None))
        if not rank or rank > 5:
            top = hits[0].passage if hits else None
            report.misses.append(
                {
                    "id": question.get("id"),
                    "question": question["question"],
                    "rank": rank,
                    "top": f"{top.doc_id} / {top.section}: {top.text[:100]}" if top else None,
                }
            )
    n = max(len(questions), 1)
    report.recall_at_1 /= n
    report.recall_at_5 /= n
    report.mrr_at_10 = sum(reciprocal) / n
    latencies.sort()
    if latencies:
        report.latency_p50_ms = latencies[len(latencies) // 2]
        report.latency_p95_ms = latencies[min(len(latencies) - 1, int(len(latencies) * 0.95))]
    return report


def _principal_outcome(stated: str | None, question: dict) -> str:
    if stated is None:
        return "right" if question.get("expect") == "abstain" else "abstained"
    if question.get("expect") == "abstain":
        return "wrong"
    return "right" if stated == question["principal"] else "wrong"


def _level_is(shown: dict, expected) -> bool:
    """The level shown is the expected one (a number, also written as text: 3 or "3"; or "FoU" / "icke-göra")."""
    if isinstance(expected, int) or str(expected).strip().isdigit():
        return shown["level"] == int(expected)
    return shown["label"].lower() == str(expected).lower()


def _wrong(question: dict, what: str, shown, answer) -> dict:
    quoted = answer.statement.text[:100] if answer and answer.statement else None
    return {"id": question.get("id"), "question": question["question"], "what": what, "shown": shown, "quote": quoted}


def plain_bm25(searcher: Searcher, questions: list[dict]) -> float:
    """MRR@10 of a plain BM25 (bm25s, Snowball Swedish stemming, its Swedish stop words) over the same
    passages: the baseline the product must not lose to, measured in the same run."""
    import bm25s
    import Stemmer

    rows = searcher.store.active_chunks()
    stemmer = Stemmer.Stemmer("swedish")
    tokens = bm25s.tokenize([r["text"] for r in rows], stopwords="sv", stemmer=stemmer, show_progress=False)
    retriever = bm25s.BM25()
    retriever.index(tokens, show_progress=False)
    passages = searcher.store.passages_by_rowid([r["id"] for r in rows])
    reciprocal = []
    for question in questions:
        query = bm25s.tokenize([question["question"]], stopwords="sv", stemmer=stemmer, show_progress=False)
        found, _ = retriever.retrieve(query, k=min(10, len(rows)), show_progress=False)
        ranked = [passages[rows[i]["id"]] for i in found[0]]
        rank = next((n for n, p in enumerate(ranked, 1) if is_hit(p.doc_id, p.text, question)), None)
        reciprocal.append(1 / rank if rank else 0.0)
    return sum(reciprocal) / max(len(reciprocal), 1)


def evaluate_file(searcher: Searcher, path: Path, mode: str = "hybrid") -> Report:
    return evaluate(searcher, load_questions(path), mode)


def format_report(report: Report) -> str:
    def pct(value):
        return "–" if value is None else f"{value:.3f}"

    def outcomes(o: Outcomes) -> str:
        if not o.total:
            return "–"
        return f"rätt {o.right}, fel {o.wrong}, avstår {o.abstained} av {o.total}"

    lines = [
        f"läge {report.mode}, {report.questions} frågor",
        f"Recall@1            {pct(report.recall_at_1)}",
        f"Recall@5            {pct(report.recall_at_5)}",
        f"MRR@10              {pct(report.mrr_at_10)}",
        f"huvudman på kortet  {outcomes(report.principal)}",
        f"prioritet på kortet {outcomes(report.priority_card)}",
        f"prioritet på träff  {outcomes(report.priority_badge)}",
        f"svarstid p50/p95    {report.latency_p50_ms:.1f} / {report.latency_p95_ms:.1f} ms",
    ]
    if report.baseline_mrr is not None:
        lines.append(f"ren BM25, MRR@10   {report.baseline_mrr:.3f}")
    lines.append(f"parametrar: {report.params}")
    if report.wrong:
        lines.append("fel som visades:")
        for wrong in report.wrong:
            lines.append(
                f"  {wrong['id']}: {wrong['question']!r} {wrong['what']}: {wrong['shown']}; {wrong['quote']!r}"
            )
    if report.misses:
        lines.append("missar (inte bland de fem första):")
        for miss in report.misses:
            lines.append(f"  {miss['id']}: {miss['question']!r} rang {miss['rank'] or '>10'}; etta: {miss['top']}")
    return "\n".join(lines)

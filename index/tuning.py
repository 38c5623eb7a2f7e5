"""Choosing the ranking parameters so that they cannot fit the test.

`kb tune` searches the query-time parameters of `RankingParams` by coordinate ascent, one
parameter at a time over a few values, on several question sets at once (each over its own
index): our own questions, the shared development set, questions on documents of other authors
and an external Swedish FAQ collection. The objective is the mean MRR@10 over the sets, so no one
set decides. It runs once per fold with that fold's questions held out, reports the MRR on the
questions it tuned on beside the MRR on the ones it had not seen, and finally tunes on all
questions: those parameters are the defaults it writes (index/data/ranking.toml).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from index.config import Settings
from index.evaluate import is_hit, load_questions
from index.params import DEFAULTS_FILE, RankingParams
from index.search import Searcher

# The query-time parameters worth searching, each with the values tried around its current one.
SEARCH_SPACE: dict[str, tuple[float, ...]] = {
    "dense_weight": (0.0, 0.15, 0.3, 0.45, 0.6),
    "passage_evidence": (0.0, 0.25, 0.5, 0.75, 1.0),
    "sentence_evidence": (0.0, 0.25, 0.5),
    "heading_evidence": (0.0, 0.25, 0.5, 0.75),
    "part_weight": (0.3, 0.5, 0.7),
    "synonym_weight": (0.4, 0.6, 0.8),
    "record_boost": (0.0, 0.25, 0.5, 1.0),
    "rare_share": (0.005, 0.01, 0.02),
}
FOLDS = 2
ROUNDS = 1  # passes over the parameters


@dataclass
class QuestionSet:
    name: str
    data_dir: Path  # the index the questions are asked of
    questions: list[dict]


@dataclass
class FoldReport:
    fold: int
    params: RankingParams
    train: dict[str, float]  # set name -> MRR@10 on the questions tuned on
    held_out: dict[str, float]  # set name -> MRR@10 on this fold's questions


def fold_of(question: dict) -> int:
    """A stable fold per question, from its id (or text): reruns split the same way."""
    key = str(question.get("id") or question["question"]).encode()
    return int(hashlib.sha1(key).hexdigest(), 16) % FOLDS


def reciprocal_ranks(searcher: Searcher, questions: list[dict]) -> list[float]:
    out = []
    for question in questions:
        hits = searcher.search(question["question"], k=10)
        rank = next((i for i, h in enumerate(hits, 1) if is_hit(h.passage.doc_id, h.passage.text, question)), None)
        out.append(1 / rank if rank else 0.0)
    return out


VOCABULARY = ("part_weight", "derived_weight", "correction_weight", "synonym_weight", "mined_weight")


class Tuner:
    """Evaluates parameter sets on question sets, each over its own index.

    A searcher is kept per set and per query-expansion weights, so the analysed passages it caches
    serve every parameter set that does not change how a query is expanded."""

    def __init__(self, sets: list[QuestionSet], embedder, report: Callable[[str], None] = print):
        self.sets = sets
        self.embedder = embedder
        self.report = report
        self._searchers: dict[tuple, Searcher] = {}

    def searcher(self, qs: QuestionSet, params: RankingParams) -> Searcher:
        key = (qs.name, *(getattr(params, name) for name in VOCABULARY))
        searcher = self._searchers.get(key)
        if searcher is None:
            searcher = self._searchers[key] = Searcher(Settings.from_env(data_dir=qs.data_dir), self.embedder, params)
        searcher.use(params)
        return searcher

    def mrr(self, params: RankingParams, pick: Callable[[dict], bool]) -> dict[str, float]:
        out = {}
        for qs in self.sets:
            ranks = reciprocal_ranks(self.searcher(qs, params), [q for q in qs.questions if pick(q)])
            out[qs.name] = sum(ranks) / max(len(ranks), 1)
        return out

    def ascend(self, start: RankingParams, pick: Callable[[dict], bool]) -> tuple[RankingParams, dict[str, float]]:
        """Coordinate ascent on the mean MRR over the sets of the questions `pick` selects."""
        best, scores = start, self.mrr(start, pick)
        for _ in range(ROUNDS):
            moved = False
            for name, values in SEARCH_SPACE.items():
                for value in values:
                    if value == getattr(best, name):
                        continue
                    trial = replace(best, **{name: value})
                    trial_scores = self.mrr(trial, pick)
                    if _mean(trial_scores) > _mean(scores) + 1e-4:
                        best, scores, moved = trial, trial_scores, True
                        self.report(f"  {name} = {value}: medel-MRR {_mean(scores):.3f}")
            if not moved:
                break
        return best, scores

    def run(self, start: RankingParams) -> tuple[RankingParams, list[FoldReport]]:
        folds = []
        for fold in range(FOLDS):
            self.report(f"Vikning {fold + 1} av {FOLDS}: trimmar på övriga frågor …")
            params, train = self.ascend(start, lambda q, f=fold: fold_of(q) != f)
            held_out = self.mrr(params, lambda q, f=fold: fold_of(q) == f)
            folds.append(FoldReport(fold, params, train, held_out))
        self.report("Alla frågor: väljer parametrarna …")
        chosen, _ = self.ascend(start, lambda q: True)
        return chosen, folds


def _mean(scores: dict[str, float]) -> float:
    return sum(scores.values()) / max(len(scores), 1)


def format_folds(folds: list[FoldReport], chosen: RankingParams, start: RankingParams) -> str:
    names = list(folds[0].train)
    lines = [f"{'frågor':<24} {'tränat på':>10} {'hållet utanför':>15}"]
    for name in names:
        train = sum(f.train[name] for f in folds) / len(folds)
        held = sum(f.held_out[name] for f in folds) / len(folds)
        lines.append(f"{name:<24} {train:>10.3f} {held:>15.3f}")
    changed = [f"{n} = {getattr(chosen, n)} (var {getattr(start, n)})" for n in SEARCH_SPACE if getattr(chosen, n) != getattr(start, n)]
    lines.append("Valda parametrar: " + ("; ".join(changed) if changed else "oförändrade"))
    return "\n".join(lines)


def write_defaults(params: RankingParams, path: Path = DEFAULTS_FILE) -> None:
    path.write_text(
        "# Written by `kb tune` (index/tuning.py): the ranking parameters chosen on held-out folds of all\n"
        "# development question sets. Every field is documented in index/params.py and the README.\n"
        + params.to_toml(),
        encoding="utf-8",
    )


def question_sets(entries: list[tuple[str, Path, Path]]) -> list[QuestionSet]:
    """(name, data dir, question file) → loaded sets; a set whose file is missing is left out."""
    return [QuestionSet(name, data, load_questions(path)) for name, data, path in entries if path.exists()]

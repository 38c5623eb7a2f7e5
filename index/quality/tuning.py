"""Choosing the ranking parameters so that they cannot fit the test.

`kb tune` searches the parameters of `RankingParams` by coordinate ascent, one parameter at a time
over a few values, on several question sets at once (each over its own index): our own questions,
the shared development set, questions on documents of other authors and an external Swedish FAQ
collection. The objective is the mean MRR@10 over the sets, so no one set decides, and a change
that makes the card or a badge state more wrong principals or levels is refused however much
better it ranks: a change may correct a wrong principal or level, never make one that was right or
left unsaid wrong, because a wrong answer is worse than none. Nor may it put the hybrid below its
own `bm25` mode on any set: fusing in the dense side must never cost. It runs once per fold with
that fold's questions held out, reports the MRR on the questions it tuned on beside the MRR on the
ones it had not seen, and finally tunes on all questions: those parameters are the defaults it
writes (index/data/ranking.toml).
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from index.config import Settings
from index.quality.evaluate import evaluate, load_questions
from index.params import DEFAULTS_FILE, RankingParams
from index.retrieve.search import Searcher

# The parameters worth searching, each with the values tried around its current one. BM25's k1 and b
# are set when an index is built; the searcher recomputes the weights from the words a generation
# saves, so they are tried without building the indexes again.
SEARCH_SPACE: dict[str, tuple[float, ...]] = {
    "bm25_k1": (0.9, 1.2, 1.5, 2.0),
    "bm25_b": (0.5, 0.75, 0.9),
    "dense_weight": (0.6, 0.8, 1.0, 1.25, 1.5),  # around e5's (its cosines are spread before they are weighed)
    "dense_alone": (0.5, 0.8, 0.83, 0.86),  # e5's cosines lie between 0.8 and 0.9: 0.5 lets every one in
    "dense_damping": (0.0, 0.25, 0.5),
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
class Scores:
    mrr: dict[str, float]  # set name -> MRR@10
    wrong: frozenset[tuple[str, str, str]]  # (set, question, what) the card or a badge stated wrongly

    @property
    def mean(self) -> float:
        return sum(self.mrr.values()) / max(len(self.mrr), 1)


@dataclass
class FoldReport:
    fold: int
    params: RankingParams
    train: Scores  # on the questions tuned on
    held_out: Scores  # on this fold's questions


def fold_of(question: dict) -> int:
    """A stable fold per question, from its id (or text): reruns split the same way."""
    key = str(question.get("id") or question["question"]).encode()
    return int(hashlib.sha1(key).hexdigest(), 16) % FOLDS


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

    def measure(self, params: RankingParams, pick: Callable[[dict], bool]) -> Scores:
        mrr, wrong = {}, set()
        for qs in self.sets:
            report = evaluate(self.searcher(qs, params), [q for q in qs.questions if pick(q)])
            mrr[qs.name] = report.mrr_at_10
            wrong |= {(qs.name, str(w["id"] or w["question"]), w["what"]) for w in report.wrong}
        return Scores(mrr, frozenset(wrong))

    def fusion_holds(self, params: RankingParams, scores: Scores, pick: Callable[[dict], bool]) -> bool:
        """The hybrid (`scores`) is at least its own `bm25` mode on every set; asked only of a change
        that would be taken, as it costs another pass."""
        return all(
            scores.mrr[qs.name]
            >= evaluate(self.searcher(qs, params), [q for q in qs.questions if pick(q)], "bm25").mrr_at_10
            for qs in self.sets
        )

    def ascend(self, start: RankingParams, pick: Callable[[dict], bool]) -> tuple[RankingParams, Scores]:
        """Coordinate ascent on the mean MRR over the sets of the questions `pick` selects, never
        accepting a change that states something wrong the current parameters did not, or that puts
        the hybrid below its `bm25` mode."""
        best, scores = start, self.measure(start, pick)
        for _ in range(ROUNDS):
            moved = False
            for name, values in SEARCH_SPACE.items():
                for value in values:
                    if value == getattr(best, name):
                        continue
                    trial = replace(best, **{name: value})
                    trial_scores = self.measure(trial, pick)
                    if (
                        trial_scores.mean > scores.mean + 1e-4
                        and trial_scores.wrong <= scores.wrong
                        and self.fusion_holds(trial, trial_scores, pick)
                    ):
                        best, scores, moved = trial, trial_scores, True
                        self.report(f"  {name} = {value}: medel-MRR {scores.mean:.3f}, fel {len(scores.wrong)}")
            if not moved:
                break
        return best, scores

    def run(self, start: RankingParams) -> tuple[RankingParams, list[FoldReport]]:
        folds = []
        for fold in range(FOLDS):
            self.report(f"Vikning {fold + 1} av {FOLDS}: trimmar på övriga frågor …")
            params, train = self.ascend(start, lambda q, f=fold: fold_of(q) != f)
            held_out = self.measure(params, lambda q, f=fold: fold_of(q) == f)
            folds.append(FoldReport(fold, params, train, held_out))
        self.report("Alla frågor: väljer parametrarna …")
        chosen, _ = self.ascend(start, lambda q: True)
        return chosen, folds


def format_folds(folds: list[FoldReport], chosen: RankingParams, start: RankingParams) -> str:
    names = list(folds[0].train.mrr)
    lines = [f"{'frågor':<24} {'tränat på':>10} {'hållet utanför':>15}"]
    for name in names:
        train = sum(f.train.mrr[name] for f in folds) / len(folds)
        held = sum(f.held_out.mrr[name] for f in folds) / len(folds)
        lines.append(f"{name:<24} {train:>10.3f} {held:>15.3f}")
    lines.append(f"Fel på kort och märken i de utelämnade frågorna: {sum(len(f.held_out.wrong) for f in folds)}")
    changed = [
        f"{n} = {getattr(chosen, n)} (var {getattr(start, n)})"
        for n in SEARCH_SPACE
        if getattr(chosen, n) != getattr(start, n)
    ]
    lines.append("Valda parametrar: " + ("; ".join(changed) if changed else "oförändrade"))
    return "\n".join(lines)


def write_defaults(params: RankingParams, path: Path = DEFAULTS_FILE) -> None:
    path.write_text(
        "# Written by `kb tune` (index/quality/tuning.py): the ranking parameters chosen on held-out folds of all\n"
        "# development question sets. Every field is documented in index/params.py and docs/evaluation.md.\n"
        + params.to_toml(),
        encoding="utf-8",
    )


def write_answer_files(answers: Path, folder: Path) -> None:
    """SweFAQ's answers (`{"id", "text"}` per line) as one text file per answer, named by its id: a
    folder without structure, indexed as any folder is."""
    folder.mkdir(parents=True, exist_ok=True)
    for line in answers.read_text(encoding="utf-8").splitlines():
        entry = json.loads(line)
        (folder / f"{entry['id']}.txt").write_text(entry["text"], encoding="utf-8")


# The development sets kb tune chooses parameters on, and each index (below) they are asked of.
TUNING_SETS = (
    ("egna frågor, corpus", "corpus", "tests/data/questions.jsonl"),
    ("nya frågor, corpus", "corpus", "tests/data/questions-corpus.jsonl"),
    ("delade dev-frågor", "corpus", "../shared/eval/dev.jsonl"),
    ("länsfilter, corpus", "corpus", "tests/data/questions-region.jsonl"),
    ("andra författare", "corpus-more", "tests/data/questions-more.jsonl"),
    ("SweFAQ", "swefaq", "../shared/eval/swefaq/dev.jsonl"),
    ("betydelse", "corpus-more", "tests/data/questions-meaning.jsonl"),
    ("kortet, nya", "corpus-more", "tests/data/questions-card.jsonl"),
)
# Every set with gold passages, for the figures in docs/evaluation.md (tests/benchmarks/eval_sets.py).
ALL_SETS = TUNING_SETS + (
    ("corpus, utelämnade", "corpus", "tests/data/questions-corpus-holdout.jsonl"),
    ("andra författare, utelämnade", "corpus-more", "tests/data/questions-more-holdout.jsonl"),
    ("omformulerade", "corpus-more", "tests/data/questions-reworded.jsonl"),
    ("andra ordformer", "corpus-more", "tests/data/questions-forms.jsonl"),
    ("okända sammansättningar", "corpus-more", "tests/data/questions-compounds.jsonl"),
    ("betydelse, utelämnade", "corpus-more", "tests/data/questions-meaning-holdout.jsonl"),
    ("webbsidor", "web", "tests/data/questions-web.jsonl"),
    ("kortet, utelämnade", "corpus-more", "tests/data/questions-card-holdout.jsonl"),
    ("kortet, tredje", "corpus-more", "tests/data/questions-card-third.jsonl"),
    ("kortet, tredje, utelämnade", "corpus-more", "tests/data/questions-card-third-holdout.jsonl"),
    ("andra former", "forms", "tests/data/questions-unseen-forms.jsonl"),
    ("andra former, utelämnade", "forms", "tests/data/questions-unseen-forms-holdout.jsonl"),
    ("andra former 2, utelämnade", "forms-2", "tests/data/questions-unseen-forms-2.jsonl"),
    ("andra former 3, utelämnade", "forms-3", "tests/data/questions-unseen-forms-3.jsonl"),
    ("andra former 4, utelämnade", "forms-4", "tests/data/questions-unseen-forms-4.jsonl"),
    ("kortet, fjärde", "corpus-more", "tests/data/questions-card-fourth.jsonl"),
    ("kortet, fjärde, utelämnade", "corpus-more", "tests/data/questions-card-fourth-holdout.jsonl"),
)


def evaluation_indexes(work: Path, embedder, needed: set[str]) -> dict[str, Path]:
    """The indexes the question sets are asked of, each built once in `work` (and brought up to date
    on later runs): `corpus/`, `corpus/` with ../shared/corpus-more, ../shared/corpus-web alone,
    `corpus/` with the documents of other forms in tests/data/unseen-forms (and, apart, in
    tests/data/unseen-forms-2, -3 and -4), and SweFAQ's answers as a folder of one file each. An index
    whose files are missing is left out."""
    from index.building.indexer import Indexer
    from index.config import PROJECT_DIR

    shared = PROJECT_DIR.parent / "shared"
    corpus = [p for p in (PROJECT_DIR / "corpus").iterdir() if p.is_file()]
    more = [p for p in sorted((shared / "corpus-more").glob("*.md")) if p.name != "README.md"]
    web = [p for p in sorted((shared / "corpus-web").glob("*.md")) if p.name != "README.md"]
    forms = sorted((PROJECT_DIR / "tests" / "data" / "unseen-forms").glob("*.md"))
    forms_2, forms_3, forms_4 = (
        [p for p in sorted((PROJECT_DIR / "tests" / "data" / name).iterdir()) if p.suffix != ".toml"]
        for name in ("unseen-forms-2", "unseen-forms-3", "unseen-forms-4")
    )
    answers = shared / "eval" / "swefaq" / "answers.jsonl"
    if answers.exists():
        write_answer_files(answers, work / "swefaq-svar")
    sources = {
        "corpus": corpus,
        "corpus-more": corpus + more if more else [],
        "web": web,
        "forms": corpus + forms,
        "forms-2": corpus + forms_2,
        "forms-3": corpus + forms_3,
        "forms-4": corpus + forms_4,
        "swefaq": sorted((work / "swefaq-svar").glob("*.txt")),
    }
    built = {}
    for name, files in sources.items():
        if name not in needed or not files:
            continue
        folder = work / f"{name}-källor"  # copies: the folder holds only documents, no READMEs
        folder.mkdir(parents=True, exist_ok=True)
        for source in files:
            if not (folder / source.name).exists():
                shutil.copy(source, folder / source.name)
        built[name] = work / name
        Indexer(Settings.from_env(data_dir=built[name]), embedder, RankingParams.defaults()).ingest([folder])
    return built


def question_sets(sets, work: Path, embedder) -> list[QuestionSet]:
    """(name, index, question file relative to the project) → loaded sets over their built indexes; a
    set whose file or index is missing is left out."""
    from index.config import PROJECT_DIR

    present = [(name, index, PROJECT_DIR / file) for name, index, file in sets if (PROJECT_DIR / file).exists()]
    indexes = evaluation_indexes(work, embedder, {index for _, index, _ in present})
    return [
        QuestionSet(name, indexes[index], load_questions(path)) for name, index, path in present if index in indexes
    ]

"""What a person sees, on every question set with gold passages: the table in docs/evaluation.md.

Not a test: figures are printed. Run from the project root (the indexes are built once in --work):

    .venv/bin/python -m tests.benchmarks.eval_sets                  # hybrid
    .venv/bin/python -m tests.benchmarks.eval_sets --mode dense     # one retriever alone

Each set is asked of its own index (index/quality/tuning.py, ALL_SETS): `corpus/`, `corpus/` with
../shared/corpus-more, ../shared/corpus-web, or SweFAQ's answers. The encoder is the configured one
(KB_EMBEDDING_MODEL); give each encoder its own --work folder.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from index.config import Settings
from index.retrieve.embedder import load_encoder
from index.quality.evaluate import evaluate
from index.retrieve.search import MODES, Searcher
from index.quality.tuning import ALL_SETS, question_sets


def outcomes(o) -> str:
    return f"{o.right} / {o.wrong} / {o.abstained} of {o.total}" if o.total else "–"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--work", type=Path, default=Path("var/eval"))
    parser.add_argument("--mode", choices=MODES, default="hybrid")
    parser.add_argument("--only", help="only sets whose name contains this")
    parser.add_argument("--misses", action="store_true", help="list wrong cards and misses")
    args = parser.parse_args()
    encoder = load_encoder(Settings.from_env())
    sets = [s for s in ALL_SETS if not args.only or args.only in s[0]]
    print(f"encoder {encoder.name}, mode {args.mode}")
    print("| questions | Recall@5 | MRR@10 | principal on the card | priority on the card | priority badge |")
    print("| --- | --- | --- | --- | --- | --- |")
    for qs in question_sets(sets, args.work, encoder):
        report = evaluate(Searcher(Settings.from_env(data_dir=qs.data_dir), encoder), qs.questions, args.mode)
        print(
            f"| {qs.name} ({len(qs.questions)}) | {report.recall_at_5:.3f} | {report.mrr_at_10:.3f} | "
            f"{outcomes(report.principal)} | {outcomes(report.priority_card)} | {outcomes(report.priority_badge)} |",
            flush=True,
        )
        if args.misses:
            for wrong in report.wrong:
                print(
                    f"    FEL {wrong['id']}: {wrong['question']!r} {wrong['what']}: {wrong['shown']}; "
                    f"{wrong['quote']!r}"
                )
            for miss in report.misses:
                print(f"    MISS {miss['id']}: {miss['question']!r} rank {miss['rank']}; top {miss['top']}")


if __name__ == "__main__":
    main()

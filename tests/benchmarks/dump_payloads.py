"""Dump what searches return, to show that a speed change changes no answer.

Not a test: run it before and after a change and compare the two files byte for byte.

    .venv/bin/python -m tests.benchmarks.dump_payloads --data-dir DIR before.jsonl
    ... change ...
    .venv/bin/python -m tests.benchmarks.dump_payloads --data-dir DIR after.jsonl
    cmp before.jsonl after.jsonl

Each line is one question's JSON: the payload of /api/search (search_payload: results, badges and
the answer card), the page's own fields per hit (highlight spans, collapsed duplicates, the sentence
evidence) and, for every fifth question, the same with a county filter and the /api/responsibility
payload. The questions: every fresh and warm-up question of tests/benchmarks/fresh.py (about 700),
or the first --limit of them.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from app.payloads import responsibility_payload, search_payload  # noqa: E402
from index.config import Settings  # noqa: E402
from index.retrieve.search import Filters, Searcher  # noqa: E402
from tests.benchmarks.fresh import fresh_questions, warmup_questions  # noqa: E402


def hits_of(searcher: Searcher, question: str, **options) -> list:
    return [
        {
            "chunk": h.passage.chunk_id,
            "score": round(h.score, 9),
            "highlights": h.highlights,
            "duplicates": h.duplicates,
            "sentence": h.sentence,
            "record": [h.record[0].activity, round(h.record[1], 9)] if h.record else None,
        }
        for h in searcher.search(question, **options)
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--limit", type=int, default=0)
    parser.add_argument("output", type=Path)
    args = parser.parse_args()
    searcher = Searcher(Settings.from_env(data_dir=args.data_dir))
    searcher.load()
    regions = searcher.regions()
    questions = fresh_questions() + warmup_questions()
    if args.limit:
        questions = questions[: args.limit]
    with args.output.open("w", encoding="utf-8") as out:
        for number, question in enumerate(questions):
            line = {
                "q": question,
                "payload": search_payload(searcher, question),
                "hits": hits_of(searcher, question, k=10),
            }
            if number % 5 == 0 and regions:
                region = regions[number // 5 % len(regions)]
                line["region"] = search_payload(searcher, question, region=region)
                line["filtered"] = hits_of(
                    searcher, question, k=10, filters=Filters(region=region), prefer_region=region
                )
                line["responsibility"] = responsibility_payload(searcher, question)
            out.write(json.dumps(line, ensure_ascii=False, sort_keys=True) + "\n")
    print(f"{len(questions)} questions → {args.output}")


if __name__ == "__main__":
    main()

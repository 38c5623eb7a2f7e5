"""Text that has nothing to do with the agreements: SweFAQ's answers from Swedish authorities, one file
each, indexed as a folder. On short texts without structure the hybrid must not lose to its own
`bm25` mode nor to a plain BM25 with Snowball stemming (the ranking issue's baselines)."""

from __future__ import annotations

import pytest

from index.config import PROJECT_DIR
from index.quality.evaluate import evaluate, load_questions, plain_bm25
from index.quality.tuning import write_answer_files
from tests.conftest import make_settings

SWEFAQ = PROJECT_DIR.parent / "shared" / "eval" / "swefaq"

pytestmark = pytest.mark.skipif(not (SWEFAQ / "answers.jsonl").exists(), reason="../shared/eval/swefaq not present")


@pytest.fixture(scope="module")
def faq_searcher(tmp_path_factory, embedder):
    from index.building.indexer import Indexer
    from index.retrieve.search import Searcher

    folder = tmp_path_factory.mktemp("swefaq-svar")
    write_answer_files(SWEFAQ / "answers.jsonl", folder)
    settings = make_settings(tmp_path_factory.mktemp("swefaq-data"))
    Indexer(settings, embedder).ingest([folder])
    return Searcher(settings, embedder)


def test_hybrid_beats_its_bm25_mode_and_plain_bm25_on_faq_answers(faq_searcher):
    questions = load_questions(SWEFAQ / "dev.jsonl")
    hybrid = evaluate(faq_searcher, questions)
    assert len(faq_searcher.store.active_chunks()) == 219  # one passage per answer
    assert hybrid.mrr_at_10 >= evaluate(faq_searcher, questions, "bm25").mrr_at_10
    assert hybrid.mrr_at_10 >= plain_bm25(faq_searcher, questions)
    assert hybrid.mrr_at_10 >= 0.65  # the ranking issue's target (docs/evaluation.md: 0.661)

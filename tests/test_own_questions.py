"""Our own development questions (tests/data/questions.jsonl, and questions-region.jsonl asked under
a county filter) are well-formed and their golds are real.

Each gold must occur, exactly once, in the stated corpus document when both are reduced to
lower-case letters and digits — the same comparison the evaluation uses to count a hit.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest

from index.quality.evaluate import letters_and_digits
from tests.conftest import read_jsonl
from ingest.manifest import load_manifest

TESTS = Path(__file__).resolve().parent
QUESTIONS_FILE = TESTS / "data" / "questions.jsonl"
REGION_FILE = TESTS / "data" / "questions-region.jsonl"
CORPUS = TESTS.parent / "corpus"
SHARED_DEV = TESTS.parent.parent / "shared" / "eval" / "dev.jsonl"

REQUIRED = {"id", "question", "doc", "gold", "principal", "kind"}
ALLOWED = REQUIRED | {"priority"}
PRINCIPALS = {"region", "kommun", "gemensamt", None}
KINDS = {"responsibility", "priority", "fact"}


QUESTIONS = read_jsonl(QUESTIONS_FILE)
REGION_QUESTIONS = read_jsonl(REGION_FILE)


@cache
def corpus_docs() -> dict[str, Path]:
    return {
        p.stem: p for p in CORPUS.iterdir() if p.is_file() and p.suffix in (".txt", ".md", ".pdf", ".docx", ".html")
    }


@cache
def doc_letters(doc: str) -> str:
    return letters_and_digits(corpus_docs()[doc].read_text(encoding="utf-8"))


def test_file_has_questions_for_every_document():
    assert len(QUESTIONS) == 56
    assert {q["doc"] for q in QUESTIONS} == set(corpus_docs())


def test_ids_unique():
    ids = [q["id"] for q in QUESTIONS]
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)


def test_questions_unique():
    texts = [q["question"].strip().lower() for q in QUESTIONS]
    assert len(texts) == len(set(texts))


@pytest.mark.parametrize("q", QUESTIONS, ids=lambda q: q["id"])
def test_fields_valid(q):
    assert REQUIRED <= q.keys() <= ALLOWED, q.keys() ^ REQUIRED
    assert isinstance(q["id"], str) and q["id"].strip()
    assert isinstance(q["question"], str) and q["question"].strip()
    assert q["doc"] in corpus_docs()
    assert q["principal"] in PRINCIPALS
    assert q["kind"] in KINDS
    if q["kind"] == "priority":
        level = q.get("priority")
        assert level == "FoU" or (isinstance(level, int) and not isinstance(level, bool) and 1 <= level <= 10)
        if level == "FoU":
            assert "fou" in q["gold"].lower()
        else:
            # the gold carries the level exactly as the text states it
            assert re.search(rf"\b(?:prio|prioritet|prioriteringsgrad)\.?\s*{level}(?!\d)", q["gold"], re.I), q["gold"]
    else:
        assert "priority" not in q


@pytest.mark.parametrize("q", QUESTIONS, ids=lambda q: q["id"])
def test_gold_occurs_once_in_its_document(q):
    assert 5 <= len(q["gold"].split()) <= 15, q["gold"]
    gold = letters_and_digits(q["gold"])
    assert gold, q["gold"]
    assert doc_letters(q["doc"]).count(gold) == 1, f"{q['id']}: gold found {doc_letters(q['doc']).count(gold)} times"


@pytest.mark.skipif(not SHARED_DEV.exists(), reason="shared dev questions not available")
def test_different_from_shared_dev_questions():
    dev = read_jsonl(SHARED_DEV)
    dev_questions = {d["question"].strip().lower() for d in dev}
    dev_ids = {d["id"] for d in dev}
    for q in QUESTIONS:
        assert q["id"] not in dev_ids
        assert q["question"].strip().lower() not in dev_questions
        gold = letters_and_digits(q["gold"])
        for d in dev:
            if d["doc"] == q["doc"]:
                other = letters_and_digits(d["gold"])
                assert gold not in other and other not in gold, (q["id"], d["id"])


@cache
def manifest_regions() -> dict[str, str]:
    return {doc: meta.region for doc, meta in load_manifest(CORPUS).items()}


@pytest.mark.parametrize("q", REGION_QUESTIONS, ids=lambda q: q["id"])
def test_region_questions_ask_under_their_documents_county(q):
    """Each is asked with its gold document's county as the filter; it expects a principal or,
    where that county's document does not say it clearly, an abstention."""
    assert REQUIRED | {"region"} <= q.keys() <= REQUIRED | {"region", "expect"}
    assert q["region"] == manifest_regions()[q["doc"]]
    assert (q["principal"] is None) == (q.get("expect") == "abstain")
    assert q["principal"] in PRINCIPALS and q["kind"] == "responsibility"
    gold = letters_and_digits(q["gold"])
    assert gold and doc_letters(q["doc"]).count(gold) == 1, q["id"]


def test_region_questions_cover_every_county_and_both_outcomes():
    assert set(manifest_regions().values()) == {q["region"] for q in REGION_QUESTIONS}
    assert {q.get("expect") for q in REGION_QUESTIONS} == {None, "abstain"}
    assert len({q["id"] for q in REGION_QUESTIONS}) == len(REGION_QUESTIONS)

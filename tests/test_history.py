"""Versions and diffs on a real ingest: a corpus document, then a copy with one passage and one matrix row revised."""

from __future__ import annotations

import shutil

import pytest

from index.ops import history
from tests.conftest import CORPUS, make_settings

DOC = "dalarna-overenskommelse-2021"
OLD_SENTENCE = "som sker i slutenvård tillhör psykiatrin."
NEW_SENTENCE = "som sker i slutenvård tillhör beroendevården vid Falu lasarett."
OLD_ROW, NEW_ROW = "Abstinensvård x  x  \n", "Abstinensvård x  x x \n"  # socialtjänst joins: region → gemensamt


def revise(text: str) -> str:
    assert OLD_SENTENCE in text and OLD_ROW in text
    return text.replace(OLD_SENTENCE, NEW_SENTENCE).replace(OLD_ROW, NEW_ROW)


@pytest.fixture(scope="module")
def store(tmp_path_factory, embedder):
    from index.building.indexer import Indexer

    root = tmp_path_factory.mktemp("history")
    corpus = root / "corpus"
    corpus.mkdir()
    source = corpus / f"{DOC}.txt"
    shutil.copy(CORPUS / source.name, source)
    indexer = Indexer(make_settings(root / "data"), embedder)
    indexer.ingest([corpus], who="redaktör-a")
    source.write_text(revise(source.read_text(encoding="utf-8")), encoding="utf-8")
    run = indexer.ingest([corpus], who="redaktör-b")
    assert run.files[0].outcome == "revised" and run.files[0].version == 2
    return indexer.store


def test_versions_are_listed_newest_first_with_who(store):
    listed = history.versions(store, DOC)
    assert [v.number for v in listed] == [2, 1]
    assert [v.ingested_by for v in listed] == ["redaktör-b", "redaktör-a"]
    assert listed[0].content_hash != listed[1].content_hash


def test_each_version_keeps_its_own_passages(store):
    old = " ".join(p.text for p in history.passages_of_version(store, DOC, 1))
    new = " ".join(p.text for p in history.passages_of_version(store, DOC, 2))
    assert "tillhör psykiatrin" in old and "tillhör psykiatrin" not in new
    assert "beroendevården vid Falu lasarett" in new and "Falu lasarett" not in old


def test_diff_pairs_the_edited_passage_and_calls_out_the_responsibility_change(store):
    result = history.diff(store, DOC, 1, 2)
    assert result["added"] == [] and result["removed"] == []
    edited = next(c for c in result["changed"] if "psykiatrin" in c["old"].text)
    assert ("removed", "psykiatrin. ") in edited["words"]
    assert any(op == "added" and "beroendevården" in text for op, text in edited["words"])
    assert "Abstinensvård: region → gemensamt" in result["notes"]
    matrix = next(c for c in result["changed"] if c["notes"])
    assert matrix["notes"] == ["Abstinensvård: region → gemensamt"]


def test_diff_of_a_version_with_itself_is_empty(store):
    result = history.diff(store, DOC, 2, 2)
    assert not (result["added"] or result["removed"] or result["changed"] or result["notes"])


def test_closest_current_leads_an_old_passage_to_its_revision(store):
    old = next(p for p in history.passages_of_version(store, DOC, 1) if "tillhör psykiatrin" in p.text)
    assert not old.active
    closest = history.closest_current(store, old)
    assert closest.active and "beroendevården vid Falu lasarett" in closest.text
    assert history.closest_current(store, closest).chunk_id == closest.chunk_id

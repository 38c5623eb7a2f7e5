"""The ranking's own functions (index/retrieve/ranking.py), asked directly with made-up passages and
parameters, without an index: fusion, the structure and intent factors, the county first, near-duplicates."""

from __future__ import annotations

import pytest

from index.params import RankingParams
from index.retrieve.question import Intent
from index.retrieve.ranking import (
    Hit,
    collapse_near_duplicates,
    fuse,
    intent_factor,
    order_hits,
    structure_factor,
)
from index.storage import Document, Passage
from ingest.model import Priority, Responsibility

PARAMS = RankingParams(
    lexical_weight=1.0,
    dense_alone=0.85,
    off_topic_factor=0.5,
    proposal_factor=0.25,
    expired_factor=0.1,
    record_boost=0.5,
    priority_boost=0.2,
    favoured_floor=0.8,
)


def passage(chunk_id: str, text: str = "text", doc_id: str = "d", **fields) -> Passage:
    values = dict(
        rowid=0, chunk_id=chunk_id, doc_id=doc_id, position=0, section_path=[], text=text, kind="text", page=None,
        line_start=None, line_end=None, char_start=0, char_end=len(text), on_topic=True, proposal=False,
        footnotes=[], table=None, responsibility=[], priority=[], embed_keys=[], first_version=1, last_version=1,
        active=True,
    )  # fmt: skip
    return Passage(**(values | fields))


def document(doc_id: str = "d", region: str | None = None, status: str = "gällande", valid_to=None) -> Document:
    return Document(
        doc_id=doc_id, title=doc_id, region=region, doc_type=None, parties=[], decided=None, valid_from=None,
        valid_to=valid_to, status=status, guessed=False, format="txt", source_path="", content_hash="",
        current_version=1, retired=False, retired_by=None, text="", footnotes=[], report={}, file_meta=None,
    )  # fmt: skip


def intent(responsibility=False, priority=False) -> Intent:
    return Intent(responsibility, priority, None, None)


def test_fusion_scales_each_list_to_its_own_best_and_lets_a_dense_only_passage_in_on_a_clear_score():
    fused = fuse([(1, 10.0), (2, 6.0)], [(2, 0.9), (3, 0.86), (4, 0.8)], 0.5, PARAMS)
    assert list(fused) == [2, 1, 3]  # 4: only dense, below dense_alone
    assert fused[1] == pytest.approx(1.0)
    assert fused[2] == pytest.approx(0.6 + 0.5 * 1.0)
    assert fused[3] == pytest.approx(0.5 * (0.86 - 0.8) / (0.9 - 0.8))
    assert fuse([], [], 0.5, PARAMS) == {}


def test_the_structure_factor_weighs_off_topic_proposed_and_expired_passages_down():
    assert structure_factor(passage("a"), document(), PARAMS) == 1.0
    assert structure_factor(passage("a", on_topic=False), document(), PARAMS) == 0.5
    assert structure_factor(passage("a", proposal=True), document(), PARAMS) == 0.25
    assert structure_factor(passage("a"), document(status="remiss"), PARAMS) == 0.25
    assert structure_factor(passage("a"), document(valid_to="2001-01-01"), PARAMS) == pytest.approx(0.1)
    assert structure_factor(passage("a", on_topic=False), document(status="upphävd"), PARAMS) == pytest.approx(0.05)


def test_the_intent_factor_raises_a_matching_record_or_a_priority_level_only_when_asked_for():
    record = Responsibility(actor="kommunen", principal="kommun", activity="boende")
    level = Priority(level=3, label="BÖR", recommendation="")
    hit = Hit(passage("a", priority=[level]), document(), 1.0, record=(record, 0.5))
    assert intent_factor(hit, intent(), PARAMS) == 1.0
    assert intent_factor(hit, intent(responsibility=True), PARAMS) == pytest.approx(1.25)
    assert intent_factor(hit, intent(priority=True), PARAMS) == pytest.approx(1.2)
    assert intent_factor(hit, intent(True, True), PARAMS) == pytest.approx(1.25 * 1.2)


def test_the_favoured_county_comes_first_where_it_answers_about_as_well():
    hits = [Hit(passage(n), document(n, region), score) for n, region, score in
            [("a", "Skåne", 1.0), ("b", "Dalarna", 0.9), ("c", "Dalarna", 0.5)]]  # fmt: skip
    assert [h.passage.chunk_id for h in order_hits(hits, None, PARAMS)] == ["a", "b", "c"]
    assert [h.passage.chunk_id for h in order_hits(hits, "Dalarna", PARAMS)] == ["b", "a", "c"]  # c: below the floor


def test_near_duplicates_of_one_document_collapse_into_the_best():
    same = "Kommunen ansvarar för boende och stöd i boendet för personer med missbruk."
    hits = [
        Hit(passage("a", same), document(), 3.0),
        Hit(passage("b", same + " Se ovan."), document(), 2.0),
        Hit(passage("c", same, doc_id="other"), document("other"), 1.5),  # another document's: kept
        Hit(passage("d", "Regionen ansvarar för abstinensbehandling."), document(), 1.0),
    ]
    kept, consumed = collapse_near_duplicates(hits, 10, 90)
    assert [h.passage.chunk_id for h in kept] == ["a", "c", "d"] and consumed == 4
    assert kept[0].duplicates == ["b"]
    for hit in hits:
        hit.duplicates = []
    kept, consumed = collapse_near_duplicates(hits, 2, 90)
    assert [h.passage.chunk_id for h in kept] == ["a", "c"] and consumed == 3

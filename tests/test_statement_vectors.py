"""Statement vectors: what is embedded for a statement, and the arrays a generation keeps them in."""

import numpy as np

from index.retrieve.statement_vectors import StatementVectors, statement_texts
from ingest.model import Responsibility


def test_a_statement_is_embedded_with_its_heading_and_lead():
    text = "- abstinensbehandling i öppen- och slutenvård\n- läkarundersökning vid LVM"
    record = Responsibility(
        "abstinensbehandling", "region", start=2, end=text.index("\n"), lead="Insatser som regionen ansvarar för:"
    )
    heading = Responsibility("abstinensbehandling", "region", start=0, end=0, heading=True)
    texts = statement_texts(
        ["3.3 Ansvar", "Region Norrbotten ansvarar för abstinensbehandling"], text, [record, heading]
    )
    assert texts == [
        "Region Norrbotten ansvarar för abstinensbehandling Insatser som regionen ansvarar för: "
        "abstinensbehandling i öppen- och slutenvård",
        "Region Norrbotten ansvarar för abstinensbehandling",  # a heading that states it is its own words
    ]


def test_vectors_come_back_by_passage_in_statement_order(tmp_path):
    rng = np.random.default_rng(0)
    first, second = rng.random((2, 4), dtype="float32"), rng.random((1, 4), dtype="float32")
    StatementVectors.build([(9, second), (3, first), (5, np.zeros((0, 4)))], 4).save(tmp_path)
    loaded = StatementVectors.load(tmp_path)
    assert np.allclose(loaded.of(3), first, atol=1e-3) and np.allclose(loaded.of(9), second, atol=1e-3)
    assert loaded.of(5) is None and loaded.of(4) is None and loaded.of(10) is None


def test_the_card_weighs_each_statement_by_its_meaning(searcher):
    """Every statement of a found passage has its cosine with the question, in statement order, and
    the one about the question's subject is the closest."""
    from index.card.answer import compose_answer, statements_of

    question = "vem tar hand om den som spelar bort sina pengar"
    reading = searcher.read(question)
    hits = searcher.search(question, k=10)
    checked = 0
    for hit in hits[:5]:
        meanings = searcher.statement_meaning(reading, hit.passage)
        assert meanings is not None and len(meanings) == len(hit.passage.responsibility)
        statements = statements_of(reading, hit, 0, None, meanings)
        assert [s.meaning for s in statements if s.kind == "responsibility"] == meanings
        assert all(s.meaning is None for s in statements if s.kind == "recommendation")
        checked += bool(meanings)
    assert checked
    answer = compose_answer(searcher, question, hits)
    considered = [s for s in [answer.statement, *answer.candidates] if s is not None]
    assert "spel" in max(considered, key=lambda s: s.meaning).text.lower()

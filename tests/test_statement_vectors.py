"""Statement vectors: what is embedded for a statement, and the arrays a generation keeps them in."""

import numpy as np

from index.statement_vectors import StatementVectors, statement_texts
from ingest.model import Priority, Responsibility


def test_a_statement_is_embedded_with_its_heading_and_lead():
    text = "- abstinensbehandling i öppen- och slutenvård\n- läkarundersökning vid LVM"
    record = Responsibility("abstinensbehandling", "region", start=2, end=text.index("\n"), lead="Insatser som regionen ansvarar för:")
    heading = Responsibility("abstinensbehandling", "region", start=0, end=0, heading=True)
    tag = Priority(3, "BÖR", "läkarundersökning", start=text.index("läkar"), end=len(text))
    texts = statement_texts(["3.3 Ansvar", "Region Norrbotten ansvarar för abstinensbehandling"], text, [record, heading], [tag])
    assert texts == [
        "Region Norrbotten ansvarar för abstinensbehandling Insatser som regionen ansvarar för: "
        "abstinensbehandling i öppen- och slutenvård",
        "Region Norrbotten ansvarar för abstinensbehandling",  # a heading that states it is its own words
        "Region Norrbotten ansvarar för abstinensbehandling läkarundersökning vid LVM",
    ]


def test_vectors_come_back_by_passage_in_statement_order(tmp_path):
    rng = np.random.default_rng(0)
    first, second = rng.random((2, 4), dtype="float32"), rng.random((1, 4), dtype="float32")
    StatementVectors.build([(9, second), (3, first), (5, np.zeros((0, 4)))], 4).save(tmp_path)
    loaded = StatementVectors.load(tmp_path)
    assert np.allclose(loaded.of(3), first, atol=1e-3) and np.allclose(loaded.of(9), second, atol=1e-3)
    assert loaded.of(5) is None and loaded.of(4) is None and loaded.of(10) is None

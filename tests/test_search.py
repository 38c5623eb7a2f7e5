"""Search on the real corpus answers the questions staff ask most."""

import re


def test_abstinence_question_finds_the_regulating_documents(searcher):
    hits = searcher.search("vem ansvarar för abstinensbehandling", k=10)
    about = [h for h in hits if re.search(r"abstinens", h.chunk["text"], re.I)]
    assert len(about) >= 3
    docs = {h.chunk["doc_id"] for h in about}
    assert {"norrbotten-handlingsplan-2021", "dalarna-overenskommelse-2021"} <= docs
    assert re.search(r"abstinens", hits[0].chunk["text"], re.I)


def test_region_filter_keeps_only_that_region(searcher):
    hits = searcher.search("samordnad individuell plan", k=10, region="Dalarna")
    assert hits
    assert {h.document["region"] for h in hits} == {"Dalarna"}


def test_each_retriever_alone_still_answers(searcher):
    for mode in ("bm25", "dense"):
        hits = searcher.search("läkemedelsassisterad behandling vid opioidberoende", k=5, mode=mode)
        assert hits, mode

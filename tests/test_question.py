"""Reading a question from its words alone (index/retrieve/question.py, `understand`), without an index."""

from __future__ import annotations

from index.retrieve.question import Intent, understand

HELD = ["Dalarna", "Stockholm"]  # the counties the index holds documents of
LARO = "vem ansvarar för LARO"


def test_a_county_the_question_names_is_taken_out_of_what_is_searched():
    assert understand(f"{LARO} i Dalarna", HELD) == Intent(True, False, "Dalarna", LARO)
    assert understand(f"{LARO} i sthlm", HELD).region == "Stockholm"  # a short form
    gotland = understand("hur gör man i region gotland?", HELD)  # a county no document is from
    assert (gotland.region, gotland.unknown_region, gotland.topic) == (None, "Gotland", "hur gör man")
    jmt = understand("vem ansvarar för tillnyktring i jmt län", HELD)  # a county by a name the product lacks
    assert (jmt.region, jmt.unknown_region, jmt.topic) == (None, "jmt län", "vem ansvarar för tillnyktring")
    for question in ("flytta till ett annat län", "gäller det i hela länet", "i vårt län"):
        assert understand(question, HELD).unknown_region is None, question
    documents_say = {"fel", "respektive"}.__contains__  # words the documents use are no county's name
    assert understand("hamnade i fel län", HELD, documents_say).unknown_region is None
    assert understand("vem ansvarar i respektive län", HELD, documents_say).unknown_region is None
    own = understand("prio för naltrexon i mitt län", HELD)
    assert (own.own_region, own.priority, own.responsibility, own.topic) == (True, True, False, "prio för naltrexon")
    assert understand("abstinens", HELD) == Intent(False, False, None, None)


def test_which_of_two_asks_who():
    """Staff ask who by naming the two they hesitate between, principals or their services and roles."""
    for question in (
        "klinisk undersökning vid inskrivning, ssk eller dr?",
        "frun till en alkis behöver stöd, är det soc eller hc?",
        "psykosocialt stöd vid laro, psyk el kommunen",
        "hemlöshetsförebyggande jobb, är det kommunens grej?",
    ):
        assert understand(question, HELD).responsibility, question
    for question in ("alkohol eller narkotika under graviditet", "hur många platser finns det"):
        assert not understand(question, HELD).responsibility, question

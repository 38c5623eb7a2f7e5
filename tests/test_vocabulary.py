"""Query expansion built from the real corpus: mined abbreviations, thesaurus, typo correction."""

from __future__ import annotations

import tomllib

import pytest

from index.config import PROJECT_DIR
from index.text.abbreviations import long_form, mine_abbreviations
from index.text.vocabulary import THESAURUS_PATH, Vocabulary

CORPUS = PROJECT_DIR / "corpus"


@pytest.fixture(scope="module")
def texts() -> list[str]:
    return [p.read_text(encoding="utf-8") for p in sorted(CORPUS.iterdir()) if p.suffix in (".txt", ".md")]


@pytest.fixture(scope="module")
def vocabulary(texts) -> Vocabulary:
    return Vocabulary.build(texts)


def weights(vocabulary: Vocabulary, query: str) -> dict[str, float]:
    return dict(vocabulary.expand(query))


def test_long_form_spells_the_abbreviation_inside_compounds():
    text = "insatser vid läkemedelsassisterad behandling vid opioidberoende"
    assert long_form("LARO", text) == "läkemedelsassisterad behandling vid opioidberoende"
    assert long_form("SIP", "upprätta en samordnad individuell plan") == "samordnad individuell plan"
    assert long_form("XYZ", "samordnad individuell plan") is None


def test_abbreviations_are_mined_from_the_corpus(vocabulary):
    assert "samordnad individuell plan" in vocabulary.abbreviations["SIP"]
    assert "lagen om omhändertagande av berusade personer" in vocabulary.abbreviations["LOB"]
    assert any("opioidberoende" in long for long in vocabulary.abbreviations["LARO"])


def test_abbreviation_that_is_also_an_ordinary_word_is_not_mined():
    texts = ["lokala arbetsgrupper (LAG) möts", "enligt lag ska", "denna lag gäller", "ny lag"]
    assert "LAG" not in Vocabulary.build(texts).abbreviations
    texts = ["lokala arbetsgrupper (LAG) möts", "LAG träffas varje månad", "en lag"]
    assert Vocabulary.build(texts).abbreviations["LAG"] == {"lokala arbetsgrupper": 1}


def test_an_abbreviation_that_is_a_stop_word_is_not_mined():
    assert mine_abbreviations([("OM", "omvårdnadsmottagning")], lambda word: (0, 0), 3) == {}


def test_abbreviation_expands_both_ways(vocabulary):
    sip = weights(vocabulary, "SIP")
    assert sip["sip"] == 1.0 and 0 < sip[vocabulary.analyzer.stem("samordnad")] < 1
    assert 0 < weights(vocabulary, "samordnad individuell plan")["sip"] < 1


def test_every_thesaurus_entry_names_its_source():
    with open(THESAURUS_PATH, "rb") as handle:
        groups = tomllib.load(handle)["group"]
    assert groups
    for group in groups:
        assert len(group["terms"]) >= 2 and group["source"].strip(), group


def test_thesaurus_synonyms(vocabulary):
    stem = vocabulary.analyzer.stem
    soc = weights(vocabulary, "soc")
    assert 0 < soc[stem("socialtjänsten")] < 1
    avgiftning = weights(vocabulary, "avgiftning")
    assert 0 < avgiftning[stem("abstinensvård")] < 1 and 0 < avgiftning[stem("abstinensbehandling")] < 1
    assert stem("nedtrappning") in weights(vocabulary, "nertrappning")
    assert stem("region") in weights(vocabulary, "landsting")


def test_a_word_that_begins_with_a_thesaurus_term_stands_for_its_group(vocabulary):
    """ "bensopiller" and "knarkberoende" are in no document in any form, but begin with "benso" and
    "knark"; "gräsklippning" begins with "gräs" (cannabis slang), too short a head to trust."""
    stem = vocabulary.analyzer.stem
    assert 0 < weights(vocabulary, "bensopiller")[stem("bensodiazepiner")] < 1
    assert stem("narkotika") in weights(vocabulary, "knarkberoende")
    assert stem("cannabis") not in weights(vocabulary, "gräsklippning")


def test_typos_are_corrected_against_the_corpus(vocabulary):
    assert vocabulary.correct("spelberonde") == "spelberoende"
    assert vocabulary.correct("läkemedelsasisterad") == "läkemedelsassisterad"
    assert vocabulary.correct("sommarn") == "sommaren"


def test_corrected_query_keeps_everything_but_the_typos(vocabulary):
    assert vocabulary.corrected("Vad rekomenderas vid spelberonde?") == "Vad rekommenderas vid spelberoende?"
    assert vocabulary.corrected("LARO i Norrbotten") == "LARO i Norrbotten"


def test_correct_rare_and_short_words_are_left_alone(vocabulary):
    for word in ("norrbus", "klometiazol", "soc", "lvm", "spelberoende", "abstinensbehandlingen"):
        assert vocabulary.correct(word) is None, word


def test_typo_reaches_the_synonyms_of_its_correction(vocabulary):
    expanded = weights(vocabulary, "spelberonde")
    stem = vocabulary.analyzer.stem
    assert expanded[stem("spelberonde")] == 1.0
    assert 0 < expanded[stem("spelberoende")] < 1
    assert 0 < expanded[stem("pengar")] < expanded[stem("spelberoende")]


def test_stop_word_query_expands_to_nothing(vocabulary):
    assert vocabulary.expand("vem ska och för") == []


def test_save_and_load_keep_the_expansion(vocabulary, tmp_path):
    vocabulary.save(tmp_path)
    loaded = Vocabulary.load(tmp_path)
    for query in ("LARO ansvar", "spelberonde", "får soc kräva urinprov"):
        assert loaded.expand(query) == vocabulary.expand(query)


def test_slang_for_a_substance_stands_for_it_in_any_form(vocabulary):
    """ "röker på" (SAOL: röka på, smoke cannabis) and "käkar anabola" reach what the documents call them."""
    stem = vocabulary.analyzer.stem
    assert 0 < weights(vocabulary, "röker på varje dag").get(stem("cannabis"), 0) < 1
    assert 0 < weights(vocabulary, "käkar anabola").get(stem("dopningsmedel"), 0) < 1

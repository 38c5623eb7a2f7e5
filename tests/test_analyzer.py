"""The Swedish analyzer on the real corpus: stems, stop words, compounds, persistence."""

from __future__ import annotations

import unicodedata

import pytest

from index.text.analyzer import Analyzer
from index.config import PROJECT_DIR
from index.params import IndexParams

CORPUS = PROJECT_DIR / "corpus"


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    texts = [p.read_text(encoding="utf-8") for p in sorted(CORPUS.iterdir()) if p.suffix in (".txt", ".md")]
    return Analyzer.from_texts(texts)


def test_lower_cases_stems_and_drops_stop_words(analyzer):
    tokens = analyzer.index_tokens("Vem ansvarar för ABSTINENSBEHANDLINGEN i kommunerna?")
    assert "vem" not in tokens and "för" not in tokens and "i" not in tokens
    assert analyzer.stem("kommunerna") in tokens
    assert analyzer.stem("abstinensbehandlingen") in tokens


def test_decomposed_letters_are_one_word(analyzer):
    decomposed = unicodedata.normalize("NFD", "vården")
    assert analyzer.index_tokens(decomposed) == analyzer.index_tokens("vården")


def test_compounds_yield_their_parts(analyzer):
    def parts(word):
        return set(analyzer.index_tokens(word))

    assert {analyzer.stem("abstinens"), analyzer.stem("behandling")} <= parts("abstinensbehandling")
    assert {analyzer.stem("abstinens"), analyzer.stem("vård")} <= parts("abstinensvård")
    assert {analyzer.stem("spel"), analyzer.stem("beroende")} <= parts("spelberoende")
    # Linking -s-: tillnyktring + s + enheter.
    assert {analyzer.stem("tillnyktring"), analyzer.stem("enheter")} <= parts("tillnyktringsenheter")


def test_short_first_part_splits_only_when_the_corpus_uses_it_as_a_word(analyzer):
    assert analyzer.split("orosanmälan") == ["oro", "anmälan"]
    assert analyzer.stem("anmälningar") in analyzer.index_tokens("orosanmälningar")
    assert analyzer.split("samverkan") is None  # "sam" is no word of its own


def test_spoken_forms_and_stray_letters_are_not_words(analyzer):
    assert analyzer.words("kan man lvm:a nån för spelberoende") == ["lvm", "spelberoende"]
    assert analyzer.words("avd 7") == ["avd", "7"]


def test_derivations_link_verb_noun_and_adjective_forms(analyzer):
    stem = analyzer.stem
    assert {stem("anmälan"), stem("anmälning")} <= set(analyzer.derivations(stem("anmäla")))
    assert stem("gravid") in analyzer.derivations(stem("graviditet"))
    assert stem("behandla") in analyzer.derivations(stem("behandling"))
    assert analyzer.derivations("vår") == []  # too short to carry a suffix


def test_ordinary_words_are_not_split(analyzer):
    for word in ("behandling", "kommunerna", "beroende", "samverkan", "information"):
        assert analyzer.split(word) is None, word


def test_a_compound_the_corpus_lacks_has_known_ends(analyzer):
    """No text says "naloxonutdelning" or "utdelning"; "naloxon" it does say."""
    assert analyzer.split("naloxonutdelningen") is None
    assert analyzer.known_ends("naloxonutdelningen") == ["naloxon"]
    assert analyzer.known_ends("hyresrätt") == ["rätt"]  # what the end is worth is for the caller to judge
    for word in ("abstinensbehandling", "behandling", "spelberoende", "xyzqwerty"):  # known, split, or nothing known
        assert analyzer.known_ends(word) == [], word


def test_line_break_hyphenation_is_one_word(analyzer):
    assert analyzer.index_tokens("beroende-\nframkallande") == analyzer.index_tokens("beroendeframkallande")
    # A hyphen before a conjunction is the Swedish shared-part dash, not a line break in a word.
    assert analyzer.stem("hälso") in analyzer.index_tokens("hälso-\noch sjukvård")


def test_query_and_index_analysis_agree(analyzer):
    text = "Läkemedelsassisterad behandling vid opioidberoende"
    assert analyzer.query_tokens(text) == analyzer.index_tokens(text)


def test_serialisation_keeps_the_analysis(analyzer, tmp_path):
    analyzer.save(tmp_path / "analyzer.json")
    loaded = Analyzer.load(tmp_path / "analyzer.json")
    text = "Tillnyktringsenheter och spelberoende inom socialtjänsten"
    assert loaded.index_tokens(text) == analyzer.index_tokens(text)


def test_compounds_split_by_the_index_parameters_given_and_kept_through_saving(tmp_path):
    counts = {"abstinens": 3, "vård": 5, "hem": 4, "tjänst": 6}
    assert Analyzer(counts).split("abstinensvård") == ["abstinens", "vård"]
    longer_parts = IndexParams().with_values({"min_part": 5})
    assert Analyzer(counts, params=longer_parts).split("abstinensvård") is None  # "vård" is too short a part
    assert Analyzer(counts).split("hemtjänsten") == ["hem", "tjänsten"]
    longer_heads = IndexParams().with_values({"min_head": 4})
    Analyzer(counts, params=longer_heads).save(tmp_path / "analyzer.json")
    loaded = Analyzer.load(tmp_path / "analyzer.json", longer_heads)
    assert loaded.params == longer_heads and loaded.split("hemtjänsten") is None


def test_learns_from_any_swedish_texts():
    analyzer = Analyzer.from_texts(
        ["Fotboll är roligt.", "Klubben har en plan.", "Fotbollsplan och klubbhus.", "Klubbhus finns."]
    )
    assert analyzer.split("fotbollsplan") == ["fotboll", "plan"]
    assert analyzer.stem("fotboll") in analyzer.index_tokens("fotbollsplanen")

"""Typo correction through the bigram index finds what a scan of the whole vocabulary finds."""

from __future__ import annotations

import random

import pytest
from rapidfuzz import process
from rapidfuzz.distance import OSA

from index.text.analyzer import Analyzer
from index.config import PROJECT_DIR
from index.text.typos import TypoIndex
from index.params import IndexParams
from index.text.vocabulary import Vocabulary, typo_ends, unaccented

CORPUS = PROJECT_DIR / "corpus"
PARAMS = IndexParams.defaults()
LETTERS = "abcdefghijklmnopqrstuvwxyzåäö"


@pytest.fixture(scope="module")
def vocabulary() -> Vocabulary:
    texts = [p.read_text(encoding="utf-8") for p in sorted(CORPUS.iterdir()) if p.suffix in (".txt", ".md")]
    return Vocabulary.build(texts)


def misspell(word: str, rng: random.Random) -> str:
    letters = list(word)
    for _ in range(1 if len(word) < PARAMS.long_word else rng.choice((1, 2))):
        at = rng.randrange(len(letters) - 1)
        edit = rng.choice("swap delete insert substitute".split())
        if edit == "swap":
            letters[at], letters[at + 1] = letters[at + 1], letters[at]
        elif edit == "delete" and len(letters) > 5:
            del letters[at]
        elif edit == "insert":
            letters.insert(at, rng.choice(LETTERS))
        else:
            letters[at] = rng.choice(LETTERS)
    return "".join(letters)


def scanned(vocabulary: Vocabulary, word: str, edits: int) -> set[str]:
    """The reference: every vocabulary word of a possible length, measured one by one."""
    words = [w for w in vocabulary.analyzer.word_counts if abs(len(w) - len(word)) <= edits]
    return {w for w, _, _ in process.extract(word, words, scorer=OSA.distance, score_cutoff=edits, limit=None)}


def test_index_finds_every_word_a_scan_finds(vocabulary):
    rng = random.Random(11)
    words = sorted(w for w in vocabulary.analyzer.word_counts if w.isalpha() and len(w) >= 5)
    typos = [misspell(w, rng) for w in rng.sample(words, 400)]
    for typo in typos:
        edits = 1 if len(typo) < PARAMS.long_word else 2
        assert {w for w, _ in vocabulary.typos.within(typo, edits)} == scanned(vocabulary, typo, edits), typo


def test_corrections_are_those_of_a_scan(vocabulary):
    """The same choice as scanning the vocabulary: the same first letter, then fewest edits, then most
    texts, then shortest."""
    rng = random.Random(12)
    words = sorted(w for w in vocabulary.analyzer.word_counts if w.isalpha() and len(w) >= 5)
    corrected = 0
    for word in rng.sample(words, 300):
        typo = misspell(word, rng)
        fixed = vocabulary.correct(typo)
        if fixed is None:
            continue
        corrected += 1
        edits = 1 if len(typo) < PARAMS.long_word else 2
        counts = vocabulary.analyzer.word_counts
        candidates = [w for w in scanned(vocabulary, typo, edits) if unaccented(w[0]) == unaccented(typo[0])]
        best = min(candidates, key=lambda w: (OSA.distance(typo, w), -counts[w], len(w), w))
        assert fixed == best, typo
    assert corrected > 200


def test_staff_typos_are_corrected(vocabulary):
    assert vocabulary.correct("abstinensbehandlng") == "abstinensbehandling"
    assert vocabulary.correct("läkemedelsasisterad") == "läkemedelsassisterad"
    assert vocabulary.correct("beroendevåden") == "beroendevården"
    assert vocabulary.correct("overenskommelsen") == "överenskommelsen"  # typed without Swedish letters
    assert vocabulary.correct("oppenvarden") == "öppenvården"


def test_a_word_is_not_corrected_into_another_word_at_its_first_letter(vocabulary):
    """Each is one edit from a corpus word, and each is a word of its own."""
    assert [vocabulary.typos.within(word, 1)[0][0] for word in ("gården", "krogen", "åring")] == [
        "vården",
        "drogen",
        "kring",
    ]
    assert [vocabulary.correct(word) for word in ("gården", "krogen", "åring")] == [None, None, None]


def test_saved_index_is_mapped_and_answers_alike(vocabulary, tmp_path):
    vocabulary.typos.save(tmp_path)
    words = list(vocabulary.analyzer.word_counts)
    loaded = TypoIndex.load(tmp_path, words)
    for typo in ("abstinensbehandlng", "tillnyktrng", "urinprvo", "beroendemottagnnig"):
        assert loaded.within(typo, 2) == vocabulary.typos.within(typo, 2)


def test_words_without_letters_and_repeated_letters():
    index = TypoIndex.build(["202345", "ananas", "bananer", "123456", "ananasen", "aaaaaa"], typo_ends(PARAMS))
    assert {w for w, _ in index.within("ananaas", 1)} == {"ananas"}
    assert {w for w, _ in index.within("aaaaa", 1)} == {"aaaaaa"}
    assert index.candidates("202346", 1) == []
    assert TypoIndex.build([], typo_ends(PARAMS)).within("ananas", 1) == []
    with pytest.raises(ValueError):
        index.candidates("anan", 1)  # shorter than a word looked up with one edit can be


def test_analyzer_words_are_what_counting_counts():
    text = "LARO-mottagningen och SIP: Socialtjänsten (soc) ansvarar för beroende-\nvården i Region X."
    counts, capitals = Analyzer.count_words(text)
    assert sorted(counts.elements()) == sorted(Analyzer.words(text))
    assert set(capitals) == {"laro", "sip"}

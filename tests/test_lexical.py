"""The lexical index over passages of the real corpus, as staff query it."""

from __future__ import annotations

import bm25s
import numpy as np
import pytest

from index.text.analyzer import Analyzer
from index.config import PROJECT_DIR
from index.retrieve.lexical import LexicalIndex
from index.text.passage_words import PassageWords
from ingest.parse import parse_file

CORPUS = PROJECT_DIR / "corpus"


@pytest.fixture(scope="module")
def passages() -> dict[str, str]:
    found = {}
    for path in sorted(CORPUS.iterdir()):
        if path.suffix in (".txt", ".md"):
            document = parse_file(path)
            for number, chunk in enumerate(document.chunks):
                found[f"{document.doc_id}#{number}"] = chunk.text
    return found


@pytest.fixture(scope="module")
def index(passages) -> LexicalIndex:
    return LexicalIndex.build(list(passages), list(passages.values()))


def top_texts(index, passages, query, k):
    return [passages[i].lower() for i, _ in index.search(query, k)]


@pytest.mark.parametrize(
    "query, expected, k",
    [
        # About twenty passages use the typed word itself and rightly rank first.
        ("abstinensbehandling", "abstinensvård", 15),  # synonym and shared first part
        ("avgiftning", "abstinensvård", 15),  # thesaurus
        ("spelberonde", "spel om pengar", 5),  # typo, then thesaurus
        ("soc", "socialtjänsten", 5),  # everyday short form
        ("nertrappning bensodiazepiner", "nedtrappning", 3),  # spelling variant
        ("läkemedelsasisterad", "läkemedelsassisterad", 3),  # typo
        ("kan man få planerad avgiftning på sommarn", "sommaren", 5),  # colloquial form
        ("får soc kräva urinprov", "urinprov", 3),
        ("LOB", "berusade personer", 5),  # abbreviation mined from the corpus
    ],
)
def test_staff_questions_reach_the_documents_wording(index, passages, query, expected, k):
    assert any(expected in text for text in top_texts(index, passages, query, k))


def test_word_the_corpus_lacks_counts_in_full_through_the_form_it_uses(index):
    stem = index.analyzer.stem
    (sprutbyte,) = index.concepts("sprutbyte")
    assert stem("sprutbyte") not in sprutbyte  # the index never says "sprutbyte" …
    assert sprutbyte[stem("sprututbyte")] == 1.0  # … so its synonym carries the word
    (anmalan,) = index.concepts("anmälan")
    assert anmalan[stem("anmälan")] == 1.0 and 0 < anmalan[stem("anmälning")] < 1


def test_a_term_counts_once_for_each_query_word_it_stands_for(index):
    """As BM25 counts a term the query repeats: "barn och barnen" asks twice about children, and "spel"
    beside "spelberoende" is asked as a word and as the compound's part."""
    stem = index.analyzer.stem
    assert index.query_weights("barn och barnen")[stem("barn")] == 2.0
    (once_id, once), (twice_id, twice) = index.search("barn", 1)[0], index.search("barn och barnen", 1)[0]
    assert twice_id == once_id and twice == pytest.approx(2 * once)
    assert index.query_weights("spelberoende och spel")[stem("spel")] == 1.0 + index.params.part_weight


def test_a_compound_the_corpus_lacks_is_searched_by_its_known_end(index, passages):
    """ "naloxonutdelningen" is in no text in any form; "naloxon" is. Search looks for it, while the
    word still counts as one the corpus lacks."""
    texts = top_texts(index, passages, "naloxonutdelningen", 3)
    assert texts and all("naloxon" in text for text in texts)
    assert index.concepts("naloxonutdelningen") == []
    assert index.concepts("naloxonutdelningen", ends=True) == [{index.analyzer.stem("naloxon"): 1.0}]
    assert index.unknown_words("vem sköter naloxonutdelningen") == ["naloxonutdelningen"]
    assert index.unknown_words("vem sköter naloxonutdelningen", ends=True) == []
    assert not index.off_corpus("vem sköter naloxonutdelningen")


def test_known_ends_stand_in_only_for_a_word_that_reaches_nothing(index):
    """ "socialkontoret" has a synonym the documents use, so it does not also search every "social …"."""
    stem = index.analyzer.stem
    assert index.analyzer.known_ends("socialkontoret") == ["social"]
    (office,) = index.concepts("socialkontoret", ends=True)
    assert office == {stem("socialtjänst"): 1.0}  # the thesaurus's word, not every "social …"


def test_compound_part_synonym_makes_the_documents_compound(index, passages):
    (thoughts,) = index.concepts("självmordstankar")
    assert thoughts[index.analyzer.stem("suicidtankar")] == 1.0
    assert any("suicidtankar" in text for text in top_texts(index, passages, "självmordstankar", 3))


def test_derived_forms_reach_each_other(index, passages):
    assert any("graviditet" in text for text in top_texts(index, passages, "gravid orosanmälan", 5))


def test_correct_rare_word_is_searched_as_typed(index, passages):
    texts = top_texts(index, passages, "norrbus", 3)
    assert texts and all("norrbus" in text for text in texts)


def test_results_are_ranked_and_bounded(index):
    results = index.search("LARO ansvar", 7)
    assert len(results) == 7
    scores = [score for _, score in results]
    assert scores == sorted(scores, reverse=True) and scores[-1] > 0


def test_nothing_to_match_finds_nothing(index):
    assert index.search("vem och för", 5) == []
    assert index.search("qxzqxz", 5) == []


def test_save_and_load_search_alike(index, tmp_path):
    index.save(tmp_path / "lexical")
    loaded = LexicalIndex.load(tmp_path / "lexical")
    for query in ("spelberonde", "LVM läkarintyg", "soc"):
        assert loaded.search(query, 10) == index.search(query, 10)


def test_empty_corpus(tmp_path):
    empty = LexicalIndex.build([], [])
    empty.save(tmp_path / "empty")
    assert LexicalIndex.load(tmp_path / "empty").search("soc", 5) == []


def test_highlight_spans_cover_matched_words(index):
    text = "Regionen ansvarar för abstinensvården.\nSocialtjänsten erbjuder stöd."
    spans = index.highlight_spans(text, "avgiftning soc")
    marked = [text[start:end] for start, end in spans]
    assert marked == ["abstinensvården", "Socialtjänsten"]


def test_highlight_spans_follow_stems_and_line_breaks(index):
    text = "Nedtrappning av beroende-\nframkallande läkemedel"
    marked = [text[start:end] for start, end in index.highlight_spans(text, "nertrappning beroendeframkallande")]
    assert marked == ["Nedtrappning", "beroende-\nframkallande"]


def test_sparse_build_scores_as_bm25s_does(index, passages):
    """The index is built as sparse matrices; bm25s's own build from token lists gives the same scores."""
    reference = bm25s.BM25(k1=index.params.bm25_k1, b=index.params.bm25_b)
    reference.index([index.analyzer.index_tokens(text) for text in passages.values()], show_progress=False)
    for query in ("abstinensbehandling", "LVM läkarintyg", "samordnad individuell plan", "spelberoende unga"):
        terms = [t for t in index.query_weights(query) if t in reference.vocab_dict]
        assert terms, query
        ours = index.retriever.get_scores_from_ids([index.retriever.vocab_dict[t] for t in terms])
        theirs = reference.get_scores_from_ids([reference.vocab_dict[t] for t in terms])
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)


def test_other_bm25_weights_from_the_saved_words_score_as_a_build_with_them(index, passages, tmp_path):
    """The tuner tries other k1 and b by reweighting a saved index instead of building it again."""
    index.save(tmp_path / "saved")
    other = index.params.with_values({"bm25_k1": 1.2, "bm25_b": 0.9})
    reweighted = LexicalIndex.load(tmp_path / "saved").reweighted(tmp_path / "saved", other)
    built = LexicalIndex.build(list(passages), list(passages.values()), other)
    assert (reweighted.retriever.k1, reweighted.retriever.b) == (1.2, 0.9)
    for query in ("abstinensbehandling", "LVM läkarintyg", "spelberoende unga"):
        ids, scores = zip(*reweighted.search(query, 10))
        built_ids, built_scores = zip(*built.search(query, 10))
        assert ids == built_ids and scores == pytest.approx(built_scores, rel=1e-5)
        assert scores != pytest.approx([score for _, score in index.search(query, 10)], rel=1e-3)


def test_next_generation_tokenises_only_what_changed(passages, tmp_path, monkeypatch):
    ids, texts = list(passages), list(passages.values())
    first = LexicalIndex.build(ids, texts)
    first.save(tmp_path / "first")
    # The next corpus: a passage revised, one gone, one new, the rest as they were.
    revised = texts[:]
    revised[3] = revised[3] + " Reviderad: regionen ansvarar för tillnyktring."
    del revised[10]
    revised.append("Ny rutin: kommunen erbjuder sprututbyte och naloxon.")
    new_ids = ids[:10] + ids[11:] + ["ny"]
    counted = []
    original = Analyzer.count_words
    monkeypatch.setattr(Analyzer, "count_words", staticmethod(lambda text: counted.append(text) or original(text)))
    incremental = LexicalIndex.build(new_ids, revised, previous=PassageWords.load(tmp_path / "first"))
    assert sorted(counted) == sorted([revised[3], revised[-1]])
    monkeypatch.setattr(Analyzer, "count_words", staticmethod(original))
    scratch = LexicalIndex.build(new_ids, revised)
    assert incremental.words.words == [w for w in incremental.words.words if w in scratch.analyzer.word_counts]
    assert incremental.analyzer.word_counts == scratch.analyzer.word_counts
    assert incremental.vocabulary.abbreviations == scratch.vocabulary.abbreviations
    for query in ("tillnyktring", "naloxon sprututbyte", "LVM läkarintyg", "spelberonde", "SIP"):
        assert incremental.search(query, 20) == scratch.search(query, 20)
    # The gone passage's words are not carried on.
    only_there = set(first.words.words) - set(scratch.analyzer.word_counts)
    assert only_there and not only_there & set(incremental.words.words)


def test_words_counted_by_other_rules_are_not_reused(index, tmp_path):
    index.save(tmp_path / "lexical")
    assert PassageWords.load(tmp_path / "lexical") is not None
    (tmp_path / "lexical" / "words" / "rules.txt").write_text("counted by an older version")
    assert PassageWords.load(tmp_path / "lexical") is None


def test_highlights_mark_expansions_only_where_the_word_itself_is_missing(index):
    """ "abstinensbehandling" reaches "vård" words through its synonyms; where the word itself
    stands, they are not why the passage matched and are not marked."""
    text = "Abstinensbehandling ges inom primärvård och slutenvård. Vårdplatser finns på heldygnsvården."
    marked = [text[s:e].lower() for s, e in index.highlight_spans(text, "vem ansvarar för abstinensbehandling")]
    assert marked == ["abstinensbehandling"]
    elsewhere = "Avgiftning ges inom primärvård."
    marked = [elsewhere[s:e].lower() for s, e in index.highlight_spans(elsewhere, "abstinensbehandling")]
    assert marked == ["avgiftning"]

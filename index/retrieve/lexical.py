"""BM25 over Swedish-analysed passages, queried with weighted expansions.

bm25s scores unweighted token lists, so the weighted query is scored as one sparse
lookup per distinct weight and the score vectors are summed with their weights: a
handful of vectorised passes whatever the number of passages, no loop over documents.
"""

from __future__ import annotations

import functools
import json
from array import array
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

import bm25s
import numpy as np
import scipy.sparse as sp
from bm25s.scoring import _select_idf_scorer, _select_tfc_scorer
from bm25s.selection import topk

from index.text.analyzer import Analyzer
from index.text.passage_words import PassageWords
from index.params import IndexParams, RankingParams
from index.text.vocabulary import Vocabulary
from ingest.sentences import split_sentences


SENTENCE_CACHE = 4096  # analysed candidate passages kept: the same ones come up query after query
TOKEN_CACHE = 32768  # analysed statements and headings kept, for the same reason
QUERY_CACHE = 512  # questions whose highlighted terms are kept: a page highlights every result for one question


class LexicalIndex:
    def __init__(self, ids: list[str], retriever: bm25s.BM25 | None, vocabulary: Vocabulary):
        self.ids = ids
        self.words: PassageWords | None = None  # kept by a build, for the next generation to reuse
        self.retriever = retriever  # None for an empty corpus, which bm25s cannot index
        self.vocabulary = vocabulary
        self.params = vocabulary.params
        self._position = {i: n for n, i in enumerate(ids)}  # id -> position in the score vector
        self.sentences = functools.lru_cache(maxsize=SENTENCE_CACHE)(self._sentences)
        self.token_set = functools.lru_cache(maxsize=TOKEN_CACHE)(self._token_set)
        self.analysed_words = functools.lru_cache(maxsize=SENTENCE_CACHE)(self._analysed_words)
        self.highlight_terms = functools.lru_cache(maxsize=QUERY_CACHE)(self._highlight_terms)
        self.passage_terms = functools.lru_cache(maxsize=SENTENCE_CACHE)(self._passage_terms)

    @property
    def analyzer(self) -> Analyzer:
        return self.vocabulary.analyzer

    @classmethod
    def build(
        cls,
        ids: list[str],
        texts: Iterable[str],
        params: RankingParams | None = None,
        previous: PassageWords | None = None,
        index_params: IndexParams | None = None,
    ) -> "LexicalIndex":
        """Learn the analyzer and vocabulary from these texts, then index them.

        `texts` may be a stream, read once; passages `previous` holds (the last generation's
        words) are not tokenised again."""
        params = params or RankingParams.defaults()
        words = PassageWords.count(texts, previous)
        del previous  # the last generation's words: let go before the weights are computed
        if len(words) != len(ids):
            raise ValueError("ids and texts differ in length")
        vocabulary = Vocabulary.from_words(words, params=params, index_params=index_params)
        retriever = bm25_from_words(words, vocabulary.analyzer, params) if len(ids) else None
        index = cls(list(ids), retriever, vocabulary)
        index.words = words
        return index

    def save(self, directory: Path) -> None:
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        (directory / "ids.json").write_text(json.dumps(self.ids), encoding="utf-8")
        self.vocabulary.save(directory)
        if self.retriever is not None:
            self.retriever.save(directory / "bm25", show_progress=False)
        if self.words is not None:
            self.words.save(directory)

    @classmethod
    def load(
        cls, directory: Path, params: RankingParams | None = None, index_params: IndexParams | None = None
    ) -> "LexicalIndex":
        directory = Path(directory)
        ids = json.loads((directory / "ids.json").read_text(encoding="utf-8"))
        retriever = None
        if ids:
            retriever = bm25s.BM25.load(directory / "bm25", mmap=True, show_progress=False)
        return cls(ids, retriever, Vocabulary.load(directory, params=params, index_params=index_params))

    def reweighted(self, directory: Path, params: RankingParams) -> "LexicalIndex":
        """The same index with BM25 weights for other `bm25_k1` and `bm25_b`, from the words saved in
        `directory`: the tuner tries them without building the whole generation again."""
        words = PassageWords.load(directory)
        if words is None or self.retriever is None:
            raise ValueError(f"{directory} har inga sparade ord att vikta om")
        return LexicalIndex(self.ids, bm25_from_words(words, self.analyzer, params), self.vocabulary)

    def knows(self, term: str) -> bool:
        return self.retriever is not None and term in self.retriever.vocab_dict

    def concepts(self, query: str, ends: bool = False) -> list[dict[str, float]]:
        """Per query word, its weighted terms that this index holds.

        With `ends`, a compound the index has in no form stands for its known ends: search and
        highlighting look for "avrop" in "avropsprocessen", while what a passage covers of the
        question does not count them ("vård|hund" asks about no "vård")."""
        return self.vocabulary.concepts(query, known=self.knows, ends=ends)

    def query_weights(self, query: str) -> dict[str, float]:
        """The weight BM25 gives each term: summed over the query words it stands for, as BM25 counts
        a term the query repeats ("barn … barnen") or a word's part that the query also asks about."""
        weights: dict[str, float] = defaultdict(float)
        for concept in self.concepts(query, ends=True):
            for term, weight in concept.items():
                weights[term] += weight
        return weights

    def search(self, query: str, k: int, allowed: np.ndarray | None = None) -> list[tuple[str, float]]:
        """The k best passages for the query with their scores; passages matching nothing are left out.

        `allowed` (row ids) restricts the candidates before the cut, so a filtered search finds the
        filter's best passages however many others would outrank them."""
        if self.retriever is None or k <= 0:
            return []
        by_weight: dict[float, list[int]] = defaultdict(list)
        for term, weight in self.query_weights(query).items():
            by_weight[weight].append(self.retriever.vocab_dict[term])
        if not by_weight:
            return []
        scores = np.zeros(len(self.ids), dtype=np.float32)
        for weight, token_ids in by_weight.items():
            scores += weight * self.retriever.get_scores_from_ids(token_ids)
        if allowed is not None:
            mask = np.zeros(len(self.ids), dtype=bool)
            mask[[self._position[str(i)] for i in allowed.tolist() if str(i) in self._position]] = True
            scores[~mask] = 0.0
        top_scores, top_indices = topk(scores, min(k, len(self.ids)), backend="numpy", sorted=True)
        return [(self.ids[i], float(s)) for s, i in zip(top_scores, top_indices) if s > 0]

    def document_share(self, term: str) -> float:
        """Share of passages that contain an analysed term (0 for an unknown term)."""
        token_id = self.retriever.vocab_dict.get(term) if self.retriever is not None else None
        if token_id is None:
            return 0.0
        indptr = self.retriever.scores["indptr"]
        return float(indptr[token_id + 1] - indptr[token_id]) / max(len(self.ids), 1)

    def unknown_words(self, query: str, ends: bool = False) -> list[str]:
        """The query's content words the corpus has in no form: no stem, part, correction or synonym
        (nor, with `ends`, a known end)."""
        return [word for word in self.analyzer.words(query) if not self.concepts(word, ends)]

    def off_corpus(self, query: str) -> bool:
        """True when the question's specific subject is not in the corpus at all.

        A content word the corpus has never seen in any form (no stem, no part,
        no correction, no synonym, no known end) is the subject the user asks
        about; if all the query matched besides it are words most passages share,
        the passages found do not answer it ("vem ansvarar för snöröjning"). A
        compound known by an end ("piss|prov", "knark|beroende") is searched.
        """
        if self.retriever is None:
            return True
        if not self.unknown_subjects(query):
            return False
        matched = self.query_weights(query)
        generic = max(self.params.generic_share, self.params.generic_passages / len(self.ids))
        return all(self.document_share(t) >= generic for t in matched)

    def unknown_subjects(self, query: str) -> list[str]:
        """The query's words long enough to be its subject that no passage has in any form."""
        return [word for word in self.unknown_words(query, ends=True) if len(word) >= self.params.subject_length]

    def _token_set(self, text: str) -> frozenset[str]:
        """A text's analysed terms (a statement, a heading), cached."""
        return frozenset(self.analyzer.index_tokens(text))

    def _sentences(self, text: str) -> tuple[tuple[tuple[str, frozenset[str]], ...], frozenset[str]]:
        """A passage's sentences, each with its analysed terms, and all its terms."""
        sentences = tuple(
            (sentence, frozenset(self.analyzer.index_tokens(sentence))) for sentence in split_sentences(text)
        )
        return sentences, frozenset().union(*(tokens for _, tokens in sentences))

    def _passage_terms(
        self, path: tuple[str, ...], text: str
    ) -> tuple[frozenset[str] | set, frozenset[str], tuple[tuple[str, frozenset[str]], ...]]:
        """A passage's analysed heading, all its terms with its section path's, and its sentences."""
        heading = self.token_set(path[-1]) if path else set()
        sentences, terms = self.sentences(text)
        return heading, self.token_set(" ".join(path[:-1])) | heading | terms, sentences

    def _analysed_words(self, text: str) -> tuple[tuple[tuple[int, int, frozenset[str]], ...], dict[str, list[int]]]:
        """A passage's words with their character spans and analysed terms, and for each of its terms
        the places of the words that have it."""
        spans = tuple(
            (start, end, frozenset(self.analyzer.analyze_word(word)))
            for start, end, word in self.analyzer.word_spans(text)
        )
        places: dict[str, list[int]] = {}
        for place, (_, _, tokens) in enumerate(spans):
            for token in tokens:
                places.setdefault(token, []).append(place)
        return spans, places

    def _highlight_terms(self, query: str) -> tuple[tuple[dict[str, float], set[str]], ...]:
        """Each of the query's concepts with its own terms and their derivations that it holds."""
        out = []
        for concept in self.concepts(query, ends=True):
            own = {term for term, weight in concept.items() if weight >= 1.0}
            own |= {form for term in own for form in self.analyzer.derivations(term) if form in concept}
            out.append((concept, own))
        return tuple(out)

    def highlight_spans(self, text: str, query: str) -> list[tuple[int, int]]:
        """Character spans of the question's words and their forms in `text`.

        A word's expansions (its compound parts, synonyms, spelled-out abbreviations) are marked
        only in a text without the word itself, where they are why the text matched; and then
        only the strongest of them, not every weak relative.
        """
        spans, places = self.analysed_words(text)
        present = places.keys()
        marked: set[str] = set()
        for concept, own in self.highlight_terms(query):
            found = own & present
            if not found:
                strongest = max((concept[term] for term in concept.keys() & present), default=0.0)
                found = {term for term in concept.keys() & present if concept[term] == strongest}
            marked |= found
        chosen = sorted({place for term in marked for place in places[term]})
        return [spans[place][:2] for place in chosen]


def bm25_from_words(words: PassageWords, analyzer: Analyzer, params: RankingParams) -> bm25s.BM25:
    """A bm25s index of the passages' analysed terms, computed as sparse matrices.

    bm25s builds from token lists with a Python loop per passage; here each distinct word is
    analysed once, passage × term frequencies are one sparse product (passage × word counts
    times word × term), and the weights come from bm25s's own scoring functions, computed in
    place in the term-major layout bm25s searches (a test compares the two builds)."""
    terms: dict[str, int] = {}
    word_rows, term_columns = array("q"), array("q")
    for row, word in enumerate(words.words):
        for term in analyzer.analyze_word(word, cache=False):
            word_rows.append(row)
            term_columns.append(terms.setdefault(term, len(terms)))
    to_terms = sp.csr_matrix(
        (
            np.ones(len(word_rows), np.int32),
            (np.frombuffer(word_rows, np.int64), np.frombuffer(term_columns, np.int64)),
        ),
        shape=(len(words.words), len(terms)),
    )
    by_term = (words.counts @ to_terms).tocsc()  # passage × term occurrences, one term after another
    del to_terms
    passages = by_term.shape[0]
    lengths = np.bincount(by_term.indices, weights=by_term.data, minlength=passages).astype(np.float32)
    retriever = bm25s.BM25(k1=params.bm25_k1, b=params.bm25_b)
    score_idf = _select_idf_scorer(retriever.idf_method)
    containing = np.diff(by_term.indptr)
    idf = np.fromiter((score_idf(df, N=passages) for df in containing.tolist()), np.float32, len(terms))
    weights = _select_tfc_scorer(retriever.method)(
        by_term.data.astype(retriever.dtype),
        lengths[by_term.indices],
        max(float(lengths.mean()), 1e-9),
        retriever.k1,
        retriever.b,
    )
    weights *= np.repeat(idf, containing)
    retriever.scores = {
        "data": weights,
        "indices": by_term.indices.astype(retriever.int_dtype, copy=False),
        "indptr": by_term.indptr,
        "num_docs": passages,
    }
    retriever.vocab_dict = terms
    retriever.nonoccurrence_array = None  # only BM25L and BM25+ need it
    retriever.unique_token_ids_set = set(terms.values())
    return retriever

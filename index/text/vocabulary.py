"""Query expansion: what staff type is rarely what the agreements say.

Three sources, all turned into weighted analysed terms for the lexical index:
abbreviations the corpus spells out itself ("samordnad individuell plan (SIP)"), a small
curated thesaurus with a source for every entry (index/data/thesaurus.toml), and typo
correction against the corpus vocabulary. Nothing here knows any particular county.
"""

from __future__ import annotations

import functools
import json
import math
import tomllib
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from index.text.abbreviations import mine_abbreviations
from index.text.analyzer import STOPWORDS, Analyzer
from index.params import IndexParams, RankingParams
from index.text.passage_words import PassageWords
from index.text.typos import TypoIndex

THESAURUS_PATH = Path(__file__).parent.parent / "data" / "thesaurus.toml"

ORIGINAL_WEIGHT = 1.0  # the word as typed; the other weights (index/params.py) are shares of it


@dataclass(frozen=True)
class Group:
    """Terms that mean the same thing; `source` says why."""

    terms: tuple[str, ...]
    source: str
    weight: float


def load_thesaurus(path: Path = THESAURUS_PATH, weight: float = 1.0) -> list[Group]:
    with open(path, "rb") as handle:
        data = tomllib.load(handle)
    return [Group(tuple(g["terms"]), g["source"], weight) for g in data.get("group", [])]


def typo_ends(params: IndexParams) -> dict[int, int]:
    """Edits → letters compared at each end of a word when looking for candidates: as many as the
    shortest word corrected with those edits keeps after them (index/text/typos.py)."""
    return {1: params.min_correctable - 1, 2: params.long_word - 2}


def unaccented(letter: str) -> str:
    """A letter without its accent: "ö" is "o" to someone typing without Swedish letters."""
    return unicodedata.normalize("NFD", letter)[0]


EXPANSION_CACHE = 1024  # distinct recent queries, and distinct words corrected


class Vocabulary:
    """Expands a query into weighted analysed terms; built from the corpus it will search."""

    def __init__(
        self,
        analyzer: Analyzer,
        abbreviations: dict[str, dict[str, int]],
        thesaurus: list[Group] | None = None,
        params: RankingParams | None = None,
        typos: TypoIndex | None = None,
    ):
        self.analyzer = analyzer
        self.abbreviations = abbreviations
        self.params = params or RankingParams.defaults()
        self.thesaurus = load_thesaurus(weight=self.params.synonym_weight) if thesaurus is None else thesaurus
        mined = [
            Group((short, *longs), "mined from the corpus", self.params.mined_weight)
            for short, longs in abbreviations.items()
        ]
        self.groups = self.thesaurus + mined
        # Every term of every group as its sequence of stems, to find it inside a query.
        self._phrases: dict[tuple[str, ...], list[int]] = {}
        for number, group in enumerate(self.groups):
            for term in group.terms:
                key = tuple(analyzer.stem(w) for w in analyzer.words(term))
                if key:
                    self._phrases.setdefault(key, []).append(number)
        # The phrases by their first stem (places in _phrases): a query reaches only those that begin
        # with one of its stems, tried in the order of _phrases as before.
        self._phrase_list = list(self._phrases.items())
        self._by_first: dict[str, list[int]] = {}
        for place, (phrase, _) in enumerate(self._phrase_list):
            self._by_first.setdefault(phrase[0], []).append(place)
        self._typos = typos
        # One search expands the same query for retrieval, coverage and every highlighted hit,
        # and corrects it before that; typo correction scans the vocabulary, so each query is
        # expanded once and each word corrected once.
        self._concepts = functools.lru_cache(maxsize=EXPANSION_CACHE)(self._expand)
        self.correct = functools.lru_cache(maxsize=EXPANSION_CACHE)(self._correct)

    @classmethod
    def build(
        cls, texts: Iterable[str], params: RankingParams | None = None, index_params: IndexParams | None = None
    ) -> "Vocabulary":
        return cls.from_words(PassageWords.count(texts), params=params, index_params=index_params)

    @classmethod
    def from_words(
        cls,
        words: PassageWords,
        thesaurus_path: Path = THESAURUS_PATH,
        params: RankingParams | None = None,
        index_params: IndexParams | None = None,
    ) -> "Vocabulary":
        """Learned from the corpus's counted words: which words it knows, and the abbreviations it defines."""
        params = params or RankingParams.defaults()
        analyzer = Analyzer(dict(zip(words.words, words.document_frequencies().tolist())), params=index_params)
        abbreviations = mine_abbreviations(
            words.all_definitions(), words.written(), analyzer.params.abbreviation_expansions
        )
        return cls(analyzer, abbreviations, load_thesaurus(thesaurus_path, params.synonym_weight), params)

    # -- typo tolerance -----------------------------------------------------------------

    def _correct(self, word: str) -> str | None:
        """The corpus word a query word is a typo of, or None when it should stay as typed.

        Only words the corpus does not know, whose stem it does not know either and that are
        not compounds of known words, are corrected; "Norrbus" or a rare drug name that the
        corpus uses is never touched. A correction keeps the first letter (but for its accent:
        "overenskommelse"): people seldom mistype it, and a word the corpus lacks that differs
        from one of its words there is most often another word ("gården", "krogen", "åring" are
        no typos of "vården", "drogen", "kring"). Among the words within one edit (two for long
        words) the one in most texts wins, then the shorter, then the first in alphabetical order.
        """
        if (
            len(word) < self.analyzer.params.min_correctable
            or not word.isalpha()
            or word in STOPWORDS  # "eller" is no typo of "heller": stop words are not in the index at all
            or self.analyzer.has_form(word)
        ):
            return None
        limit = 1 if len(word) < self.analyzer.params.long_word else 2
        matches = [m for m in self.typos.within(word, limit) if unaccented(m[0][0]) == unaccented(word[0])]
        if not matches:
            return None
        best, _ = min(matches, key=lambda m: (m[1], -self.analyzer.word_counts[m[0]], len(m[0]), m[0]))
        return best

    @property
    def typos(self) -> TypoIndex:
        """The saved index when loaded with a generation; built on first use otherwise."""
        if self._typos is None:
            self._typos = TypoIndex.build(list(self.analyzer.word_counts), typo_ends(self.analyzer.params))
        return self._typos

    def corrected(self, query: str) -> str:
        """The query with each typo replaced by the corpus word it stands for."""
        pieces, last = [], 0
        for start, end, word in self.analyzer.word_spans(query):
            correction = self.correct(word)
            if correction:
                pieces += [query[last:start], correction]
                last = end
        return "".join(pieces) + query[last:]

    # -- expansion ----------------------------------------------------------------------

    def expand(self, query: str) -> list[tuple[str, float]]:
        """Weighted analysed terms for a query: as typed 1.0, everything inferred lower."""
        weights: dict[str, float] = {}
        for concept in self.concepts(query):
            for term, weight in concept.items():
                weights[term] = max(weights.get(term, 0.0), weight)
        return sorted(weights.items(), key=lambda item: (-item[1], item[0]))

    def concepts(
        self, query: str, known: Callable[[str], bool] | None = None, ends: bool = False
    ) -> list[dict[str, float]]:
        """Per query word, the weighted terms it may stand for.

        With `known` (does the index hold this term?), terms the index lacks are dropped and
        a query word the documents never use in the form typed counts in full through the
        forms they do use: "sprutbyte" searches "sprututbyte" as hard as a word the corpus knows.
        With `ends`, a word that reaches no indexed term at all stands for its known ends instead
        ("avrop|sprocessen" → "avrop"); without, such a word has no concept: the corpus has it in
        no form."""
        if known is None:
            return [dict(concept) for concept, _ in self._concepts(query)]
        found = []
        for concept, fallback in self._concepts(query):
            present = {term: weight for term, weight in concept.items() if known(term)}
            if not present and ends:
                present = {term: ORIGINAL_WEIGHT for term in fallback if known(term)}
            if present:
                scale = ORIGINAL_WEIGHT / max(present.values())
                found.append({term: weight * scale for term, weight in present.items()})
        return found

    def _expand(self, query: str) -> tuple[tuple[dict[str, float], tuple[str, ...]], ...]:
        """One concept per query word: the terms it may stand for, with their weights, and the
        stems of its known ends (none for a word the corpus knows)."""
        concepts: list[dict[str, float]] = []
        fallbacks: list[tuple[str, ...]] = []
        # Each query position with the stems it may stand for (as typed, or corrected).
        positions: list[dict[str, float]] = []
        for word in self.analyzer.words(query):
            concept: dict[str, float] = {}
            self._add_word(concept, word, ORIGINAL_WEIGHT)
            alternatives = {self.analyzer.stem(word): ORIGINAL_WEIGHT}
            # A compound's parts find synonyms too: "självmordstankar" reaches "suicid".
            for part in self.analyzer.analyze_word(word)[1:]:
                alternatives.setdefault(part, ORIGINAL_WEIGHT * self.params.part_weight)
            self._add_compound_synonyms(concept, word)
            self._add_thesaurus_head(concept, word)
            corrected = self.correct(word)
            if corrected:
                self._add_word(concept, corrected, self.params.correction_weight)
                alternatives[self.analyzer.stem(corrected)] = self.params.correction_weight
            concepts.append(concept)
            fallbacks.append(tuple(self.analyzer.stem(end) for end in self.analyzer.known_ends(word)))
            positions.append(alternatives)

        reachable = sorted(
            {place for alternatives in positions for stem in alternatives for place in self._by_first.get(stem, ())}
        )
        for phrase, numbers in (self._phrase_list[place] for place in reachable):
            for start in range(len(positions) - len(phrase) + 1):
                window = positions[start : start + len(phrase)]
                if all(stem in alts for stem, alts in zip(phrase, window)):
                    found = min(alts[stem] for stem, alts in zip(phrase, window))
                    for number in numbers:
                        for concept in concepts[start : start + len(phrase)]:
                            self._add_group(concept, number, found)
        return tuple(zip(concepts, fallbacks))

    def _add_compound_synonyms(self, concept: dict[str, float], word: str) -> None:
        """The compound with a part swapped for its synonym: "självmordstankar" → "suicidtankar"."""
        parts = self.analyzer.split(word) or []
        for i, part in enumerate(parts):
            for number in self._phrases.get((self.analyzer.stem(part),), ()):
                group = self.groups[number]
                for term in group.terms:
                    if " " in term or term.lower() == part:
                        continue
                    for link in ("", "s") if i < len(parts) - 1 else ("",):
                        variant = "".join(parts[:i]) + term.lower() + link + "".join(parts[i + 1 :])
                        self._add_word(concept, variant, group.weight)

    def _add_thesaurus_head(self, concept: dict[str, float], word: str) -> None:
        """A word the corpus has in no form that begins with a thesaurus term ("benso|piller",
        "knark|beroende") stands for that term's group, as a compound's part does: the corpus's
        words are not needed to know that "benso" is a bensodiazepin. The head must be longer than
        a compound part may be (`min_part`), since a short one is a guess ("gräs|klippning")."""
        if self.analyzer.has_form(word) or not word.isalpha():
            return
        shortest = self.analyzer.params.min_part + 1
        for end in range(len(word) - 1, shortest - 1, -1):
            groups = self._phrases.get((self.analyzer.stem(word[:end]),), ())
            if groups:
                for number in groups:
                    self._add_group(concept, number, self.params.part_weight)
                return

    def _add_word(self, concept: dict[str, float], word: str, weight: float) -> None:
        primary, *parts = self.analyzer.analyze_word(word)
        related = [(primary, weight)]
        part_weight, derived_weight = self.params.part_weight, self.params.derived_weight
        related += [(derived, weight * derived_weight) for derived in self.analyzer.derivations(primary)]
        for part in parts:
            related += [(part, weight * part_weight)]
            related += [(derived, weight * part_weight * derived_weight) for derived in self.analyzer.derivations(part)]
        for term, term_weight in related:
            concept[term] = max(concept.get(term, 0.0), term_weight)

    def _add_group(self, concept: dict[str, float], number: int, found: float) -> None:
        group = self.groups[number]
        for term in group.terms:
            words = self.analyzer.words(term)
            # A long expansion must not outweigh the short word the user typed.
            weight = found * group.weight / math.sqrt(max(len(words), 1))
            for word in words:
                self._add_word(concept, word, weight)

    # -- persistence --------------------------------------------------------------------

    def to_json(self) -> str:
        """The mined abbreviations; the analyzer and the thesaurus are saved on their own."""
        return json.dumps({"abbreviations": self.abbreviations}, ensure_ascii=False)

    @classmethod
    def from_json(
        cls, data: str, analyzer: Analyzer, thesaurus_path: Path = THESAURUS_PATH, params: RankingParams | None = None
    ) -> "Vocabulary":
        params = params or RankingParams.defaults()
        return cls(
            analyzer, json.loads(data)["abbreviations"], load_thesaurus(thesaurus_path, params.synonym_weight), params
        )

    def save(self, directory: Path) -> None:
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        self.analyzer.save(directory / "analyzer.json")
        (directory / "vocabulary.json").write_text(self.to_json(), encoding="utf-8")
        self.typos.save(directory)

    @classmethod
    def load(
        cls,
        directory: Path,
        thesaurus_path: Path = THESAURUS_PATH,
        params: RankingParams | None = None,
        index_params: IndexParams | None = None,
    ) -> "Vocabulary":
        """A saved vocabulary; `index_params` are those its generation was built with."""
        directory = Path(directory)
        analyzer = Analyzer.load(directory / "analyzer.json", index_params)
        vocabulary = cls.from_json(
            (directory / "vocabulary.json").read_text(encoding="utf-8"), analyzer, thesaurus_path, params
        )
        vocabulary._typos = TypoIndex.load(directory, list(analyzer.word_counts))
        return vocabulary

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
import re
import tomllib
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from rapidfuzz import process
from rapidfuzz.distance import OSA

from index.analyzer import STOPWORDS, Analyzer

THESAURUS_PATH = Path(__file__).parent / "data" / "thesaurus.toml"

ORIGINAL_WEIGHT = 1.0
PART_WEIGHT = 0.5  # a compound's parts say less than the compound
DERIVED_WEIGHT = 0.7  # "anmälan" for "anmäla": the same act, another word class
CORRECTION_WEIGHT = 0.8
SYNONYM_WEIGHT = 0.6
MINED_WEIGHT = 0.5  # abbreviations mined from the corpus, not checked by a person

MIN_CORRECTABLE = 5  # shorter words have too many one-edit neighbours
MAX_EXPANSIONS = 3  # expansions kept per mined abbreviation, most frequent first

# "(SIP)" after its expansion, or "SIP (samordnad individuell plan)".
_PARENS = re.compile(r"\(([^()\n]{2,80})\)")
_SHORT_FORM = re.compile(r"^[A-ZÅÄÖ][A-ZÅÄÖa-zåäö0-9]{1,9}$")
_CLAUSE_END = re.compile(r"[.;:!?()\[\]]|\n\s*\n")


@dataclass(frozen=True)
class Group:
    """Terms that mean the same thing; `source` says why."""

    terms: tuple[str, ...]
    source: str
    weight: float


def load_thesaurus(path: Path = THESAURUS_PATH) -> list[Group]:
    with open(path, "rb") as handle:
        data = tomllib.load(handle)
    return [Group(tuple(g["terms"]), g["source"], SYNONYM_WEIGHT) for g in data.get("group", [])]


def is_short_form(token: str) -> bool:
    """An abbreviation: one word, mostly capitals ("SIP", "LARO", "SoL")."""
    return bool(_SHORT_FORM.match(token)) and sum(c.isupper() for c in token) * 2 > len(token)


def long_form(short: str, text: str) -> str | None:
    """The shortest tail of `text` whose letters spell `short` in order (Schwartz & Hearst, 2003).

    The first letter of the abbreviation must begin a word; the others may sit inside words,
    as Swedish compounds demand ("läkemedelsassisterad behandling ... (LARO)").
    """
    words = text.split()[-min(len(short) + 5, 2 * len(short)) :]
    candidate = " ".join(words)
    s, pos = len(short) - 1, len(candidate) - 1
    while s >= 0:
        char = short[s].lower()
        if not char.isalnum():
            s -= 1
            continue
        while pos >= 0 and (
            candidate[pos].lower() != char or (s == 0 and pos > 0 and candidate[pos - 1].isalnum())
        ):
            pos -= 1
        if pos < 0:
            return None
        pos -= 1
        s -= 1
    found = candidate[candidate.rfind(" ", 0, pos + 1) + 1 :]
    if len(found) <= len(short) or short.lower() in re.findall(r"[^\W_]+", found.lower()):
        return None
    return found


def mine_abbreviations(texts: Iterable[str]) -> dict[str, dict[str, int]]:
    """Abbreviations each text defines, with how often each expansion was seen."""
    found: dict[str, Counter[str]] = {}
    cases: Counter[tuple[str, bool]] = Counter()
    for text in texts:
        for match in _PARENS.finditer(text):
            inside = match.group(1).strip()
            before = _CLAUSE_END.split(text[max(0, match.start() - 200) : match.start()])[-1]
            if is_short_form(inside):
                short, expansion = inside, long_form(inside, before)
            elif before.split() and is_short_form(before.split()[-1]) and len(inside.split()) > 1:
                short = before.split()[-1]
                expansion = long_form(short, inside)
            else:
                continue
            if expansion:
                expansion = " ".join(unicodedata.normalize("NFKC", expansion).lower().split())
                found.setdefault(short, Counter())[expansion] += 1
        for word in re.findall(r"[^\W_]+", text):
            cases[word.lower(), word.isupper()] += 1
    # "LAG" (lokala arbetsgrupper) is also the ordinary word "lag": keep an abbreviation only
    # where the corpus writes it mostly in capitals.
    return {
        short: dict(expansions.most_common(MAX_EXPANSIONS))
        for short, expansions in found.items()
        if cases[short.lower(), False] <= cases[short.lower(), True]
    }


EXPANSION_CACHE = 1024  # distinct recent queries, and distinct words corrected


class Vocabulary:
    """Expands a query into weighted analysed terms; built from the corpus it will search."""

    def __init__(
        self,
        analyzer: Analyzer,
        abbreviations: dict[str, dict[str, int]],
        thesaurus: list[Group] | None = None,
    ):
        self.analyzer = analyzer
        self.abbreviations = abbreviations
        self.thesaurus = load_thesaurus() if thesaurus is None else thesaurus
        mined = [Group((short, *longs), "mined from the corpus", MINED_WEIGHT) for short, longs in abbreviations.items()]
        self.groups = self.thesaurus + mined
        # Every term of every group as its sequence of stems, to find it inside a query.
        self._phrases: dict[tuple[str, ...], list[int]] = {}
        for number, group in enumerate(self.groups):
            for term in group.terms:
                key = tuple(analyzer.stem(w) for w in analyzer.words(term))
                if key:
                    self._phrases.setdefault(key, []).append(number)
        self._by_length: dict[int, list[str]] = {}
        for word in analyzer.word_counts:
            self._by_length.setdefault(len(word), []).append(word)
        # One search expands the same query for retrieval, coverage and every highlighted hit,
        # and corrects it before that; typo correction scans the vocabulary, so each query is
        # expanded once and each word corrected once.
        self._concepts = functools.lru_cache(maxsize=EXPANSION_CACHE)(self._expand)
        self.correct = functools.lru_cache(maxsize=EXPANSION_CACHE)(self._correct)

    @classmethod
    def build(cls, texts: Iterable[str], analyzer: Analyzer | None = None, thesaurus_path: Path = THESAURUS_PATH) -> "Vocabulary":
        texts = list(texts)
        analyzer = analyzer or Analyzer.from_texts(texts)
        return cls(analyzer, mine_abbreviations(texts), load_thesaurus(thesaurus_path))

    # -- typo tolerance -----------------------------------------------------------------

    def _correct(self, word: str) -> str | None:
        """The corpus word a query word is a typo of, or None when it should stay as typed.

        Only words the corpus does not know, whose stem it does not know either and that are
        not compounds of known words, are corrected; "Norrbus" or a rare drug name that the
        corpus uses is never touched. Among the words within one edit (two for long words)
        the one in most texts wins.
        """
        if (
            len(word) < MIN_CORRECTABLE
            or not word.isalpha()
            or word in STOPWORDS  # "eller" is no typo of "heller": stop words are not in the index at all
            or word in self.analyzer.word_counts
            or self.analyzer.knows_stem(self.analyzer.stem(word))
            or self.analyzer.split(word)
        ):
            return None
        limit = 1 if len(word) < 8 else 2
        candidates = [w for n in range(len(word) - limit, len(word) + limit + 1) for w in self._by_length.get(n, ())]
        matches = process.extract(word, candidates, scorer=OSA.distance, score_cutoff=limit, limit=None)
        if not matches:
            return None
        best, _, _ = min(matches, key=lambda m: (m[1], -self.analyzer.word_counts[m[0]]))
        return best

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

    def expand(self, query: str, known: Callable[[str], bool] | None = None) -> list[tuple[str, float]]:
        """Weighted analysed terms for a query: as typed 1.0, everything inferred lower."""
        weights: dict[str, float] = {}
        for concept in self.concepts(query, known):
            for term, weight in concept.items():
                weights[term] = max(weights.get(term, 0.0), weight)
        return sorted(weights.items(), key=lambda item: (-item[1], item[0]))

    def concepts(self, query: str, known: Callable[[str], bool] | None = None) -> list[dict[str, float]]:
        """Per query word, the weighted terms it may stand for.

        With `known` (does the index hold this term?), terms the index lacks are dropped and
        a query word the documents never use in the form typed counts in full through the
        forms they do use: "sprutbyte" searches "sprututbyte" as hard as a word the corpus knows.
        """
        if known is None:
            return [dict(concept) for concept in self._concepts(query)]
        found = []
        for concept in self._concepts(query):
            present = {term: weight for term, weight in concept.items() if known(term)}
            if present:
                scale = ORIGINAL_WEIGHT / max(present.values())
                found.append({term: weight * scale for term, weight in present.items()})
        return found

    def _expand(self, query: str) -> tuple[dict[str, float], ...]:
        """One concept per query word: the terms it may stand for, with their weights."""
        concepts: list[dict[str, float]] = []
        # Each query position with the stems it may stand for (as typed, or corrected).
        positions: list[dict[str, float]] = []
        for word in self.analyzer.words(query):
            concept: dict[str, float] = {}
            self._add_word(concept, word, ORIGINAL_WEIGHT)
            alternatives = {self.analyzer.stem(word): ORIGINAL_WEIGHT}
            # A compound's parts find synonyms too: "självmordstankar" reaches "suicid".
            for part in self.analyzer.analyze_word(word)[1:]:
                alternatives.setdefault(part, ORIGINAL_WEIGHT * PART_WEIGHT)
            self._add_compound_synonyms(concept, word)
            corrected = self.correct(word)
            if corrected:
                self._add_word(concept, corrected, CORRECTION_WEIGHT)
                alternatives[self.analyzer.stem(corrected)] = CORRECTION_WEIGHT
            concepts.append(concept)
            positions.append(alternatives)

        for phrase, numbers in self._phrases.items():
            for start in range(len(positions) - len(phrase) + 1):
                window = positions[start : start + len(phrase)]
                if all(stem in alts for stem, alts in zip(phrase, window)):
                    found = min(alts[stem] for stem, alts in zip(phrase, window))
                    for number in numbers:
                        for concept in concepts[start : start + len(phrase)]:
                            self._add_group(concept, number, found)
        return tuple(concepts)

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

    def _add_word(self, concept: dict[str, float], word: str, weight: float) -> None:
        primary, *parts = self.analyzer.analyze_word(word)
        related = [(primary, weight)]
        related += [(derived, weight * DERIVED_WEIGHT) for derived in self.analyzer.derivations(primary)]
        for part in parts:
            related += [(part, weight * PART_WEIGHT)]
            related += [(derived, weight * PART_WEIGHT * DERIVED_WEIGHT) for derived in self.analyzer.derivations(part)]
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
    def from_json(cls, data: str, analyzer: Analyzer, thesaurus_path: Path = THESAURUS_PATH) -> "Vocabulary":
        return cls(analyzer, json.loads(data)["abbreviations"], load_thesaurus(thesaurus_path))

    def save(self, directory: Path) -> None:
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        self.analyzer.save(directory / "analyzer.json")
        (directory / "vocabulary.json").write_text(self.to_json(), encoding="utf-8")

    @classmethod
    def load(cls, directory: Path, thesaurus_path: Path = THESAURUS_PATH) -> "Vocabulary":
        directory = Path(directory)
        analyzer = Analyzer.load(directory / "analyzer.json")
        return cls.from_json((directory / "vocabulary.json").read_text(encoding="utf-8"), analyzer, thesaurus_path)

"""Swedish text analysis shared by indexing and querying, so both sides produce the same terms.

Staff write other word forms and other compounds than the documents ("abstinensbehandling"
where a text says "abstinensvård"), so every word yields its Snowball stem plus the stems of
its compound parts. Compounds are split only against words the corpus itself uses standalone:
no dictionary of any particular county or field is assumed.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path

import Stemmer
from bm25s.stopwords import STOPWORDS_SWEDISH

from index.params import IndexParams

# The Snowball/NLTK Swedish list (shipped with bm25s) plus function words it lacks that
# agreements use in nearly every sentence and that carry no topic, and the spoken forms of
# listed words that staff type ("kan man lvm:a nån").
EXTRA_STOPWORDS = ("ska", "skall", "samt", "även", "hos", "genom", "bör", "sker", "finns")
SPOKEN_STOPWORDS = ("nån", "nåt", "nåra", "nånting", "sån", "sånt", "såna", "dom", "mej", "dej", "sej", "va")
STOPWORDS = frozenset(STOPWORDS_SWEDISH) | frozenset(EXTRA_STOPWORDS) | frozenset(SPOKEN_STOPWORDS)

# Letters and digits; combining marks stay inside the word so a decomposed "å" does not split it.
_LETTERS = r"(?:[^\W_]|[\u0300-\u036f])+"
_MARKS = re.compile(r"[\u0300-\u036f]")
# Text extracted from PDFs hyphenates at line ends ("behand-\nling"): a hyphen, a line break and a
# lower-case continuation that is not a conjunction ("hälso-\noch sjukvård") is one word.
_LINE_END_JOIN = r"(?:-[ \t]*\r?\n[ \t]*(?!(?:och|eller|samt|till)\b)(?=[a-zåäöéü]){letters})*"
WORD_RE = re.compile(_LETTERS + _LINE_END_JOIN.format(letters=_LETTERS))
# The same words in text without combining marks (nearly all text once NFKC has composed "å"),
# found a third faster: this runs over every passage at every build.
_PLAIN_WORD_RE = re.compile(r"[^\W_]+" + _LINE_END_JOIN.format(letters=r"[^\W_]+"))


def _word_pattern(text: str) -> re.Pattern:
    return WORD_RE if _MARKS.search(text) else _PLAIN_WORD_RE


_LINE_BREAK_HYPHEN = re.compile(r"-\s+")

LINKS = ("", "s")  # Swedish linking morpheme: tillnyktring+s+enhet
# Noun-forming suffixes that Snowball leaves on: anmäl|an, anmäl|ning, behandl|ing, gravid|itet, upplev|else.
DERIVATIONS = ("ing", "ning", "an", "itet", "else")


def _fold(written: str) -> str:
    """A word as found by WORD_RE (already NFKC) in its indexed form."""
    return (_LINE_BREAK_HYPHEN.sub("", written) if "-" in written else written).lower()


def _is_content(word: str) -> bool:
    return word not in STOPWORDS and (len(word) > 1 or word.isdigit())


def normalize(word: str) -> str:
    """NFKC folds ligatures and composes å/ä/ö, so every source spells a word alike."""
    return _LINE_BREAK_HYPHEN.sub("", unicodedata.normalize("NFKC", word)).lower()


class Analyzer:
    """Tokenizes, stems and decompounds Swedish; built from the corpus's word document frequencies.

    How it splits compounds (`min_part`, `min_head`, `split_margin`) is `params`: a generation's
    analyzer is loaded with those it was built with."""

    def __init__(
        self,
        word_counts: dict[str, int] | None = None,
        modifiers: dict[str, int] | None = None,
        params: IndexParams | None = None,
    ):
        self.params = params or IndexParams.defaults()
        self._min_compound = 2 * self.params.min_part  # the shortest word split: two shortest parts
        self.word_counts: dict[str, int] = dict(word_counts or {})
        self.modifiers: dict[str, int] = self._learn_modifiers() if modifiers is None else dict(modifiers)
        self._stemmer = Stemmer.Stemmer("swedish")
        # An inflected last part ("fotbolls|planen") is known through its stem.
        self._stem_counts: Counter[str] = Counter()
        for word, count in self.word_counts.items():
            if word not in STOPWORDS:
                self._stem_counts[self.stem(word)] += count
        self._cache: dict[str, list[str]] = {}
        self._splits: dict[str, list[str] | None] = {}

    @classmethod
    def from_texts(cls, texts: Iterable[str]) -> "Analyzer":
        """Learn the known-word list: each standalone word with the number of texts it occurs in."""
        counts: Counter[str] = Counter()
        for text in texts:
            counts.update(set(cls.words(text)))
        return cls(counts)

    def _learn_modifiers(self) -> dict[str, int]:
        """First parts that never stand alone but begin several compounds of known words.

        Swedish texts say "abstinensvård", "abstinensbehandling", "abstinenssymtom" and never
        "abstinens" alone; a prefix seen before at least two different known words is a word.
        """
        tails: dict[str, set[str]] = {}
        for word in self.word_counts:
            if len(word) < self._min_compound or not word.isalpha():
                continue
            for i in range(self.params.min_part, len(word) - self.params.min_part + 1):
                head, tail = word[:i], word[i:]
                if head not in STOPWORDS and self.is_known(tail):
                    tails.setdefault(head, set()).add(tail)
        return {head: len(t) for head, t in tails.items() if len(t) >= 2 and head not in self.word_counts}

    # -- tokenization -------------------------------------------------------------------

    @staticmethod
    def word_spans(text: str) -> Iterator[tuple[int, int, str]]:
        """Every word with its character span in the original text and its normalised form."""
        for match in _word_pattern(text).finditer(text):
            yield match.start(), match.end(), normalize(match.group())

    @staticmethod
    def words(text: str) -> list[str]:
        """Normalised words, stop words and stray letters ("lvm:a") removed.

        The same words as `word_spans` gives, normalised in one pass over the text: this runs
        over every candidate passage of every query.
        """
        text = unicodedata.normalize("NFKC", text)
        found = (_fold(w) for w in _word_pattern(text).findall(text))
        return [w for w in found if _is_content(w)]

    @staticmethod
    def count_words(text: str) -> tuple[Counter[str], Counter[str]]:
        """The text's words (as `words`) with their counts, and how often each was written in
        capitals ("SIP", "LAG"): all a passage contributes to the index, found in one pass."""
        counts: Counter[str] = Counter()
        capitals: Counter[str] = Counter()
        text = unicodedata.normalize("NFKC", text)
        for written in _word_pattern(text).findall(text):
            word = _fold(written)
            if _is_content(word):
                counts[word] += 1
                if written.isupper():
                    capitals[word] += 1
        return counts, capitals

    def stem(self, word: str) -> str:
        return self._stemmer.stemWord(word)

    # -- decompounding ------------------------------------------------------------------

    def is_known(self, word: str) -> bool:
        return word in self.word_counts and word not in STOPWORDS

    def knows_stem(self, stem: str) -> bool:
        """Whether some corpus word has this stem, i.e. the word is a known word in another form."""
        return stem in self._stem_counts

    def has_form(self, word: str) -> bool:
        """Whether the corpus has the word as written, in another inflection, or as a compound of its words."""
        return word in self.word_counts or self.knows_stem(self.stem(word)) or bool(self.split(word))

    def _count(self, part: str) -> int:
        """How often a part occurs: as a word, as the stem of inflected words, or as a first part."""
        if part in STOPWORDS:
            return 0
        stem = self.stem(part)
        by_stem = self._stem_counts.get(stem, 0) if len(stem) >= self.params.min_part else 0  # "aren" is no "ar"
        return self.word_counts.get(part) or by_stem or self.modifiers.get(part, 0)

    def split(self, word: str, cache: bool = True) -> list[str] | None:
        """Split a compound into known words (fewest parts, then most frequent), or None.

        A first part must be a word the corpus uses on its own or that begins several of its
        compounds; the last part may be inflected; between parts a linking "s" may stand. The whole word
        need not be known, so a query compound the documents never use ("spelberoende") still reaches its parts.
        """
        if word in self._splits:
            return self._splits[word]
        best: list[str] | None = None
        best_key: tuple | None = None
        if len(word) >= self._min_compound and word.isalpha():
            for i in range(self.params.min_head, len(word) - self.params.min_part + 1):
                head = word[:i]
                if not (self.is_known(head) or head in self.modifiers):  # first parts are not inflected
                    continue
                for link in LINKS:
                    rest = word[i:]
                    if not rest.startswith(link) or len(rest) - len(link) < self.params.min_part:
                        continue
                    rest = rest[len(link) :]
                    tail = [rest] if self._count(rest) else self.split(rest, cache)
                    if not tail:
                        continue
                    parts = [head, *tail]
                    # Fewest parts, then most parts that stand alone, then no linking "s"
                    # ("abstinens|vård", not "abstinen|s|vård"), then the most frequent parts.
                    key = (
                        -len(parts),
                        sum(p in self.word_counts for p in parts),
                        -len(link),
                        _geometric_mean([self._count(p) for p in parts]),
                    )
                    if best_key is None or key > best_key:
                        best, best_key = parts, key
        # A word the corpus uses far more often than its would-be parts is a word in its own right
        # ("överenskommelse" is not "överens|kommelse"): the frequency test of Koehn & Knight
        # (2003), with a margin so rare compounds whose parts are rare too still split.
        margin = self.params.split_margin
        if best and self.word_counts.get(word, 0) > margin * _geometric_mean([self._count(p) for p in best]):
            best = None
        if cache:
            self._splits[word] = best
        return best

    def known_ends(self, word: str) -> list[str]:
        """The longest known first part and the longest known last part of a word the corpus has in
        no form and cannot split into known words, for a query to search what the corpus has of it:
        "avrop|sprocessen" reaches "avrop" where no text says "process". Each is at least `min_part`
        letters ("bus" in "busskort" is none)."""
        if len(word) < self._min_compound or not word.isalpha() or self.has_form(word):
            return []
        heads = (word[:i] for i in range(len(word) - self.params.min_part, self.params.min_part - 1, -1))
        tails = (word[i:] for i in range(self.params.min_part, len(word) - self.params.min_part + 1))
        head = next((h for h in heads if self.is_known(h) or h in self.modifiers), None)
        tail = next((t for t in tails if self._count(t)), None)
        return [part for part in (head, tail) if part]

    # -- analysis -----------------------------------------------------------------------

    def analyze_word(self, word: str, cache: bool = True) -> list[str]:
        """The stem of a normalised word followed by the stems of its compound parts.

        An index build analyses every word once and passes `cache=False`, so the analyzer does
        not keep the whole vocabulary's analysis in memory."""
        tokens = self._cache.get(word)
        if tokens is None:
            primary = self.stem(word)
            parts = [self.stem(p) for p in self.split(word, cache) or ()]
            tokens = [primary, *dict.fromkeys(p for p in parts if p != primary)]
            if cache:
                self._cache[word] = tokens
        return tokens

    def derivations(self, stem: str) -> list[str]:
        """Stems that share a base ("anmälan" ~ "anmäl", "anmälning"; "graviditet" ~ "gravid").

        Candidates only: the caller keeps the ones its index holds.
        """
        if len(stem) < self.params.min_part:
            return []
        shortest = self.params.min_part
        bases = [stem] + [stem[: -len(s)] for s in DERIVATIONS if stem.endswith(s) and len(stem) - len(s) >= shortest]
        found = dict.fromkeys(bases + [base + suffix for base in bases for suffix in DERIVATIONS])
        found.pop(stem)
        return list(found)

    def index_tokens(self, text: str) -> list[str]:
        return [token for word in self.words(text) for token in self.analyze_word(word)]

    def query_tokens(self, text: str) -> list[str]:
        return self.index_tokens(text)

    # -- persistence --------------------------------------------------------------------

    def to_json(self) -> str:
        return json.dumps({"word_counts": self.word_counts, "modifiers": self.modifiers}, ensure_ascii=False)

    @classmethod
    def from_json(cls, data: str, params: IndexParams | None = None) -> "Analyzer":
        data = json.loads(data)
        return cls(data["word_counts"], data["modifiers"], params)

    def save(self, path: Path) -> None:
        Path(path).write_text(self.to_json(), encoding="utf-8")

    @classmethod
    def load(cls, path: Path, params: IndexParams | None = None) -> "Analyzer":
        """A saved analyzer, with the index parameters its generation was built with."""
        return cls.from_json(Path(path).read_text(encoding="utf-8"), params)


def _geometric_mean(values: list[int]) -> float:
    product = 1.0
    for value in values:
        product *= value
    return product ** (1 / len(values))

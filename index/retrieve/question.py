"""What a question asks: its intent and county, and its content words weighed to measure what a text answers.

`understand` reads from the words alone whether a question asks who is responsible, about a
priority level or whether someone may (or must) do something, and which county it names. A
`Question` holds the question's analysed words, each weighed by how informative it is, and measures
how much of the question a passage, a sentence or a statement covers (`Question.evidence`). A
`Reading` is both, as the searcher read a question: corrected, its region words taken out.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from index.params import RankingParams
from index.retrieve.lexical import LexicalIndex
from index.text.analyzer import STOPWORDS
from index.storage import Passage
from ingest.counties import regions as county_list
from ingest.model import Responsibility


@dataclass
class Intent:
    responsibility: bool
    priority: bool
    region: str | None  # a region the query names that the index holds
    topic: str | None  # the query without the region's name or "mitt län", when it names one
    own_region: bool = False  # "i mitt län", "hos oss": the searcher's own county
    unknown_region: str | None = None  # a county the query names that no indexed document is from
    permission: bool = False  # "får soc kräva urinprov", "måste läkaren anmäla": may (or must) someone do something


@dataclass
class Reading:
    """A query as understood: corrected, its intent and region, and its content words."""

    query: str  # with typos corrected
    intent: Intent
    text: str  # what is searched: the query without region words
    question: "Question"  # what ranks passages: a compound no document uses counts through its known ends
    unknown: list[str] = field(default_factory=list)  # words searched as typed that no document uses
    off_corpus: bool = False  # its subject is in no document, in words or meaning: no results

    @functools.cached_property
    def _without_ends(self) -> "Question":
        """The question as the card reads it, without known ends: a statement covering "vård" does not
        answer "vårdhund"."""
        return Question(self.question.lexical, self.text, self.question.params)

    @functools.cached_property
    def statement_question(self) -> "Question":
        """What a statement must cover: the question without its asking words ("vem", "prio", "hur")."""
        return self._without_ends.without(ANSWER_ASKING)

    @functools.cached_property
    def whole_question(self) -> "Question":
        """The statement question with its subject words no document uses in any form ("brandvarnarn"):
        no statement covers them, so one that covers only the rest ("vem byter …", "vem utfärdar …")
        does not cover the question."""
        question = self._without_ends.without(ANSWER_ASKING)  # an instance of its own: it counts the unanswerable words
        lexical, length = question.lexical, question.params.subject_length
        asking = lexical.token_set(ANSWER_ASKING)
        unknown = [*lexical.unknown_words(self.text), *self.unknown]
        subjects = sum(len(w) >= length and lexical.analyzer.stem(w) not in asking for w in unknown)
        question.unanswerable = subjects * question.params.unknown_subject_weight
        return question


# Words that ask who, how strongly or whether, rather than about what: a statement need not contain them.
ANSWER_ASKING = (
    "vem vems vilka vilken vilket vart var hur ansvar ansvarar ansvaret ansvarig huvudman huvudmannen "
    "prio prioritet prioriterad prioriterat prioriteringsgrad rekommenderas rekommendation rekommenderat "
    "riktlinje riktlinjer riktlinjerna högt enligt enl jmf istället finns nån någon man vi jag tar hand "
    "ska skall får kan bör gäller gör göra "
    # the verbs a who-question is framed with: "vem ger / ordnar / sköter …", "vem ska vi kontakta"
    "ger ordnar fixar sköter erbjuder driver håller kontakta kontaktar vänder vända"
)
# Who staff name when they ask which of two does it: principals, and the services and roles of each.
_ACTOR = (
    r"(?:kommun\w*|soc\w*|region\w*|landsting\w*|psyk\w*|vc|vårdcentral\w*|hc|hälsocentral\w*|bup"
    r"|primärvård\w*|beroendemottagning\w*|beroendevård\w*|(?:sjuk)?vården|ssk|sjuksköterska\w*|dr|doktor\w*"
    r"|läkare\w*|hemtjänst\w*)"
)
RESPONSIBILITY_QUESTION = re.compile(
    r"\b(vem|vems|vilka?|vart|ansvar\w*|huvudman\w*|åtar|utför\w*|erbjud\w*|gör vad|betalar|bekostar)\b"
    # "… – kommunen el landstinget?", "psyk eller soc?", "ssk eller dr?": which of the two
    rf"|\b{_ACTOR}\s+(?:eller|el\.?|/)\s+{_ACTOR}\b"
    # "är det kommunens grej?", "är det soc:s ansvar"
    r"|\bär\s+det\s+(?:kommun\w*s|soc(?::?s)|region\w*s|landsting\w*s)\b",
    re.I,
)
_PRIORITY_WORDS = re.compile(r"\b(prio\w*|rekommend\w*|riktlinje\w*|bör|evidens\w*)\b", re.I)
# at the start of the question or of a clause ("pat med vapenlicens som dricker, ska doktorn anmäla")
_PERMISSION = re.compile(r"(?:^|[,;:–—]|\s-)\s*(?:får|kan|ska|skall|måste|bör|behöver)\s+\w+", re.I)
_OWN_REGION = re.compile(
    r"\b(?:i|inom|för|hos)\s+(?:mitt|vårt|min|vår)\s+(?:län|region|landsting|kommun)\b|\bhos\s+oss\b", re.I
)


_SOME_COUNTY = re.compile(r"\b(?:i|inom|för|från)\s+(?P<name>[^\W\d_][\w-]+?)s?\s+län\b", re.I)
_NOT_A_NAME = STOPWORDS | {
    "annat",
    "andra",
    "hela",
    "sitt",
    "eget",
    "egna",
    "övriga",
    "nästa",
    "närmaste",
    "fel",
    "rätt",
}


def understand(query: str, regions: list[str], is_word: Callable[[str], bool] = lambda word: False) -> Intent:
    """What kind of question this is, from its words alone. `is_word`: whether the documents use a word,
    so "i fel län" names no county while "i jkpg län" names one the product does not know."""
    region, topic, unknown = None, None, None
    rest = query
    own = _OWN_REGION.search(query)
    if own:
        rest = (query[: own.start()] + query[own.end() :]).strip(" ,.?")
    for name, pattern in _county_patterns():
        match = pattern.search(rest)
        if match:
            if name in regions:
                region = name
            else:
                unknown = name
            rest = (rest[: match.start()] + rest[match.end() :]).strip(" ,.?")
            break
    else:
        named = _SOME_COUNTY.search(rest)
        name = named.group("name").lower() if named else ""
        if named and name not in _NOT_A_NAME and not is_word(name):
            unknown = f"{named.group('name')} län"  # "i jkpg län": a county, though not one the product knows
            rest = (rest[: named.start()] + rest[named.end() :]).strip(" ,.?")
    if rest != query:
        topic = rest or None
    return Intent(
        bool(RESPONSIBILITY_QUESTION.search(query)),
        bool(_PRIORITY_WORDS.search(query)),
        region,
        topic,
        bool(own),
        unknown,
        bool(_PERMISSION.search(query)),
    )


@functools.cache
def _county_patterns() -> tuple[tuple[str, re.Pattern], ...]:
    """Every county's name, official name, variants and short forms ("sthlm"), longest first; then, one
    pattern per county, its kommuner where the question names one as a place ("i Botkyrka", "Sundsvalls
    kommun": not "vara" or "mark"). A county's own names come first, so "i Stockholms län" is the county
    whole, not the kommun Stockholm with "län" left over."""
    names = []
    for lan in county_list():
        for form in {lan.name, lan.official, *lan.variants, *lan.file_names}:
            names.append(
                (lan.name, re.compile(rf"\b(?:i |inom |för |från )?(?:region )?{re.escape(form.lower())}s?\b", re.I))
            )
    kommuner = []
    for lan in county_list():
        place = "|".join(
            re.escape(k.lower()).replace(r"\ ", r"\s+") for k in sorted(lan.kommuner, key=len, reverse=True)
        )
        kommuner.append(
            (lan.name, re.compile(rf"\b(?:(?:i|inom|hos|från|för)\s+(?:{place})s?|(?:{place})s?\s+kommuns?)\b", re.I))
        )
    return (*sorted(names, key=lambda item: -len(item[1].pattern)), *kommuner)


_ASKING = "vem vilka vart ansvar ansvarar ansvaret ansvarig huvudman huvudmannen erbjuder utför gör"


@dataclass
class Evidence:
    sentence: tuple[str, float] | None  # the sentence that covers most of the question, with its coverage
    score: float  # passage, sentence and heading coverage, weighted


class Question:
    """The question's content words, to measure how much of it a piece of text answers.

    Each word counts by how informative it is, so "behandling" alone does not cover
    "abstinensbehandling". A word is covered by the best of its forms in the text: a
    synonym or a compound part earns its weight's share, and many weak forms of one
    word do not add up to the word.
    """

    def __init__(self, lexical: LexicalIndex, query: str, params: RankingParams, ends: bool = False):
        self.lexical = lexical
        self.params = params
        asking = lexical.token_set(_ASKING)  # words that only ask "who"
        self.concepts = [
            concept
            for concept in lexical.concepts(query, ends)
            if not any(t in asking for t, w in concept.items() if w >= 1.0)
        ]
        self.information = {
            t: _information(lexical, t, params.rare_share) for concept in self.concepts for t in concept
        }
        self.importance = [
            max(self.information[t] for t, w in concept.items() if w >= 1.0) for concept in self.concepts
        ]
        self.asked = sum(self.importance)
        self.unanswerable = 0.0  # asked words no text can cover (Reading.whole_question)

    def without(self, words: str) -> "Question":
        """The question without the words that only ask how (or how strongly) rather than about what."""
        drop = self.lexical.token_set(words)
        return self._keeping(
            [
                (concept, importance)
                for concept, importance in zip(self.concepts, self.importance)
                if not any(t in drop for t, w in concept.items() if w >= 1.0)
            ]
        )

    def within(self, tokens: set[str]) -> "Question":
        """The question restricted to the words some of these tokens cover: what the found text can answer."""
        return self._keeping([(c, i) for c, i in zip(self.concepts, self.importance) if any(t in tokens for t in c)])

    def _keeping(self, kept: list[tuple[dict[str, float], float]]) -> "Question":
        """A question of these (concept, importance) pairs, weighing terms as this one does."""
        other = object.__new__(Question)
        other.lexical, other.information, other.params = self.lexical, self.information, self.params
        other.concepts = [c for c, _ in kept]
        other.importance = [i for _, i in kept]
        other.asked = sum(other.importance)
        other.unanswerable = 0.0
        return other

    def tokens(self, text: str) -> frozenset[str]:
        return self.lexical.token_set(text)

    def coverage(self, tokens: frozenset[str] | set[str]) -> float:
        if not self.asked:
            return 0.0
        best: dict[int, float] = {}
        for term in self._earns.keys() & tokens:  # one set intersection: most text shares few terms
            for concept, earned in self._earns[term]:
                if earned > best.get(concept, 0.0):
                    best[concept] = earned
        return sum(min(self.importance[concept], earned) for concept, earned in best.items()) / (
            self.asked + self.unanswerable
        )

    @functools.cached_property
    def _earns(self) -> dict[str, list[tuple[int, float]]]:
        """Term → (concept, what the term earns towards it): coverage looks up only the terms a text has."""
        earns: dict[str, list[tuple[int, float]]] = {}
        for number, concept in enumerate(self.concepts):
            for term, weight in concept.items():
                earns.setdefault(term, []).append((number, weight * self.information[term]))
        return earns

    def evidence(self, passage: Passage, covered_words: float | None = None) -> Evidence:
        """How much of the question the passage answers in one place.

        BM25 favours short passages that repeat one query word; a long list or matrix that
        states the whole answer in one row, or under a heading that names it, is better.
        `covered_words`: `words_coverage(passage)`, when the caller has it.
        """
        if not self.concepts:
            return Evidence(None, 0.0)
        heading, words, sentences = self.lexical.passage_terms(tuple(passage.section_path), passage.text)
        best: tuple[str, float] | None = None
        for sentence, tokens in sentences:
            if tokens.isdisjoint(self._earns):
                continue
            covered = self.coverage(tokens)
            if covered > 0 and (best is None or covered > best[1]):
                best = (sentence, covered)
        score = (
            self.params.passage_evidence * (self.coverage(words) if covered_words is None else covered_words)
            + self.params.sentence_evidence * (best[1] if best else 0.0)
            + self.params.heading_evidence * self.coverage(heading)
        )
        return Evidence(best, score)

    def words_coverage(self, passage: Passage) -> float:
        """How much of the question the passage's words and headings cover: at least what any of its
        sentences or its heading covers, since those are among its words."""
        if not self.concepts:
            return 0.0
        return self.coverage(self.lexical.passage_terms(tuple(passage.section_path), passage.text)[1])

    def records_coverage(self, passage: Passage) -> float:
        """What all of the passage's responsibility records together cover: at least what the best one does."""
        if not self.concepts or not passage.responsibility:
            return 0.0
        return self.coverage(
            frozenset().union(
                *(self.tokens(record.activity + " " + " ".join(record.units)) for record in passage.responsibility)
            )
        )

    def best_record(self, passage: Passage) -> tuple[Responsibility, float] | None:
        """The responsibility record in the passage whose activity covers most of what was asked."""
        if not self.concepts or not passage.responsibility:
            return None
        scored = [
            (record, self.coverage(self.tokens(record.activity + " " + " ".join(record.units))))
            for record in passage.responsibility
        ]
        best = max(scored, key=lambda item: item[1])
        return best if best[1] > 0 else None


def _information(lexical: LexicalIndex, term: str, rare_share: float) -> float:
    """1 for a term in at most `rare_share` of passages (or none), falling towards 0 for a term in all of them."""
    share = lexical.document_share(term)
    return 1.0 if share <= rare_share else math.log(share) / math.log(rare_share)

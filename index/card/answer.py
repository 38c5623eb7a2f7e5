"""The answer card: the statement that answers the question, its principal or priority, or honest silence.

The card is read off statements, never off whole passages: the responsibility statements and
guideline recommendations that ingest found, each with its exact span. The question is matched to
the statements of the best-ranked passages (how much of the question a statement covers, its own
words weighing more than its heading's), and then:

- a who-question gets the principal of the statement that matches best, quoted whole, with its
  citation and the document's status; a priority question gets the recommendation with its level;
- when the best statement matches weakly, when the statements that match about as well name
  different principals (or levels) and, for a who-question, their closeness in meaning does not
  settle it, or when the best one names no principal, the card abstains: it says the documents do
  not state it clearly and lists the candidate statements. A statement never answers what it makes
  an exception of ("… förutom när behandlingen ingår i en placering på HVB");
- a statement of who pays answers only a question about paying;
- a county the question names is the only one the card answers for, and one without documents gets
  no principal: another county's division of the work is no answer for it.

A wrong principal sends a client to the wrong place; an abstention with the candidates does not.
Every threshold below was set on our own development questions (docs/evaluation.md, "Measured: what a person sees").
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

from index.params import RankingParams
from index.retrieve.question import Reading
from index.retrieve.ranking import Hit
from index.retrieve.search import Searcher
from index.card.status import document_status
from ingest.model import Responsibility
from ingest.sentences import split_sentences

# The thresholds (min_match, min_coverage, vote_margin, min_share, should_weight …) are ranking parameters:
# index/params.py.
QUOTE_CHARACTERS = 700  # a longer quote ends at the sentence before this
CANDIDATES = 4  # candidate statements listed when the card abstains

NOT_STATED = "De indexerade dokumenten säger inte tydligt vem som ansvarar för detta."
NOT_RATED = "De indexerade dokumenten anger ingen tydlig prioritet för just detta."
NOT_CLEAR = "De indexerade dokumenten säger inte tydligt något om just detta."
DISAGREE = "Dokumenten säger olika saker om vem som ansvarar; jämför underlagen nedan."
DISAGREE_LEVEL = "Flera rekommendationer med olika prioritet passar frågan; jämför dem nedan."
NO_DOCUMENTS = "Kunskapsbasen har inga dokument från {county}; vad dokument från andra län säger står nedan."
VARIES = "Dokumentet säger att vem som gör detta skiljer sig åt; jämför underlagen nedan."
NO_PRINCIPAL = "Det närmaste uttalandet nämner en aktör men inte om det är regionen eller kommunen."


@dataclass
class Statement:
    """A statement as the card shows it: quoted, cited and weighed against the question."""

    kind: str  # responsibility | recommendation
    chunk_id: str
    doc_id: str
    title: str
    region: str | None
    section: str
    page: int | None
    status: str  # the document's derived status (index/card/status.py)
    text: str  # the quote: whole sentences, the lead line before a list item
    start: int  # the statement's span in its passage (or in its heading, see `heading`)
    end: int
    heading: bool
    match: float  # share of what the found passages can answer that this statement covers
    coverage: float  # share of the whole question
    rank: int
    principal: str | None = None
    units: list[str] = field(default_factory=list)
    actor: str = ""
    modality: str = ""
    negated: bool = False
    condition: str | None = None
    level: int | None = None
    label: str | None = None
    meaning: float | None = None  # cosine of the question and the statement (index/retrieve/statement_vectors.py)
    modality_weight: float = 1.0  # should_weight or may_weight; 1 unless the question asks who is responsible
    rank_weight: float = 0.0  # the preference for better-ranked passages (RankingParams.rank_weight)
    words: frozenset[str] = frozenset()  # the question's words it says, with its heading and lead
    excepted: bool = False  # the question asks about what it makes an exception of ("förutom när … HVB")
    about_cost: bool = False  # it says who pays ("… ansvarar även för kostnaden för drogtester"), not who does it

    @property
    def url(self) -> str:
        return f"/passage/{self.chunk_id}"


@dataclass
class Answer:
    """What the card says. `abstained` cards carry the candidates instead of a statement."""

    intent: str  # responsibility | permission | priority | fact
    statement: Statement | None = None
    abstained: bool = False
    reason: str | None = None  # why the card abstains, in Swedish
    candidates: list[Statement] = field(default_factory=list)
    regions: list[Statement] = field(default_factory=list)  # the best statement of each other region
    region_note: str | None = None  # "Välj ditt län …" when the question asks for "mitt län" and none is chosen

    @property
    def principal(self) -> str | None:
        if self.abstained or self.statement is None or self.statement.kind != "responsibility":
            return None
        return self.statement.principal

    @property
    def priority(self) -> dict | None:
        if self.abstained or self.statement is None or self.statement.kind != "recommendation":
            return None
        return {"level": self.statement.level, "label": self.statement.label}


def compose_answer(
    searcher: Searcher, query: str, hits: list[Hit], prefer_region: str | None = None, exact: bool = False
) -> Answer | None:
    """The card for these hits, or None when the question asks neither who nor how strongly and nothing matches well.

    `exact`: the hits were searched with the words as typed (Searcher.read)."""
    reading = searcher.read(query, exact)
    params = reading.question.params
    intent = (
        "responsibility"
        if reading.intent.responsibility
        else "priority"
        if reading.intent.priority
        else "permission"
        if reading.intent.permission
        else "fact"
    )
    answerable = _answerable(reading, hits[: params.answer_hits])
    statements = [
        s
        for rank, hit in enumerate(hits[: params.answer_hits])
        for s in statements_of(reading, hit, rank, answerable, searcher.statement_meaning(reading, hit.passage))
    ]
    if intent == "responsibility":
        # what may be done answers "who is responsible" less than what must be done
        weights = {"bör": params.should_weight, "kan": params.may_weight, "får": params.may_weight}
        for s in statements:
            s.modality_weight = weights.get(s.modality, 1.0)
    # A county the question names is the only one the card answers for; one without documents gets none.
    lead_region = (
        reading.intent.region
        or reading.intent.unknown_region
        or (prefer_region if reading.intent.own_region or prefer_region else None)
    )
    note = _region_note(reading, prefer_region)
    if intent == "fact":
        best = max(statements, key=_weight, default=None)
        if best is None or best.match < params.fact_match:
            return None
        intent = best.kind if best.kind == "responsibility" else "priority"
    kind = "recommendation" if intent == "priority" else "responsibility"
    asks_cost = bool(_COST_QUESTION.search(reading.query))
    answer = _decide(intent, [s for s in statements if s.kind == kind], lead_region, params, asks_cost)
    answer.region_note = note
    if reading.intent.unknown_region:
        answer.reason = NO_DOCUMENTS.format(county=reading.intent.unknown_region)
    return answer


def _decide(
    intent: str, statements: list[Statement], lead_region: str | None, params: RankingParams, asks_cost: bool = False
) -> Answer:
    """The best statement, or an abstention with the candidates."""
    # "Ansvarar inte för" says who does not (only a question whether someone may do something is answered
    # by it), "ansvarar för … förutom …" does not answer what it makes an exception of, and who pays
    # answers only a question about paying.
    usable = [
        s
        for s in statements
        if not s.excepted
        and (asks_cost or not s.about_cost)
        and (intent == "permission" or not (s.kind == "responsibility" and s.negated))
    ]
    if asks_cost and any(s.about_cost for s in usable):
        usable = [s for s in usable if s.about_cost]  # and who pays is said by statements about paying
    by_region: dict[str | None, list[Statement]] = {}
    for s in sorted(usable, key=_weight, reverse=True):
        by_region.setdefault(s.region, []).append(s)
    order = sorted(by_region, key=lambda r: (bool(lead_region) and r != lead_region, -_weight(by_region[r][0])))
    if lead_region and lead_region not in by_region:
        order = []  # the named county says nothing that matches: do not answer from another one
    answers = _in_force_first(
        [(region, _settle(by_region[region], params, intent == "responsibility")) for region in order], lead_region
    )
    unclear = {"responsibility": NOT_STATED, "priority": NOT_RATED}.get(intent, NOT_CLEAR)
    if not answers:
        return Answer(
            intent,
            abstained=True,
            reason=unclear,
            candidates=sorted(statements, key=_weight, reverse=True)[:CANDIDATES],
        )
    region, (best, reason, candidates) = answers[0]
    others = [b for _, (b, why, _) in answers[1:] if b is not None and why is None]
    if best is None or reason:
        return Answer(intent, abstained=True, reason=reason or unclear, candidates=candidates, regions=others)
    return Answer(intent, statement=best, regions=others)


def _settle(
    statements: list[Statement], params: RankingParams, asks_who: bool
) -> tuple[Statement | None, str | None, list[Statement]]:
    """(best, reason to abstain, candidates) among one region's statements, best first.

    Every statement that matches the question reasonably well is a vote for its principal (or
    level), weighted by how well it matches and how high its passage ranks. The best statement is
    stated only when it matches well and its principal carries most of the vote, or, for a who-question,
    when the statements closest in meaning settle the vote (_meaning_settles).
    """
    best = statements[0]
    threshold = params.min_match if best.kind == "responsibility" else params.min_recommendation_match
    candidates = statements[:CANDIDATES]
    if best.match * best.modality_weight < threshold or best.coverage < params.min_coverage:
        return None, None, candidates
    votes: dict = {}
    for s in statements:
        if s.match >= best.match - params.vote_margin:
            votes[_claim(s)] = votes.get(_claim(s), 0.0) + s.match / (1 + s.rank)
    if best.kind == "responsibility" and best.principal is None:
        return None, VARIES if best.modality == "varierar" else NO_PRINCIPAL, candidates
    best = _in_force_first_of(
        [
            s
            for s in statements
            if _claim(s) == _claim(best)
            and s.match * s.modality_weight >= threshold
            and s.coverage >= params.min_coverage
        ]
    )
    agreeing = votes.get(_claim(best), 0.0)
    if best.kind == "responsibility" and best.principal == "gemensamt":
        # each principal's own part of a shared task ("Regionen ansvarar för psykosocial behandling"
        # beside "Kommunerna och regionen har ett gemensamt ansvar för psykosocial behandling") agrees with it
        agreeing += votes.get("region", 0.0) + votes.get("kommun", 0.0)
    if agreeing < params.min_share * sum(votes.values()):
        close = [s for s in statements if s.match >= best.match - params.vote_margin]
        if best.kind == "recommendation" and _same_recommendation(close):
            return best, None, candidates
        if asks_who and _meaning_settles(best, close, params):
            return best, None, candidates
        return None, DISAGREE if best.kind == "responsibility" else DISAGREE_LEVEL, candidates
    return best, None, candidates


def _meaning_settles(best: Statement, close: list[Statement], params: RankingParams) -> bool:
    """Words alone cannot tell the doctor's part of a task from the nurse's; where the statement
    closest in meaning to the question says the best one's principal, and clearly closer than any
    statement saying another, the two signals agree and the vote is settled."""
    if params.meaning_margin <= 0 or any(s.meaning is None for s in close):
        return False
    nearest = max(close, key=lambda s: s.meaning)
    others = [s for s in close if _claim(s) != _claim(best)]
    return (
        _claim(nearest) == _claim(best)
        and nearest.meaning - max((s.meaning for s in others), default=0.0) >= params.meaning_margin
        and all(s.words <= best.words for s in others)
    )


def _claim(statement: Statement):
    """What a statement says: its principal, or its level."""
    return statement.principal if statement.kind == "responsibility" else (statement.level, statement.label)


def _in_force(statement: Statement | None) -> bool:
    return statement is not None and statement.status == "gällande"


def _in_force_first_of(close: list[Statement]) -> Statement:
    """The best of statements that say the same, one in force before an expired, remiss or proposed one."""
    return next((s for s in close if _in_force(s)), close[0])


def _in_force_first(answers: list, lead_region: str | None) -> list:
    """With no county asked for, a county whose document in force says the same as the best county's
    expired (or remiss) one is cited first: the reader should not be sent to a plan that has run out."""
    if lead_region or not answers:
        return answers
    best, reason, _ = answers[0][1]
    if best is None or reason or _in_force(best):
        return answers
    for i, (_, (other, why, _)) in enumerate(answers[1:], 1):
        if why is None and _in_force(other) and _claim(other) == _claim(best):
            return [answers[i], *answers[:i], *answers[i + 1 :]]
    return answers


def _same_recommendation(close: list[Statement]) -> bool:
    """A recommendation quoted twice (a summary repeating a section) is one, whatever else matched."""
    return len({re.sub(r"\W+", " ", s.text.lower()) for s in close}) == 1


def _weight(statement: Statement) -> float:
    return statement.match * statement.modality_weight - statement.rank_weight * statement.rank


def _region_note(reading: Reading, prefer_region: str | None) -> str | None:
    intent = reading.intent
    if intent.own_region and not prefer_region:
        return "Välj ditt län för att få svar för just ditt län."
    return None


def _answerable(reading: Reading, hits: list[Hit]):
    """The question as far as the found passages can answer it: words none of them contains
    ("enkel", "labbprover") cannot tell their statements apart, so they do not count against any."""
    question = reading.statement_question
    found: set[str] = set()
    for hit in hits:
        found |= question.tokens(" ".join(hit.passage.section_path) + "\n" + hit.passage.text)
    return question.within(found)


def statements_of(
    reading: Reading, hit: Hit, rank: int, answerable=None, meanings: list[float] | None = None
) -> list[Statement]:
    """Every statement and recommendation of a passage, weighed against the question.

    `match` is the share of the answerable question (see _answerable) the statement covers;
    `coverage` the share of the whole question, so a statement about one word of it is not enough.
    Where a responsibility statement says the question in other words, its closeness in meaning
    (`meanings`, one cosine per statement, see Searcher.statement_meaning) stands in for both.
    """
    passage, document = hit.passage, hit.document
    whole = reading.whole_question
    question = answerable or reading.statement_question
    params = reading.question.params
    path = passage.section_path
    heading_tokens = question.tokens(" ".join(path[-2:])) if path else set()
    out = []
    base = dict(
        chunk_id=passage.chunk_id,
        doc_id=passage.doc_id,
        title=document.title,
        region=document.region,
        section=passage.section,
        page=passage.page,
        status=document_status(document),
        rank=rank,
        rank_weight=params.rank_weight,
    )
    for record in passage.responsibility:
        source = path[-1] if record.heading and path else passage.text
        start, end = record.start, record.end or len(source)
        said, elaboration, exception = _own_words(source, record, start, end, reading.intent.responsibility)
        own = question.tokens(said)
        context = own | question.tokens(elaboration) | heading_tokens | question.tokens(record.lead or "")
        out.append(
            Statement(
                kind="responsibility",
                text=quote(source, start, end, record.lead, record.negated),
                start=start,
                end=end,
                heading=record.heading,
                match=_match(question, own, context, params),
                coverage=_match(whole, own, context, params),
                words=frozenset(t for t in context if question.coverage({t})),
                excepted=question.coverage(question.tokens(exception) - own) > 0,
                about_cost=bool(_COST_STATEMENT.match(record.activity)),
                principal=record.principal,
                units=record.units,
                actor=record.actor,
                modality=record.modality,
                negated=record.negated,
                condition=record.condition,
                **base,
            )
        )
    for tag in passage.priority:
        start, end = tag.start, tag.end or len(passage.text)
        own = question.tokens(" ".join(filter(None, [tag.action or tag.recommendation, tag.condition])))
        context = own | heading_tokens
        out.append(
            Statement(
                kind="recommendation",
                text=quote(passage.text, start, end),
                start=start,
                end=end,
                heading=False,
                match=_match(question, own, context, params),
                coverage=_match(whole, own, context, params),
                level=tag.level,
                label=tag.label,
                condition=tag.condition,
                **base,
            )
        )
    for statement, cosine in zip(out, meanings or []):  # the responsibility statements come first
        statement.meaning = cosine
        closeness = _closeness(cosine, params)
        statement.match = max(statement.match, closeness)
        statement.coverage = max(statement.coverage, closeness)
    return out


def _closeness(cosine: float, params: RankingParams) -> float:
    """A cosine as a share of the question said: 0 at `meaning_floor`, 1 at `meaning_full`."""
    return min(1.0, max(0.0, (cosine - params.meaning_floor) / (params.meaning_full - params.meaning_floor)))


def _own_words(source: str, record: Responsibility, start: int, end: int, asks_who: bool) -> tuple[str, str, str]:
    """(What a statement says, what it adds, what it excepts.) It says its first sentence and any later
    one that states a duty too ("… Beroendevården ska … göra en sammanvägd bedömning"); a later sentence
    that does not only elaborates ("För socialtjänsten gäller det även … orosanmälningar" under a shared
    duty to inform each other), so it counts as context, like the heading. What follows "förutom" or
    "med undantag av" is excepted: "Regionen ansvarar för abstinensbehandling förutom när behandlingen
    ingår i en placering på HVB" does not answer who treats abstinence at an HVB. A who-question does not
    know the actor, so the actor's words ("rum åt doktorn") name someone else: they must meet the
    activity, not the actor."""
    text = source[start:end]
    if asks_who:
        for actor in record.actors:
            if actor.role == "doer" and start <= actor.start < actor.end <= end:
                text = text[: actor.start - start] + " " * (actor.end - actor.start) + text[actor.end - start :]
    first, *rest = split_sentences(text.strip()) or [""]
    exception = ""
    excepting = _EXCEPT.search(first)
    if excepting:
        first, exception = first[: excepting.start()], first[excepting.end() :]
    said = [first, *(sentence for sentence in rest if _DUTY.search(sentence))]
    if not asks_who:
        said += [record.actor, " ".join(record.units)]
    return " ".join(said), " ".join(rest), exception


# Who pays for something and who does it are two questions: "Kommunerna ansvarar även för kostnaden för
# drogtester som socialtjänsten begär" does not say who takes the samples.
_COST_STATEMENT = re.compile(
    r"(?:även\s+|också\s+)?(?:för\s+)?(?:kostnad\w*|betalningsansvar\w*|finansiering\w*)\b", re.I
)
_COST_QUESTION = re.compile(r"\b(?:betal\w*|kostar|kostnad\w*|bekosta\w*|finansier\w*|avgift\w*|står\s+för)\b", re.I)
_EXCEPT = re.compile(r"\b(?:förutom|utom|med\s+undantag\s+(?:av|för)|undantaget)\b", re.I)
_DUTY = re.compile(r"\b(?:ska|skall|måste|bör|ansvarar|åtar)\b", re.I)


def _match(question, own: set[str], context: set[str], params: RankingParams) -> float:
    return params.own_weight * question.coverage(own) + (1 - params.own_weight) * question.coverage(context)


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-ZÅÄÖ(\"”])|\n")


def _sentence_around(text: str, start: int, end: int) -> str:
    """The whole sentence(s) holding text[start:end]."""
    begin = 0
    for m in _SENTENCE_END.finditer(text, 0, min(len(text), start + 1)):  # +1: the boundary looks at the next letter
        if m.end() <= start:
            begin = m.end()
    stop = _SENTENCE_END.search(text, end)
    return text[begin : stop.start() if stop else len(text)]


_CONTRAST = re.compile(r"\s*(?:Däremot|Men|Dock|Undantag|Om\s+(?:personen|den\s+enskilde|patienten)\s+samtycker)\b")


QUOTE_CACHE = 16_384  # statements quoted: the same passages' statements come up search after search


@functools.lru_cache(maxsize=QUOTE_CACHE)
def quote(text: str, start: int, end: int, lead: str | None = None, negated: bool = False) -> str:
    """The statement in whole sentences, never cut inside a word or a parenthesis; a list item under its lead.

    What may not be done is quoted with the exception that follows it ("… får inte kräva provtagning.
    Däremot om personen samtycker …"): half of it would mislead."""
    body = _sentence_around(text, start, end).strip()
    if negated:
        after = text.find(body) + len(body)
        if _CONTRAST.match(text[after:]):
            body = (body + " " + _sentence_around(text, after + 1, after + 2).strip()).strip()
    if len(body) > QUOTE_CHARACTERS:
        cut = max((m.end() for m in re.finditer(r"[.!?](?=\s)", body[:QUOTE_CHARACTERS])), default=0)
        if cut < len(text[start:end]) or cut == 0:
            cut = body.rfind(" ", 0, QUOTE_CHARACTERS)
            while body.count("(", 0, cut) > body.count(")", 0, cut) and body.rfind("(", 0, cut) > 0:
                cut = body.rfind(" ", 0, body.rfind("(", 0, cut))
        body = body[:cut].rstrip(" ,;:") + " …"
    if lead and not body.startswith(lead):
        return f"{lead.strip()}\n{body}"
    return body


def badge_statements(reading: Reading, hit: Hit) -> list[Statement]:
    """`statements_of(reading, hit, 0)`, once per hit and question: a result's principal badge and its
    priority badge both read them. Callers must not change them."""
    kept = hit.badge_statements
    if kept is None or kept[0] is not reading:
        kept = hit.badge_statements = (reading, statements_of(reading, hit, 0))
    return kept[1]


def badge_of(reading: Reading, hit: Hit, label: str | None = None) -> dict | None:
    """The priority a result shows: that of the recommendation(s) in it that match the question best,
    never simply the passage's strongest; None when none of its recommendations matches.

    With `label` (the searcher filters on it) the best recommendation of that label, however weakly it
    matches: the filter is why the passage is shown."""
    recommendations = [
        s for s in badge_statements(reading, hit) if s.kind == "recommendation" and label in (None, s.label)
    ]
    if not recommendations:
        return None
    best = max(recommendations, key=lambda s: s.match)
    if best.match < reading.question.params.min_recommendation_match and label is None:
        return None
    tied = [s for s in recommendations if s.match >= best.match - 1e-9]
    if len({(s.level, s.label) for s in tied}) > 1:
        # two recommendations of different levels match equally: no single level to show
        return {"level": None, "label": label} if label else None
    return {"level": best.level, "label": best.label}

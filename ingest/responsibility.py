"""Responsibility statements: who does what, how bindingly and on what condition, as the documents say it.

Five forms carry responsibility:

- a list under a lead that names its actor: "Sjuksköterskan ansvarar för att:", "Landstinget åtar sig att:",
  a heading "Kommunens ansvar" (a bullet under "Landstinget åtar sig att" is the region's even when
  it names only "beroendevården");
- a matrix row of marks per unit (a K mark is kept as a weaker mark);
- a field "Ansvarig huvudman: Region" (care and intervention programmes);
- a clause whose subject is the actor: "Landstingets beroendevård erbjuder …", "Socialtjänsten får inte
  kräva …", "Läkaren ska genast göra anmälan till socialnämnden" (the socialnämnd only receives it);
- a passive or a cleft that names the actor after the verb: "… utfärdas av primärvård", "Ansvaret för
  läkarinsatser … vilar på regionen", "… ska vara ett ansvar för kommunen".

Every statement keeps its exact span in the passage, the actor as written, its principal and units,
every actor it names with that actor's role (doer, recipient or mentioned), the modality and negation,
and a leading condition ("Vid …", "Om …").

A role's principal (läkaren, sjuksköterskan, enhetschef) comes from, in order: the document's own
employment statements ("Ansvaret för läkarinsatser på SÄBO vilar på regionen"; "Kommunen …
ansvarar för den sjukvård som ingår i sjuksköterskas … ansvarsområde"), the law where it fixes one
(ingest/data/units.toml: a physician is the region's), and the issuer of a routine (a kommun's
routine speaks of the kommun's staff). Otherwise the statement has no principal: better none than
a wrong one. Units and principals: ingest/actors.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ingest.actors import Mention, column_units, combine, mentions, principal_of, principal_named_in, unit_principal
from ingest.model import Actor, Chunk, ParsedDocument, Responsibility
from ingest.priority import find_priorities, table_recommendations

_ITEM = re.compile(r"^(?:[-•–]|\d{1,2}[.)])\s+")
# What makes a line lead a list, or a heading govern its section: the actor comes before it.
_LEAD_WORDS = re.compile(r"\bansvar\w*|\båtar sig\b|\båtagande\w*", re.IGNORECASE)
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-ZÅÄÖ(\"”])")
_NEGATION = re.compile(r"\b(?:inte|ej|icke|aldrig)\b", re.IGNORECASE)
_MODALS = {
    "ska": "ska",
    "skall": "ska",
    "bör": "bör",
    "kan": "kan",
    "får": "får",
    "måste": "måste",
    "behöver": "ska",
    "förväntas": "ska",  # "Kommunerna förväntas erbjuda uppföljande samtal"
}
# The verb group after a subject that names an actor. A finite verb of responsibility or action;
# a modal followed by any infinitive counts too ("Socialtjänsten får inte kräva …").
_ADVERBS = (
    r"(?:\s+(?:inte|ej|alltid|även|också|dock|därför|genast|särskilt|då|tillsammans|gemensamt|omedelbart"
    r"|i\s+första\s+hand))*"
)
_ACTIVE = re.compile(
    r"(?<!\w)(?P<verb>(?:ska|skall|bör|kan|får|måste|behöver|förväntas)"
    + _ADVERBS
    + r"|ansvarar(?:\s+(?:inte|ej|alltid|även|också|själva?|då|dock|ytterst|gemensamt))*"
    r"|har(?:\s+\w+){0,3}?\s+\w*ansvar(?:et)?"
    r"|tar(?:\s+\w+){0,2}?\s+ansvar(?:et)?|bär(?:\s+\w+)?\s+ansvar(?:et)?|åtar\s+sig|svarar\s+för|står\s+för"
    r"|är(?:\s+[^\s.;:]+){0,6}?\s+(?:ansvarig\w*|skyldig\w*|huvudman\w*)"  # "är sedan 2018 skyldiga"
    r"|erbjuder|utför|ger|gör|bedriver|tillhandahåller|bekostar|betalar|ordinerar|utfärdar|genomför|anmäler"
    r"|handlägger|beslutar|fattar|initierar|remitterar|samordnar|upprättar|säkerställer|verkställer|kallar"
    r"|identifierar|dokumenterar|följer)\b",
    re.IGNORECASE,
)
# A main clause with its subject after the verb (Swedish V2): "Enligt vapenlagen ska en läkare …",
# "Utifrån sina ansvarsområden har huvudmännen ett gemensamt ansvar …", "Då behöver kommunen göra …",
# "När det gäller … är hälso- och sjukvården ansvarig för …".
_INVERTED = re.compile(
    r"(?:(?P<fronted>\w+\b[^,.;:]{0,240}?)\s+)?"
    r"(?P<verb>ska|skall|bör|kan|får|måste|behöver|ansvarar|har|är)\s+(?P<subject>\S.*)$",
)
# "… ska ges vid länets barnmedicinska verksamheter", "… utfärdas av primärvård", "… ska genomföras inom hälso- och
# sjukvården".
_PASSIVE = re.compile(
    r"\b(?P<verb>(?:(?:ska|skall|bör|kan|får|måste)\s+(?:inte\s+|även\s+|också\s+|i\s+första\s+hand\s+|främst\s+)?\w{3,}as"
    r"|(?:ges|erbjuds|utförs|utfärdas|görs|bedrivs|ordineras|bekostas|betalas|handläggs|genomförs|tillhandahålls|sköts|hanteras|beslutas|initieras|upprättas|skrivs\s+ut))"
    r"(?:\s+(?:inte|ej))?)"
    r"\s+(?:(?:i\s+första\s+hand|främst|alltid|normalt)\s+)?(?P<prep>av|vid|inom|hos|på|genom)\s+",
    re.IGNORECASE,
)
# Instructions of a routine, addressed to its own staff: "Kontakta ssk", "Vid misstanke om skada kontakta ssk".
_IMPERATIVE = re.compile(
    r"^(?:(?:Vid|Om|När|Inför|Efter|Under|Innan)\b[^,.;:]{0,80}?[\s,]+)?(?P<verb>(?i:kontakta|ring|larma|tillkalla|använd|dokumentera|informera|"
    r"meddela|rapportera|anmäl|skapa|ta|uppmuntra|respektera|följ|lägg|titta|kontrollera|tänk|var|gör|ge|håll|boka|erbjud|"
    r"samverka|stötta|hjälp|avbryt|lämna|förflytta|säkerställ|upprätta|uppdatera|planera|kalla|bedöm|notera|observera|"
    r"hänvisa|motivera|prata|lyssna|beröm|skydda|undvik|inhämta|genomför|fyll|skicka|ordna))\b"
)
_OWNERSHIP = [
    # "Ansvaret för abstinensvård … tillhör psykiatrin", "… vilar på regionen"
    re.compile(
        r"\b[Aa]nsvaret\s+(?:för|att)\s+(?P<what>[^.;]+?)\s+(?:tillhör|ligger\s+(?:ytterst\s+)?(?:hos|på)|vilar\s+(?:ytterst\s+)?på|åligger|kvarstår\s+hos)\s+(?P<who>[^.;]+)"
    ),
    # "… ska vara ett ansvar för kommunen", "… är regionens ansvar"
    re.compile(
        r"(?P<what>[^.;:]{4,160}?)\s+(?:ska\s+vara|är)\s+(?:ett\s+)?(?:(?P<whose>\w+s)\s+ansvar\b|ansvar\s+för\s+(?P<who>[^.;]+))",
        re.IGNORECASE,
    ),
    # "Det är socialtjänsten som ansvarar för …"
    re.compile(r"\b[Dd]et\s+är\s+(?P<who>[^.;]{2,60}?)\s+som\s+(?P<what>[^.;]+)"),
    # "… insatser som hälso- och sjukvård har betalningsansvaret för"
    re.compile(
        r"(?P<what>[^.;:]{4,120}?)\s+som\s+(?P<who>[^.;:]{2,60}?)\s+(?:har|bär)\s+(?:\w+\s+)?\w*ansvar(?:et)?\s+för\b",
        re.IGNORECASE,
    ),
]
# "Ansvarig huvudman: Region", "Huvudman: kommunen" (care and intervention programmes)
_FIELD = re.compile(r"^(?:ansvarig\s+)?huvudman(?:nen)?\s*:\s*(?P<who>\S.{0,80})$", re.IGNORECASE)
# "Medarbetare - ansvar för att följa rutin …", "Kontaktman: Säkerställer att …"
_LABELLED = re.compile(
    r"^(?P<who>[^:–\-]{2,50}?)\s*(?:[-–]\s*ansvar\s+(?:för\s+)?|:\s+)(?P<what>(?:att\s+)?[A-ZÅÄÖa-zåäö]\w*(?:ar|er|r)(?:\s+(?:att|[a-zåäö])|,).*|att\s.*)$"
)
# A subject opened by a subordinator ("Trots att båda huvudmännen har ansvar för …") is not a main clause.
_SUBORDINATE = re.compile(
    r"^(?:att|om|när|trots|eftersom|då|medan|som|där|vilket|vilka|samt)\b|\b(?:trots|om|när|eftersom) att\b",
    re.IGNORECASE,
)
_CONDITION = re.compile(
    r"^(?P<cond>(?:Vid|Om|När|Inför|Efter|Under|För\s+(?:personer|patienter|barn|den|de|unga))\b[^,]{3,120}),\s*",
    re.IGNORECASE,
)
# "Vid behov kan läkaren ta prover, …": a phrase condition ("Vid behov") with a modal after it is the
# main clause, not a condition; "Om patienten inte kan …" is a condition clause and may hold one.
_MAIN_VERB_IN_PHRASE = re.compile(
    r"(?:Vid|Inför|Efter|Under|För)\b.*?\b(?:ska|skall|bör|kan|får|måste|behöver|ansvarar)\b", re.IGNORECASE
)
_THAT_CLAUSE = re.compile(
    r"\b(?:på|innebär|är|om)\s+att\s+(?=(?:[\w-]+\s+){0,4}?(?:ska|skall|har|ansvarar|bör)\b)", re.IGNORECASE
)
# "Utifrån riskbedömningen ska en handlingsplan tas fram": a duty with no actor, in a routine its staff's
_AGENTLESS = re.compile(
    r"\b(?:ska|skall|bör|måste)\s+(?:\w+\s+){0,4}?\w{3,}as\b(?!\s+(?:av|vid|inom|hos)\b)", re.IGNORECASE
)
# A heading that only introduces what follows ("Kommunens ansvar", "Landstinget åtar sig att:"), not a statement
_PURE_LEAD = re.compile(
    r"(?:ansvar\w*|åtar\s+sig|åtaganden?)(?:\s+för)?(?:\s+att)?\s*:?\s*(?:[^\w\s].*)?$|:\s*\S.*$", re.IGNORECASE
)
# "Den från kommun eller region som först uppmärksammar behovet …", "Den verksamhet som …": whoever it is
_WHOEVER = re.compile(r"Den\s+(?:(?P<noun>\w+)\s+)?(?:(?:från|inom|hos|i)\s+(?P<who>[^,.;]{3,60}?)\s+)?som\s+")
_EITHER_PRINCIPAL = {"huvudman", "part"}  # "Den huvudman som …": one of the principals, whichever it is
_REGARDLESS = re.compile(r",?\s*oavsett\s+om\s+det\s+är\s+(?P<who>[^,.;]{3,60})", re.IGNORECASE)
_VARIES = re.compile(
    r"(?:^|[,;]\s*(?:och\s+|men\s+)?)(?:Vilken|Vilka|Vem|Vems|Hur|Var)\s+(?P<what>[^.;]{4,200}?)\s+"
    r"(?:skiljer\s+sig(?:\s+åt)?|varierar|ser\s+olika\s+ut)\s+(?:mellan|i|inom|beroende\s+på)\s",
    re.IGNORECASE,
)
_SUBJECT_START = re.compile(r"(?:(?:en|ett|den|det|de)\s+)?\S")  # the subject follows the verb at once
_RELATIVE = re.compile(
    r"\b(?:som|där|vilka|vilket|att)\s+(?:\w+\s+)?$", re.IGNORECASE
)  # a verb of a subordinate clause
_RECIPIENT_BEFORE = re.compile(r"\b(?:till|hos)\s+(?:\w+\s+){0,2}$", re.IGNORECASE)
_JOINERS = {"och", "eller", "samt", "med", "i", "för", "av", "enligt", "om", "till", "vid", "inom", "på"}
_VAGUE = {"detta", "dessa", "det", "den", "vad", "att"}
SUBJECT_WORDS = 8  # a subject longer than this is not the actor phrase of a main clause


@dataclass
class DocumentContext:
    """What the whole document says about whose roles are whose."""

    roles: dict[str, str | None] = field(default_factory=dict)  # role name -> principal its document gives it
    issuer: str | None = None  # the principal that issued the document, when a routine names it

    def principal(self, mention: Mention) -> str | None:
        if mention.kind != "role":
            return mention.principal
        if mention.name in self.roles:
            return self.roles[mention.name]
        return mention.principal or self.issuer

    @classmethod
    def of(cls, doc: ParsedDocument) -> "DocumentContext":
        head = doc.head or {}
        issuer_text = " ".join(head.get(k, "") for k in ("issuer", "decided_by", "owner"))
        names = " ".join(head.get(k, "") for k in ("title", "doc_name", "heading_title", "doc_kind"))
        # an agreement is its parties' together: the letterhead of one of them does not make it that one's routine
        agreement = re.search(r"\b(?:överenskommelse|samverkansavtal|avtal)\b", names, re.IGNORECASE)
        context = cls(issuer=principal_named_in(issuer_text) if issuer_text.strip() and not agreement else None)
        # Employment statements: a principal answering for a role's work ("sjuksköterskas … ansvarsområde",
        # "läkarinsatser"). Read with roles unresolved, so one role cannot vouch for another.
        bare = cls()
        found: dict[str, set[str]] = {}
        for chunk in doc.chunks:
            for start, end in _sentence_spans(chunk.text):
                for statement in _clauses(chunk.text, start, end, bare):
                    if statement.principal not in ("region", "kommun"):
                        continue
                    if any(a.role == "doer" and _is_role(a, chunk.text) for a in statement.actors):
                        continue
                    for m in mentions(chunk.text[start:end]):
                        if m.kind == "role" and m.start + start >= _doer_end(statement):
                            found.setdefault(m.name, set()).add(statement.principal)
            for m in re.finditer(
                r"(?P<role>\w+)\s+som\s+(?:arbetar|är\s+anställd\w*|verkar)\s+(?:på|i|hos|inom|för)\s+(?P<who>[^.,;]{2,60})",
                chunk.text,
            ):
                role = [x for x in mentions(m.group("role")) if x.kind == "role"]
                principal = principal_named_in(m.group("who"))
                if role and principal in ("region", "kommun"):
                    found.setdefault(role[0].name, set()).add(principal)
        context.roles = {
            name: (principals.pop() if len(principals) == 1 else None) for name, principals in found.items()
        }
        return context


def _is_role(actor: Actor, text: str) -> bool:
    return any(m.kind == "role" for m in mentions(actor.text))


def _doer_end(statement: Responsibility) -> int:
    return max((a.end for a in statement.actors if a.role == "doer"), default=statement.start)


def _sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of every sentence, line by line: a list item or a lead is a sentence of its own."""
    spans = []
    offset = 0
    for line in text.split("\n"):
        start = offset
        for piece in _SENTENCE.split(line):
            at = text.find(piece, start)
            if piece.strip():
                spans.append((at, at + len(piece)))
            start = at + len(piece)
        offset += len(line) + 1
    return spans


def _actors(text: str, base: int, context: DocumentContext, doer: tuple[int, int] | None) -> list[Actor]:
    """Every actor named in text[…], placed in the passage (offset `base`), with its role."""
    out = []
    for m in mentions(text):
        if doer and doer[0] <= m.start < doer[1]:
            role = "doer"
        elif _RECIPIENT_BEFORE.search(text[max(0, m.start - 30) : m.start]):
            role = "recipient"
        else:
            role = "mentioned"
        out.append(Actor(text[m.start : m.end], base + m.start, base + m.end, context.principal(m), role))
    return out


def _modality(verb: str) -> str:
    words = verb.lower().split()
    if not words:
        return "ansvarar"
    if words[0] in _MODALS:
        return _MODALS[words[0]]
    if words[0] == "åtar":
        return "åtar sig"
    if words[0] in ("ansvarar", "har", "tar", "bär") or "ansvar" in verb.lower():
        return "ansvarar"
    return "utför"


def _subject(text: str, begin: int, end: int, trailing: bool = False) -> tuple[int, int, bool, str | None] | None:
    """The actor phrase that opens the subject text[begin:end].

    Returns its span, whether its actors are joined by "eller" (either of them, not both) and the
    principal of a place it names for its roles ("chef på boendet", "läkare från vårdcentralen").
    The actor must open the subject ("Länets primärvård", "Kommunen och/eller annan privat vårdgivare
    som …"): a subject about something else that only mentions an actor ("Samverkansmöte mellan
    vårdcentralen …", "Sjuksköterskans bedömningar") is not a statement about the actor.
    With `trailing`, the predicate may follow the phrase (the subject after the verb, an agent).
    """
    label = re.match(r"[^()]{0,30}\([^()]{0,80}\)\s+(?=[A-ZÅÄÖ])", text[begin:end])
    if label:  # "LOB (lagen om omhändertagande av berusade personer) Landstinget och kommunerna ska …"
        begin += label.end()
    phrase = text[begin:end]
    found = mentions(phrase)
    if not found or (len(phrase.split()) > SUBJECT_WORDS and not trailing):
        return None
    opening = phrase[: found[0].start]
    if any(word.lower() not in _OPENERS for word in opening.split()):
        return None
    last, either = found[0], False
    for m in found[1:]:
        gap = phrase[last.end : m.start]
        joined = re.fullmatch(  # "Region Kalmar län och länets tolv kommuner"
            r"\w*(?:\s+län)?\s*(?:/|,|och|samt|eller|och/eller|&)\s*(?:[\w-]+\s+){0,3}", gap, re.IGNORECASE
        )
        if not joined and not re.fullmatch(r"\s+", gap):
            break
        either = either or bool(joined and re.search(r"\beller\b", gap))
        last = m
    rest = phrase[last.end :]
    if trailing:
        rest = rest[: _phrase_end(rest)]
    if re.search(r"[,;:]", rest) or len(phrase[: last.end].split()) > SUBJECT_WORDS:
        return None
    word = phrase[found[0].start : found[0].end]
    if (
        last is found[0]
        and word.lower().endswith("s")
        and word.lower() not in ("mas", "mar")
        and re.match(r"\w*\s+[a-zåäö]", rest)
    ):
        return None  # "Sjuksköterskans bedömningar …": the actor owns the subject, it is not the subject
    affiliation = None
    place = re.match(r"\w*\s+(?:på|vid|inom|i|hos|från)\s+", rest)
    if place:
        after = [m for m in mentions(rest[place.end() :]) if m.kind != "role"]
        affiliation = combine(m.principal for m in after)  # "tjänsteledningen från regionen och kommunen"
    start = begin + (len(opening) - len(opening.lstrip()) if opening.strip() else found[0].start)
    return start, begin + last.end, either, affiliation


# Words that may stand before the actor in a subject: determiners and adjectives ("Ansvarig läkare",
# "Den kommunala hälso- och sjukvården", "Även MAS").
_OPENERS = {
    "all",
    "alla",
    "allt",
    "den",
    "det",
    "de",
    "denna",
    "detta",
    "dessa",
    "varje",
    "respektive",
    "ansvarig",
    "ansvariga",
    "ansvarige",
    "berörd",
    "berörda",
    "behandlande",
    "legitimerad",
    "legitimerade",
    "tjänstgörande",
    "kommunal",
    "kommunala",
    "regional",
    "regionala",
    "länets",
    "länens",
    "även",
    "också",
    "närmaste",
    "övrig",
    "övriga",
    "annan",
    "andra",
    "medicinskt",
    "fast",
    "fasta",
    "samtliga",
    "båda",
    "bägge",
    "enskild",
    "enskilda",
    "en",
    "ett",
}


@dataclass
class _Sentence:
    """One sentence text[start:end] of a passage, with its leading condition ("Vid behov …") set apart."""

    text: str
    start: int
    end: int
    context: DocumentContext
    condition: str | None = None
    body_at: int = 0  # where the sentence's body starts, after its condition

    @property
    def words(self) -> str:
        return self.text[self.start : self.end]

    def statement(
        self,
        doer: tuple[int, int],
        activity: str,
        verb: str,
        kind: str = "prose",
        condition: str | None = None,
        either: bool = False,
        affiliation: str | None = None,
        whichever: bool = False,
    ) -> Responsibility | None:
        """A statement whose actor phrase is words[doer] (offsets in the sentence); None when it names
        no doer or a vague activity. `whichever`: the phrase is whichever principal it turns out to be
        ("Den huvudman som först ser behovet"), so both are bound."""
        words = self.words
        actors = _actors(words, self.start, self.context, doer)
        for actor in actors:
            if actor.role == "doer" and actor.principal is None:
                actor.principal = affiliation
        doers = [a for a in actors if a.role == "doer"]
        if not doers and not whichever:
            return None
        activity = " ".join(activity.split()).strip(" ,.:")
        if activity.lower() in _VAGUE or len(activity) <= 3:
            return None
        principal = "gemensamt" if whichever else combine(a.principal for a in doers)
        if not whichever and (any(a.principal is None for a in doers) or (either and principal == "gemensamt")):
            principal = None  # one actor of several unknown, or "kommun och/eller region": the statement cannot say who
        phrase = words[doer[0] : doer[1]]
        return Responsibility(
            activity=activity,
            principal=principal,
            units=list(dict.fromkeys(m.name for m in mentions(phrase) if m.kind == "unit")),
            kind=kind,
            actor=" ".join(phrase.split()).strip(" ,:"),
            modality=_modality(verb),
            negated=bool(_NEGATION.search(verb)),
            condition=condition or self.condition,
            start=self.start,
            end=self.end,
            actors=actors,
        )


def _clauses(text: str, start: int, end: int, context: DocumentContext) -> list[Responsibility]:
    """Statements of one sentence text[start:end]: each form is tried in turn, from a labelled field to
    a routine's instruction; the first that yields a statement decides (a passive one may precede an
    active one)."""
    sentence = _Sentence(text, start, end, context)
    cond = _CONDITION.match(sentence.words)
    if cond and not _MAIN_VERB_IN_PHRASE.match(cond.group("cond")):
        sentence.condition, sentence.body_at = cond.group("cond"), cond.end()
    field_match = _FIELD.match(sentence.words.strip())
    if field_match:
        made = _field_statement(sentence, field_match)
        return [made] if made else []
    for form in (_labelled_statement, _ownership_statements):
        made = form(sentence)
        if made:
            return made
    varying = _varying_statement(sentence)
    if varying:
        return varying
    out = _passive_statement(sentence)
    for form in (_whoever_statement, _active_statement, _inverted_statement, _that_statement):
        made = form(sentence)
        if made:
            return out + made
    if context.issuer and (_IMPERATIVE.match(sentence.words) or _AGENTLESS.search(sentence.words)):
        # an instruction of a routine: its staff do it, and they are the issuer's
        return [
            Responsibility(
                activity=" ".join(sentence.words.split()),
                principal=context.issuer,
                kind="instruction",
                actor="",
                modality="ska",
                condition=sentence.condition,
                start=start,
                end=end,
                actors=_actors(sentence.words, start, context, None),
            )
        ]
    return out


def _field_statement(sentence: _Sentence, match: re.Match) -> Responsibility | None:
    """ "Ansvarig: Socialtjänsten"."""
    at = sentence.words.find(match.group("who"))
    return sentence.statement((at, at + len(match.group("who"))), match.group("who"), "ansvarar", "field")


def _labelled_statement(sentence: _Sentence) -> list[Responsibility]:
    labelled = _LABELLED.match(sentence.words.strip())
    if not (labelled and mentions(labelled.group("who"))):
        return []
    at = sentence.words.find(labelled.group("who"))
    made = sentence.statement((at, at + len(labelled.group("who"))), labelled.group("what"), "ansvarar")
    return [made] if made else []


def _ownership_statements(sentence: _Sentence) -> list[Responsibility]:
    """ "… är kommunens ansvar", "ansvaret ligger hos …": every one in the sentence."""
    words, out = sentence.words, []
    for pattern in _OWNERSHIP:
        for m in pattern.finditer(words):
            who = m.groupdict().get("who") or m.groupdict().get("whose")
            if not who:
                continue
            who_at = m.start("who") if m.groupdict().get("who") else m.start("whose")
            if _SUBORDINATE.search(words[max(0, m.start() - 12) : m.start()].strip()):
                continue
            made = sentence.statement((who_at, who_at + len(who)), m.group("what"), "ansvarar")
            if made:
                out.append(made)
    return out


def _passive_statement(sentence: _Sentence) -> list[Responsibility]:
    """ "… utförs av primärvården": the first passive with an agent."""
    words, body_at = sentence.words, sentence.body_at
    for m in _PASSIVE.finditer(words, body_at):
        agent = words[m.end() :]
        phrase = _subject(agent, 0, len(agent), trailing=True)
        if phrase is None:
            continue
        doer = (m.end() + phrase[0], m.end() + phrase[1])
        made = sentence.statement(
            doer, words[body_at : m.start()], m.group("verb"), either=phrase[2], affiliation=phrase[3]
        )
        if made:
            return [made]
    return []


def _varying_statement(sentence: _Sentence) -> list[Responsibility]:
    """ "Vilken verksamhet som erbjuder behandling för unga … skiljer sig mellan kommunerna", "hur frågan
    hanteras varierar mellan verksamheter": the document says who does it depends on the place, so
    the statement names no principal, and one that answers the question keeps the card from guessing."""
    m = _VARIES.search(sentence.words, sentence.body_at)
    if not m:
        return []
    what = re.sub(r"^(?:\w+\s+)?som\s+", "", m.group("what"))  # "verksamhet som erbjuder …" → "erbjuder …"
    return [
        Responsibility(
            activity=" ".join(what.split()),
            principal=None,
            kind="varies",
            actor="",
            modality="varierar",
            condition=sentence.condition,
            start=sentence.start,
            end=sentence.end,
            actors=_actors(sentence.words, sentence.start, sentence.context, None),
        )
    ]


def _whoever_statement(sentence: _Sentence) -> list[Responsibility]:
    """ "Den från kommun eller region som först uppmärksammar behovet kallar till SIP", "Den verksamhet
    som … kallar till SIP, oavsett om det är kommunen eller regionen": whichever of the principals it
    turns out to be, so the duty is both's."""
    words, body_at = sentence.words, sentence.body_at
    opener = _WHOEVER.match(words, body_at)
    verb = opener and next(
        (v for v in _ACTIVE.finditer(words, opener.end()) if not _RELATIVE.search(words[opener.start() : v.start()])),
        None,
    )
    if not verb:
        return []
    regardless = _REGARDLESS.search(words, verb.end())
    what = re.sub(r"^\s*(?:för\s+att|för|att)\s+", "", words[verb.end() : regardless.start() if regardless else None])
    noun = opener.group("noun")
    if not opener.group("who") and not regardless and noun and noun.lower() in _EITHER_PRINCIPAL:
        made = sentence.statement(opener.span("noun"), what, verb.group("verb"), whichever=True)
        return [made] if made else []
    who = opener.span("who") if opener.group("who") else regardless.span("who") if regardless else None
    if who is None or principal_named_in(words[who[0] : who[1]]) != "gemensamt":
        return []
    made = sentence.statement(who, what, verb.group("verb"))
    return [made] if made else []


def _active_statement(sentence: _Sentence) -> list[Responsibility]:
    """ "Kommunen ansvarar för …": a subject before the first responsibility verb of the main clause."""
    words, body_at = sentence.words, sentence.body_at
    verb = next((v for v in _ACTIVE.finditer(words, body_at) if not _RELATIVE.search(words[body_at : v.start()])), None)
    if not verb or _passive_infinitive(words[verb.end() :]):
        return []
    phrase = _subject(words, body_at, verb.start())
    if phrase is None:
        return []
    what = re.sub(r"^\s*(?:för\s+att|för|att)\s+", "", words[verb.end() :])
    made = sentence.statement(phrase[:2], what, verb.group("verb"), either=phrase[2], affiliation=phrase[3])
    return [made] if made else []


def _inverted_statement(sentence: _Sentence) -> list[Responsibility]:
    """ "Vid behov ska kommunen …", "har regionen ett ansvar": the verb before its subject."""
    words = sentence.words
    inverted = _INVERTED.match(words, sentence.body_at)
    if not inverted:
        return []
    subject_at = inverted.start("subject")
    phrase = _subject(words, subject_at, len(words), trailing=True)
    duty = inverted.group("verb").lower() not in ("har", "är") or re.match(
        r"\s+(?:\w+\s+){0,4}?\w*(?:ansvar|skyldig)", words[phrase[1] :] if phrase else ""
    )  # "har X ett ansvar", "är X ansvarig"; not "har X en viktig roll"
    if (
        phrase is None
        or not duty
        or _passive_infinitive(words[phrase[1] :])
        or not _SUBJECT_START.match(words[subject_at : phrase[1]])
    ):
        return []
    made = sentence.statement(
        phrase[:2],
        words[phrase[1] :],
        inverted.group("verb"),
        condition=sentence.condition or (inverted.group("fronted") or "").strip() or None,
        either=phrase[2],
        affiliation=phrase[3],
    )
    return [made] if made else []


def _that_statement(sentence: _Sentence) -> list[Responsibility]:
    """ "… pekar på att hälso- och sjukvården ska ha ett samlat ansvar …": the clause after "att" states it."""
    words = sentence.words
    that = _THAT_CLAUSE.search(words, sentence.body_at)
    verb = _ACTIVE.search(words, that.end()) if that else None
    phrase = _subject(words, that.end(), verb.start()) if verb else None
    if phrase is None or "ansvar" not in verb.group("verb").lower() + words[verb.end() : verb.end() + 40].lower():
        return []
    made = sentence.statement(
        phrase[:2], words[verb.end() :], verb.group("verb"), either=phrase[2], affiliation=phrase[3]
    )
    return [made] if made else []


def _passive_infinitive(after: str) -> bool:
    """ "Läkare från vårdcentralen ska alltid kontaktas": the subject is acted on, not acting."""
    m = re.match(r"\s*(?:(?:inte|ej|alltid|även|också|då|genast)\s+)*(\w+)", after)
    return bool(m) and m.group(1).lower().endswith("as") and m.group(1).lower() not in ("bas", "las")


def _phrase_end(agent: str) -> int:
    m = re.search(r"[,.;:]|\s(?:och\s+)?(?:ska|som|när|om|där|för\s+att|i\s+de\s+fall)\b", agent)
    return m.start() if m else len(agent)


def _lead(text: str, context: DocumentContext) -> tuple[str | None, str, str] | None:
    """(principal, kind, actor) of a heading or lead line that assigns what follows to an actor:
    "Landstinget åtar sig att:", "Sjuksköterskan ansvarar för att:", "Kommunens ansvar"."""
    text = _SENTENCE.split(text.strip().rstrip(":"))[-1]
    m = _LEAD_WORDS.search(text)
    if not m:
        return None
    before = text[: m.start()]
    found = mentions(before)
    if not found or _SUBORDINATE.search(before.strip()) or len(before.split()) > SUBJECT_WORDS:
        return None
    principal = combine(context.principal(x) for x in found)
    if any(context.principal(x) is None for x in found):
        principal = None
    kind = "commitment" if re.search(r"\båtar sig\b|\båtagande", text, re.IGNORECASE) else "list"
    return principal, kind, " ".join(before.split()).strip(" -–/,")


def _is_lead_line(line: str) -> bool:
    """A lead line ends with a colon, or without it in "… ansvarar för att" over a list."""
    stripped = line.rstrip()
    return stripped.endswith(":") or bool(
        re.search(r"\b(?:ansvar\w*|åtar sig)\s+(?:för\s+)?att$|\bansvar\w*\s+för$", stripped, re.IGNORECASE)
    )


def _continues(item: str, line: str) -> bool:
    """A converter may break an item over a blank line: "… enligt HSL § 3 f och" / "SoL 5 kap. § 9 a."."""
    if item.endswith((".", "!", "?", ";")):
        return False
    if line[0].islower():
        return True
    return len(line.split()) <= 12 and (line[0] == "(" or item.endswith(",") or item.split()[-1].lower() in _JOINERS)


def _matrix(chunk: Chunk, context: DocumentContext) -> list[Responsibility]:
    out = []
    offset = 0
    lines = chunk.text.split("\n")
    spans = []
    for line in lines:
        spans.append((offset, offset + len(line)))
        offset += len(line) + 1
    for n, (label, marks) in enumerate(chunk.table.rows):
        line_start, line_end = next(
            ((a, b) for a, b in spans if chunk.text[a:b].startswith(label)), spans[min(n, len(spans) - 1)]
        )
        for strength in ("X", "K"):
            columns = [col for col, mark in marks.items() if mark == strength]
            units = list(dict.fromkeys(u for col in columns for u in column_units(col)))
            principal = principal_of(units)
            if principal:
                actors = [
                    Actor(
                        col, *_cell_span(chunk.text, col, line_start, line_end), principal_of(column_units(col)), "doer"
                    )
                    for col in columns
                ]
                out.append(
                    Responsibility(
                        label,
                        principal,
                        units,
                        "matrix",
                        strength,
                        actor=", ".join(columns),
                        modality="ansvarar" if strength == "X" else "kan",
                        start=line_start,
                        end=line_end,
                        actors=actors,
                    )
                )
    return out


def _cell_span(text: str, column: str, start: int, end: int) -> tuple[int, int]:
    """Where a row names its unit ("… (LARO): Psykiatri Beroendecentrum (X)"), not the whole row: the
    row's label is what the unit does, and a who-question must be able to match it."""
    at = text.find(column, start, end)
    return (at, at + len(column)) if at >= 0 else (end, end)


class _Tagger:
    """Walks a document's chunks in order, so a list that continues in the next chunk keeps its lead."""

    def __init__(self, context: DocumentContext) -> None:
        self.context = context
        self.lead: tuple[str | None, str, str] | None = None
        self.lead_text: str | None = None
        self.lead_path: list[str] = []
        self.topical = (
            False  # the lead governs topic sub-blocks ("åtar sig att: SIP", "Äldre …"), so sibling sections too
        )
        self.headings_seen: set[tuple[str, ...]] = set()

    def chunk(self, chunk: Chunk) -> list[Responsibility]:
        if chunk.table is not None:
            self.lead = None
            return _matrix(chunk, self.context)
        path = chunk.section_path
        records: list[Responsibility] = []
        if path and tuple(path) not in self.headings_seen:
            self.headings_seen.add(tuple(path))  # "9.4 Regionen ansvarar för abstinensbehandling"
            numbering = re.match(r"\d+(?:\.\d+)*\.?\s+", path[-1])
            at = numbering.end() if numbering else 0
            for statement in [] if _PURE_LEAD.search(path[-1]) else _clauses(path[-1], at, len(path[-1]), self.context):
                if statement.kind != "instruction":  # "Dokumentera och följ upp" titles a section, it is no instruction
                    statement.heading = True
                    records.append(statement)
        heading_lead = _lead(path[-1], self.context) if path else None
        if heading_lead:
            self.lead, self.lead_text, self.lead_path = heading_lead, path[-1], path
            self.topical = bool(re.search(r":\s*\S", path[-1]))
        elif path != self.lead_path and not (self.topical and path[:-1] == self.lead_path[:-1]):
            self.lead = None

        text = chunk.text
        last_item: Responsibility | None = None  # the record of the item just read, which a wrapped line continues
        offset = 0
        for raw in text.split("\n"):
            line_start = offset + len(raw) - len(raw.lstrip())
            line_end = offset + len(raw.rstrip())
            offset += len(raw) + 1
            line = raw.strip()
            if not line:
                continue
            if _ITEM.match(line):
                item_at = line_start + _ITEM.match(line).end()
                item = text[item_at:line_end]
                last_item = None
                own = self._item_statements(text, line_start, line_end)
                if (
                    own
                    and min((a.start for a in own[0].actors if a.role == "doer"), default=len(text)) <= item_at + 3
                    and (not self.lead or self.lead[0] != own[0].principal)
                ):
                    records += (
                        own  # "- Sjuksköterskan ansvarar för att …" under the physician's lead: the item's own actor
                    )
                elif self.lead:
                    principal, kind, actor = self.lead
                    lead_units = [m.name for m in mentions(actor) if m.kind == "unit"]
                    item_units = [
                        u
                        for u in _item_units(item)
                        if principal in ("gemensamt", None) or unit_principal(u) == principal
                    ]
                    actors = [Actor(actor, line_start, line_start, principal, "doer")] + [
                        a for a in _actors(item, item_at, self.context, None)
                    ]
                    last_item = Responsibility(
                        item,
                        principal,
                        list(dict.fromkeys(lead_units + item_units)),
                        kind,
                        actor=actor,
                        modality="åtar sig" if kind == "commitment" else "ansvarar",
                        start=line_start,
                        end=line_end,
                        lead=self.lead_text,
                        actors=actors,
                    )
                    records.append(last_item)
                else:
                    records += own
                continue
            if last_item and _continues(last_item.activity, line):
                last_item.activity += " " + line
                last_item.end = line_end
                continue
            last_item = None
            if _is_lead_line(line):
                self.lead = _lead(line, self.context)
                self.lead_text, self.lead_path, self.topical = line, path, False
                if not self.lead:
                    records += self._prose(text, line_start, line_end)
            else:
                # Commitment blocks are split by short topic lines ("Äldre med missbruk/beroende"); prose ends any lead.
                topic = not line.endswith((".", "!", "?")) and len(line.split()) <= 20
                if topic and self.lead and self.lead[1] == "commitment":
                    self.topical = True
                else:
                    self.lead = None
                records += self._prose(text, line_start, line_end)
        return records

    def _item_statements(self, text: str, start: int, end: int) -> list[Responsibility]:
        """An item that states its own actor ("- Läkaren ansvarar för att avsätta tid …")."""
        item_at = start + _ITEM.match(text[start:end]).end()
        return self._prose(text, item_at, end)

    def _prose(self, text: str, start: int, end: int) -> list[Responsibility]:
        out = []
        for a, b in _sentence_spans(text[start:end]):
            out += _clauses(text, start + a, start + b, self.context)
        return out


def _item_units(item: str) -> list[str]:
    return [m.name for m in mentions(item) if m.kind == "unit"]


def tag_document(doc: ParsedDocument) -> None:
    """Sets priority and responsibility statements on every chunk, in place."""
    tagger = _Tagger(DocumentContext.of(doc))
    for chunk in doc.chunks:
        if chunk.table is not None and chunk.table.kind == "recommendations":
            chunk.priority = table_recommendations(chunk.text, chunk.table.rows)
            chunk.responsibility = []
            continue
        chunk.priority = find_priorities(chunk.text)
        chunk.responsibility = tagger.chunk(chunk)
        for statement in chunk.responsibility:
            if statement.kind == "field" and chunk.section_path:
                statement.activity = chunk.section_path[-1]  # "Ansvarig huvudman: Kommunen" answers for its section

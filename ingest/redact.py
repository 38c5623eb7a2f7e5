"""Remove personal data from source text before anything is stored, embedded or shown.

Every rule sees the whole document at once (all its cleaned lines), because a list of
persons, a signature or a label with the name on the next line spans several lines; each
masked span is mapped back to the line it stands on, so line numbers and pages stay exact.

Redaction rule:

- Always removed, wherever they occur: e-mail addresses, phone numbers, personnummer,
  samordningsnummer (day of birth + 60), street addresses ("Storgatan 12 B, 123 45 Ort"),
  customer numbers (labelled Kundnummer/Kundnr/Klientnummer, or in such a column) and staff
  ids in parentheses after a name, e.g. "(AA33278)".
- Names of persons are removed:
  - in lists of persons: three or more consecutive lines (list items, table rows) that each are
    a name or an address with names, three or more "Name, where they work" lines (a working group),
    a table column headed Namn/Handläggare/Kontaktperson, or a row that carries a customer number;
  - after a label: "Handläggare:", "Ansvarig handläggare:", "Kontaktperson", "Sekreterare:",
    "Föredragande", "Skickat av:" …, the name on the same line or alone on the next;
  - in signatures: the name under "Med vänlig hälsning", and a name line followed by a title
    ("Förvaltningschef", "Ordförande Socialnämnden") or a name with its title after a comma;
  - in running text: a known first name followed by a surname ("Anna Berg", "Per Olsson") and
    a capitalised word followed by a known surname; any name next to a role ("socialsekreterare
    Anna", "klienten Per", "Anna, kurator"), a personnummer, phone number or e-mail address;
  - wherever else the document writes a full name that one of these rules masked.
  Whether a word is a name is decided by the Swedish first names and surnames in
  data/names.toml (the 991 most common first names and 500 most common surnames) and by the
  document itself: a capitalised word that the document also writes in lower case ("Maria
  Ungdom" beside "ungdom") is an ordinary word, not a surname, and a word before a unit word
  ("… kommun", "… Kommun") is a place.
- Public officials' names in a decision's signature (name + title) are kept only when the
  editor asks for it (KB_KEEP_SIGNING_OFFICIALS=1); case officers and everyone else are not.
- Never touched: dates, diarienummer, law references ("5 kap. 9a § SoL"), section, page and
  item numbers, years, amounts, a postal code with its town alone and a box address
  ("Box 38145, 100 64 Stockholm"), units and organisations ("Regionen", "Maria
  Ungdom"), titles without names and priority marks such as "(prio 3)".

- Names an editor marked for masking in a document ("a missed name") are masked wherever that
  document writes them, in any case and in the genitive ("Anna Bergs"), as long as each word is
  capitalised; the marks are kept as digests, never as written (`MarkedNames`).

Removed data is replaced by a visible typed marker ("[e-post]", "[telefon]", "[personnummer]",
"[samordningsnummer]", "[adress]", "[kundnummer]", "[id]", "[namn]"), so a reader sees that
something was there; the editor sees how many of each kind, never the values. A marker already in
the text (a kept copy is text masked before) counts as a value of its kind, so reading the kept
copy again counts what reading the file counted.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

NAMES_FILE = Path(__file__).parent / "data" / "names.toml"
_CONTACT_KINDS = ("personnummer", "samordningsnummer", "telefon", "e-post", "id", "adress")
MARKERS = {
    "e-post": "[e-post]",
    "telefon": "[telefon]",
    "personnummer": "[personnummer]",
    "samordningsnummer": "[samordningsnummer]",
    "adress": "[adress]",
    "kundnummer": "[kundnummer]",
    "id": "[id]",
    "namn": "[namn]",
}


_MARKER_TEXTS = frozenset(MARKERS.values())
_MARKER_RE = re.compile("|".join(re.escape(marker) for marker in MARKERS.values()))
_KIND_OF_MARKER = {marker: kind for kind, marker in MARKERS.items()}
# A word of a marked name: letters, hyphenated parts joined ("Anna-Karin").
_MARKED_WORD_RE = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")
MOST_MARKED_WORDS = 4


@dataclass(frozen=True)
class MarkedNames:
    """The names editors marked for masking in one document, each as a digest salted with the document's
    id and its number of words: the database holds no marked name as written."""

    doc_id: str
    digests: frozenset[tuple[str, int]] = frozenset()  # (digest, words)


def is_marker(text: str) -> bool:
    """Is this a marker masking left ("[namn]")?"""
    return text in _MARKER_TEXTS


def name_digest(doc_id: str, name: str) -> tuple[str, int]:
    """The digest and number of words a name is marked by. Raises ValueError, in Swedish, for what
    cannot be a name: no word, or more than MOST_MARKED_WORDS."""
    words = _MARKED_WORD_RE.findall(name)
    if not words or len(words) > MOST_MARKED_WORDS or len("".join(words)) < 2:
        raise ValueError(
            f"Skriv namnet som det står i texten, ett till {MOST_MARKED_WORDS} ord med bokstäver, till exempel Anna "
            f"Berg."
        )
    return _digest(doc_id, words), len(words)


def _digest(doc_id: str, words: list[str]) -> str:
    return hashlib.sha256(f"{doc_id}\x00{' '.join(words).casefold()}".encode()).hexdigest()


def _marked_spans(text: str, marked: MarkedNames) -> list[tuple[int, int]]:
    """Where the text writes a marked name: its words capitalised, one space apart, also with a genitive s."""
    tokens = list(_MARKED_WORD_RE.finditer(text))
    out: list[tuple[int, int]] = []
    for n in sorted({words for _, words in marked.digests}, reverse=True):
        for k in range(len(tokens) - n + 1):
            run = tokens[k : k + n]
            if any(start < run[-1].end() and run[0].start() < end for start, end in out):
                continue  # part of a longer marked name found already
            if not all(t.group(0)[0].isupper() for t in run) or any(
                text[a.end() : b.start()].strip(" \t\u00a0") for a, b in zip(run, run[1:])
            ):
                continue
            words = [t.group(0) for t in run]
            forms = [words] + (
                [[*words[:-1], words[-1][:-1]]] if words[-1].endswith("s") and len(words[-1]) > 2 else []
            )
            if any((_digest(marked.doc_id, form), n) in marked.digests for form in forms):
                out.append((run[0].start(), run[-1].end()))
    return sorted(out)


def mask_marked(text: str, marked: MarkedNames) -> str:
    """The text with the marked names replaced by the name marker: for what is kept of older versions."""
    for start, end in reversed(_marked_spans(text, marked)):
        text = text[:start] + MARKERS["namn"] + text[end:]
    return text


@dataclass(frozen=True)
class RedactionPolicy:
    """What the editor chose to keep, and the names an editor marked in this document; everything
    else the rule names is masked."""

    keep_signing_officials: bool = False
    marked: MarkedNames | None = None


@dataclass(frozen=True)
class Mask:
    """One masked span: `line` indexes the lines given, `start`/`end` are offsets in that line."""

    line: int
    start: int
    end: int
    kind: str  # a key of MARKERS


@dataclass
class Redacted:
    lines: list[str]
    masks: list[Mask]
    values: list[str] = field(
        default_factory=list
    )  # what each mask covered; never stored, only mapped to the kept copy

    @property
    def counts(self) -> dict[str, int]:
        """Masked values per kind, for the editor: how many, never which."""
        return dict(Counter(m.kind for m in self.masks))

    def unmasked(self) -> list[tuple[Mask, str]]:
        """The masks over a value rather than over a marker already there: what the source still holds."""
        return [(mask, value) for mask, value in zip(self.masks, self.values) if not is_marker(value)]


# --- patterns that need no context -------------------------------------------

_SP = r"[ ]"  # a space inside one value: never a tab (a table cell boundary) nor a line break
_EMAIL_MD_LINK_RE = re.compile(r"\[[^\]\n]*@[^\]\n]*\]\(mailto:[^)\n]*\)")
_EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# an OCR-damaged address ("akram heidari@harnosand �"): the token around the @
_BROKEN_EMAIL_RE = re.compile(r"[^\s@]*@[^\s@]*")
# an address whose @ the OCR lost ("eva.ehn�harnosand.se"), recognised only inside a list of persons
_ADDRESS_TOKEN_RE = re.compile(r"^[^\s@]+\.[^\s@]+\.(?:se|nu|com|org|net|eu)$", re.I)
_PERSONNUMMER_RE = re.compile(
    r"(?<![\w-])(?:19|20)?\d{2}(?:0[1-9]|1[0-2])(?P<day>0[1-9]|[12]\d|3[01]|6[1-9]|[78]\d|9[01])"
    r"(?P<sep>[-+ ]?)\d{4}(?![\w-])"
)
_PHONE_RE = re.compile(
    rf"(?<![\w+.,-])(?:\+46{_SP}?(?:\(0\){_SP}?)?[1-9]\d{{0,2}}|0[1-9]\d{{0,2}})(?:{_SP}?[-–]{_SP}?|{_SP})?\d{{2,4}}"
    rf"(?:{_SP}?\d{{2,4}}){{0,3}}(?![\w-])"
)
_STAFF_ID_RE = re.compile(r"(?<=\()[A-Z]{1,3}\d{4,6}(?=\))")
_CUSTOMER_LABEL = r"(?:kund|klient|brukar)(?:nummer|nr\.?)"
_CUSTOMER_NO_RE = re.compile(rf"(?i)\b{_CUSTOMER_LABEL}{_SP}*[:.]?{_SP}*(?P<value>\d[\d -]{{2,12}}\d)\b")
_CUSTOMER_HEADER_RE = re.compile(rf"(?i)\b{_CUSTOMER_LABEL}\b")
_ROW_NUMBER_RE = re.compile(r"\b\d{4,10}\s*$")
# A street and house number, with the postal code and town when they follow: "Storgatan 12 B",
# "Östra Långgatan 3, lgh 1102", "Drottning Kristinas väg 14, 123 45 Ort".
_STREET_WORD = (
    r"[A-ZÅÄÖ][a-zåäöé]+(?:gatan|gata|vägen|gränd|gränden|stigen|backe|backen|allé|allén|torget|stråket|kajen"
    r"|esplanaden|promenaden|slingan|leden)"
)
_STREET_RE = re.compile(
    rf"(?<![\w-])(?:(?:[A-ZÅÄÖ][\w:.-]*{_SP}){{0,2}}{_STREET_WORD}"
    rf"|(?:[A-ZÅÄÖ][\w:.-]*{_SP}){{1,2}}(?i:väg|gata|gränd|torg|allé|plan|backe))"
    rf"{_SP}\d{{1,4}}(?:{_SP}?[A-Ha-h](?![\w-]))?(?:,?{_SP}*(?:lgh|lägenhet){_SP}*\d{{1,5}})?"
    rf"(?:,?{_SP}*\d{{3}}{_SP}?\d{{2}}{_SP}+[A-ZÅÄÖ][\wåäö-]+)?"
)

# --- names ----------------------------------------------------------------------

_NAME_WORD_RE = re.compile(r"^[A-ZÅÄÖÉÜ][a-zåäöéüß]+(?:-[A-ZÅÄÖÉÜ][a-zåäöéüß]+)*[,.]?$")
_TOKEN = r"[A-ZÅÄÖÉÜ][a-zåäöéüáóíß]+(?:-[A-ZÅÄÖÉÜ][a-zåäöéüáóíß]+)*"
_PARTICLE = r"(?:Mc|Mac|af|von|van|de|der|den|la|di|da|al|el)"
# A run of capitalised words, one space apart: where a name may stand.
_NAME_RUN_RE = re.compile(rf"(?<![\w@.-]){_TOKEN}(?:{_SP}(?:{_PARTICLE}{_SP})?{_TOKEN})*(?![\w@-])")
# Units and places are capitalised like names; words ending in these are not persons.
_ORG_WORDS = (
    "kommun",
    "kommunen",
    "kommunerna",
    "region",
    "regionen",
    "landsting",
    "landstinget",
    "län",
    "länet",
    "nämnd",
    "nämnden",
    "enhet",
    "enheten",
    "förvaltning",
    "förvaltningen",
    "styrelse",
    "styrelsen",
    "sjukhus",
    "sjukhuset",
    "mottagning",
    "mottagningen",
    "psykiatri",
    "psykiatrin",
    "vård",
    "vården",
    "centrum",
    "förbund",
    "förbundet",
    "stad",
    "staden",
    "boende",
    "boendet",
    "tjänst",
    "tjänsten",
    "central",
    "centralen",
    "huset",
    "hemmet",
    "gruppen",
    "skola",
    "skolan",
    "klinik",
    "kliniken",
    "akuten",
    "avdelning",
    "avdelningen",
    "verket",
    "myndighet",
    "myndigheten",
    "huvudmännen",
    "parterna",
)
_ORG_WORD_RE = re.compile(rf"(?i)(?:{'|'.join(_ORG_WORDS)})[,.]?$")
# Roles and titles, as a word of their own or the end of a compound ("förvaltningschef", "klienten").
_ROLE_STEMS = (
    "sekreterare",
    "handläggare",
    "chef",
    "direktör",
    "ordförande",
    "ledamot",
    "ledamöter",
    "ersättare",
    "läkare",
    "sjuksköterska",
    "sköterska",
    "kurator",
    "psykolog",
    "behandlare",
    "terapeut",
    "samordnare",
    "utredare",
    "föreståndare",
    "assistent",
    "kontaktperson",
    "kontaktman",
    "strateg",
    "utvecklare",
    "controller",
    "ekonom",
    "jurist",
    "ombud",
    "rådgivare",
    "konsulent",
    "pedagog",
    "stödperson",
    "förvaltare",
    "justerare",
    "föredragande",
    "registrator",
    "tjänsteman",
    "tjänsteperson",
    "medarbetare",
    "klient",
    "patient",
    "brukare",
    "sökande",
    "vårdnadshavare",
    "anhörig",
)
# Kin and private roles only as words of their own: as word ends they would take "Andersson" or "Lindmark".
_KIN = (
    "den enskilde",
    "enskilde",
    "god man",
    "mamma",
    "pappa",
    "mor",
    "far",
    "son",
    "dotter",
    "bror",
    "syster",
    "make",
    "maka",
    "sambo",
    "barn",
    "barnet",
)
_INFLECTION = r"(?:n|en|na|rna|erna|s|ns|ens)?"
_ROLE = rf"(?:[a-zåäö]*(?:{'|'.join(_ROLE_STEMS)}){_INFLECTION}|(?:{'|'.join(_KIN)}){_INFLECTION})"
_ROLE_RE = re.compile(rf"(?i)(?<![\w-]){_ROLE}(?![\w-])")
_ROLE_BEFORE_RE = re.compile(rf"(?i)(?<![\w-])(?:vice{_SP})?{_ROLE}(?:{_SP}är)?{_SP}+$")
_ROLE_AFTER_RE = re.compile(
    rf"(?i)^{_SP}*(?:,|\(|–|-|som){_SP}*(?:vice{_SP}|1:e{_SP}|2:e{_SP}|leg\.?{_SP})?{_ROLE}(?![\w-])"
)
# What stands between a name and its personnummer, phone or address: "Anna Berg, pnr 850412-1234".
_CONTACT_GAP_RE = re.compile(
    rf"(?i)^{_SP}*[,(–-]?{_SP}*(?:(?:pnr|personnummer|pers\.?nr|samordningsnummer|född|tel\.?|telefon|mobil|"
    rf"e-post|mejl|mail|adress|bor{_SP}på)\.?{_SP}*:?{_SP}*)?$"
)
# Labels a person's name follows. Strong ones label a person wherever they stand at a line start;
# weak ones are ordinary words too ("information från …") and count only with a colon.
_STRONG_LABELS = (
    rf"(?:(?:ansvarig|biträdande|ärendeansvarig){_SP}+)?(?:handläggare|socialsekreterare|kontaktpersoner|kontaktperson)",
    "kontaktman",
    "sekreterare",
    "nämndsekreterare",
    "föredragande",
    "utredare",
    "justerare",
    rf"justeras{_SP}+av",
    "protokollförare",
    rf"skickat{_SP}+av",
    rf"skriven{_SP}+av",
    rf"upprättad{_SP}+av",
    rf"dokumentansvarig(?:{_SP}+är)?",
    rf"beslutad{_SP}+av",
    rf"dokumentet{_SP}+är{_SP}+beslutat{_SP}+av",
)
_WEAK_LABELS = (
    "från",
    "avsändare",
    "mottagare",
    "till",
    "kontakt",
    "namn",
    "klient",
    "patient",
    "sökande",
    "brukare",
    rf"god{_SP}+man",
    "deltagare",
    "närvarande",
)
_LABEL_RE = re.compile(
    rf"(?i)(?<![\w-])(?:(?P<strong>{'|'.join(_STRONG_LABELS)})|(?P<weak>{'|'.join(_WEAK_LABELS)}))"
    rf"(?:\*\*)?{_SP}*(?P<colon>:|–|-)?(?:\*\*)?[ \t]*"
)
_MEMBER_RE = re.compile(rf"({_TOKEN}(?:{_SP}(?:{_PARTICLE}{_SP})?{_TOKEN}){{1,3}})(?:,|{_SP}\()")
_LABEL_JOIN_RE = re.compile(rf"{_SP}*(?:,|/|&|{_SP}och|{_SP}samt){_SP}*(?=[A-ZÅÄÖ])")
_GREETING_RE = re.compile(r"(?i)^(?:med\s+)?(?:vänlig(?:a)?|bästa|varma)?\s*hälsning(?:ar)?[,.!]?$|^mvh[,.]?$")
_NAME_COLUMN_RE = re.compile(
    r"(?i)^(?:namn|för-?\s*och\s*efternamn|förnamn|efternamn|handläggare|kontaktperson|ansvarig|sekreterare|"
    r"klient|patient|brukare|sökande|person)$"
)
_MARKUP_RE = re.compile(r"^(?:#{1,6}\s+|[-*+]\s+|\d{1,3}[.)]\s+)?(?:\*\*|\*|_)?")


@cache
def _names() -> tuple[frozenset[str], frozenset[str]]:
    """(first names, surnames) from data/names.toml."""
    with NAMES_FILE.open("rb") as f:
        data = tomllib.load(f)
    return frozenset(data["first"]), frozenset(data["last"])


def is_first_name(word: str) -> bool:
    first, _ = _names()
    return all(part in first for part in word.split("-"))


def is_surname(word: str) -> bool:
    _, last = _names()
    return all(part in last for part in word.split("-"))


# --- the document -----------------------------------------------------------------


def redact(text: str, policy: RedactionPolicy = RedactionPolicy()) -> tuple[str, int]:
    """The text (one whole document) with personal data replaced by markers, and how many were replaced."""
    result = redact_lines(text.split("\n"), policy)
    return "\n".join(result.lines), len(result.masks)


def redact_lines(lines: list[str], policy: RedactionPolicy = RedactionPolicy()) -> Redacted:
    """Masks over all the lines of one document, applied; the lines stay as many and in place."""
    masks = _Finder(lines, policy).masks()
    out = list(lines)
    by_line: dict[int, list[Mask]] = {}
    for mask in masks:
        by_line.setdefault(mask.line, []).append(mask)
    for i, found in by_line.items():
        text = out[i]
        for mask in sorted(found, key=lambda m: -m.start):
            text = text[: mask.start] + MARKERS[mask.kind] + text[mask.end :]
        out[i] = text
    return Redacted(out, masks, [lines[m.line][m.start : m.end] for m in masks])


# Head fields whose value is a person when it is a name, read as the labelled line they came from.
_PERSON_FIELDS = {"owner": "Dokumentansvarig", "decided_by": "Beslutad av"}
_ADDRESS_FIELDS = ("source_url",)  # a web address: its digits are no phone number


def redact_fields(
    fields: dict[str, str], policy: RedactionPolicy = RedactionPolicy()
) -> tuple[dict[str, str], Redacted]:
    """A document head's values ("Dokumentansvarig: Helena Sundvall" read as metadata), masked by the same rules."""
    keys = [k for k in fields if k not in _ADDRESS_FIELDS]
    prefixes = [f"{_PERSON_FIELDS[k]}: " if k in _PERSON_FIELDS else "" for k in keys]
    found = redact_lines([prefix + fields[k] for prefix, k in zip(prefixes, keys)], policy)
    values = dict(fields) | {k: line[len(prefix) :] for k, prefix, line in zip(keys, prefixes, found.lines)}
    return values, found


class _Finder:
    """All rules over one document; each adds masks, overlaps are settled once at the end."""

    def __init__(self, lines: list[str], policy: RedactionPolicy):
        self.lines = lines
        self.policy = policy
        self.found: list[Mask] = []
        self.kept: set[tuple[int, int, int]] = set()  # officials' signature names the policy keeps
        words = Counter(
            w for line in lines for w in re.findall(r"(?<![\w@.-])[A-ZÅÄÖÉÜa-zåäöéü][a-zåäöéü]+(?![\w@-]|\.\w)", line)
        )
        self.lower = {w for w in words if w.islower()}
        self.words = words

    def masks(self) -> list[Mask]:
        self._markers()
        self._marked()
        self._patterns()
        self._customer_tables()
        self._name_columns()
        self._lists()
        self._members()
        self._labels()
        self._signatures()
        self._prose()
        self._elsewhere()
        return self._settled()

    def add(self, line: int, start: int, end: int, kind: str) -> None:
        if end > start:
            self.found.append(Mask(line, start, end, kind))

    def _settled(self) -> list[Mask]:
        """Kept signature names drop out; of overlapping masks the earliest and longest wins."""
        out: list[Mask] = []
        for mask in sorted(self.found, key=lambda m: (m.line, m.start, -m.end)):
            if mask.kind == "namn" and any(
                k[0] == mask.line and k[1] <= mask.start and mask.end <= k[2] for k in self.kept
            ):
                continue
            if out and out[-1].line == mask.line and mask.start < out[-1].end:
                continue
            out.append(mask)
        return out

    # -- values that are personal wherever they stand ---------------------------------

    def _markers(self) -> None:
        """A marker an earlier reading left (the kept copy is masked text) is a value of its kind."""
        for i, line in enumerate(self.lines):
            for m in _MARKER_RE.finditer(line):
                self.add(i, *m.span(), _KIND_OF_MARKER[m.group(0)])

    def _marked(self) -> None:
        if self.policy.marked is None:
            return
        for i, line in enumerate(self.lines):
            for start, end in _marked_spans(line, self.policy.marked):
                self.add(i, start, end, "namn")

    def _patterns(self) -> None:
        for i, line in enumerate(self.lines):
            taken: list[tuple[int, int]] = []

            def free(start: int, end: int) -> bool:
                return all(end <= a or start >= b for a, b in taken)

            for pattern, kind in (
                (_EMAIL_MD_LINK_RE, "e-post"),
                (_EMAIL_RE, "e-post"),
                (_BROKEN_EMAIL_RE, "e-post"),
                (_PERSONNUMMER_RE, "personnummer"),
                (_PHONE_RE, "telefon"),
                (_STREET_RE, "adress"),
                (_STAFF_ID_RE, "id"),
                (_CUSTOMER_NO_RE, "kundnummer"),
            ):
                for m in pattern.finditer(line):
                    start, end = m.span("value") if kind == "kundnummer" else m.span()
                    if not m.group(0).strip("@") or not free(start, end):
                        continue
                    if kind == "personnummer":
                        kind_here = _personnummer_kind(m)
                        if kind_here is None:
                            continue
                        self.add(i, start, end, kind_here)
                    elif kind == "telefon" and not 7 <= len(re.sub(r"\D", "", m.group(0))) <= 13:
                        continue
                    else:
                        self.add(i, start, end, kind)
                    taken.append((start, end))

    # -- lists of persons ------------------------------------------------------------

    def _customer_tables(self) -> None:
        """Rows under a header naming a customer-number column: the number and the person at the row start."""
        in_table = False
        for i, line in enumerate(self.lines):
            if not line.strip():
                continue
            if _CUSTOMER_HEADER_RE.search(line) and not re.search(r"\d", line):
                in_table = True
                continue
            if not in_table:
                continue
            number = _ROW_NUMBER_RE.search(line)
            if not number:
                in_table = False
                continue
            self.add(i, number.start(), number.start() + len(number.group(0).rstrip()), "kundnummer")
            tokens = [t for t in re.finditer(r"\S+", line)][:3]
            lead = 0
            while (
                lead < len(tokens)
                and _NAME_WORD_RE.match(tokens[lead].group(0))
                and not _ORG_WORD_RE.search(tokens[lead].group(0))
            ):
                lead += 1
            if lead >= 2:
                self.add(i, tokens[0].start(), tokens[lead - 1].end(), "namn")

    def _name_columns(self) -> None:
        """Table rows under a header cell Namn, Handläggare, Kontaktperson …: that cell is a person;
        under Kundnummer/Klientnummer, that cell is a customer number."""
        columns: dict[int, str] = {}
        for i, line in enumerate(self.lines):
            cells = _cells(line)
            if not cells:
                if line.strip():
                    columns = {}
                continue
            header = {k: "namn" for k, (_, _, text) in enumerate(cells) if _NAME_COLUMN_RE.match(text)}
            header |= {k: "kundnummer" for k, (_, _, text) in enumerate(cells) if _CUSTOMER_HEADER_RE.fullmatch(text)}
            if header:
                columns = header
                continue
            for k, kind in columns.items():
                if k >= len(cells):
                    continue
                start, end, text = cells[k]
                if kind == "kundnummer" and re.search(r"\d", text):
                    self.add(i, start, end, kind)
                elif (
                    kind == "namn"
                    and text
                    and not _ORG_WORD_RE.search(text)
                    and not _ROLE_RE.fullmatch(text)
                    and re.search(r"[A-ZÅÄÖ]", text)
                ):
                    self.add(i, start, end, kind)

    def _lists(self) -> None:
        """Three or more consecutive lines that each are a name (two of them clean) form a list of persons."""
        run: list[int] = []
        kinds = [_kind(line) for line in self.lines]
        for i in range(len(self.lines) + 1):
            kind = kinds[i] if i < len(self.lines) else "other"  # past the end closes the last run
            if kind == "blank":
                continue
            if kind in ("strict", "loose", "email"):
                run.append(i)
                continue
            run = _attached(run, kinds)
            anchors = [j for j in run if kinds[j] in ("strict", "email")]
            if len(run) >= 3 and len(anchors) >= 2:
                for j in run:
                    self._list_entry(j, kinds[j])
            run = []

    def _list_entry(self, i: int, kind: str) -> None:
        """One list entry: its address (however damaged) and every name on it."""
        start, end = _core(self.lines[i])
        line = self.lines[i]
        if kind != "email":
            self.add(i, start, end, "namn")
            return
        at = line.find("@", start) if "@" in line else start + len(line[start:].split()[0])
        names = re.search(r"\s[A-ZÅÄÖ][^@]*$", line[at:end])
        if names:
            self.add(i, start, at + names.start(), "e-post")
            self.add(i, at + names.start() + 1, end, "namn")
        else:
            self.add(i, start, end, "e-post")

    def _members(self) -> None:
        """Three or more consecutive lines "Name, where they work" (a working group, a list of
        participants), two of them with a known first name or surname: every leading name goes."""
        run: list[tuple[int, int, int, bool]] = []
        for i in range(len(self.lines) + 1):
            line = self.lines[i] if i < len(self.lines) else ""
            if i < len(self.lines) and not line.strip():
                continue
            start, _ = _core(line) if line else (0, 0)
            lead = _MEMBER_RE.match(line, start) if line else None
            words = lead.group(1).split() if lead else []
            if lead and not any(self._not_a_name(w) for w in words):
                run.append((i, *lead.span(1), is_first_name(words[0]) or is_surname(words[-1])))
                continue
            if len(run) >= 3 and sum(known for *_, known in run) >= 2:
                for j, a, b, _ in run:
                    self.add(j, a, b, "namn")
            run = []

    # -- names by their context --------------------------------------------------------

    def _labels(self) -> None:
        """ "Handläggare: Anna Berg och Per Olsson", and "Kontaktperson" with the name alone on the next line."""
        for i, line in enumerate(self.lines):
            for label in _LABEL_RE.finditer(line):
                at_start = not line[: label.start()].strip(" *#|\t-")
                if not (label.group("colon") or label.group("strong") and at_start):
                    continue
                if not line[label.end() :].strip(" *:"):
                    nxt = self._next_nonblank(i)
                    if at_start and nxt is not None and _kind(self.lines[nxt]) == "strict":
                        self.add(nxt, *_core(self.lines[nxt]), "namn")
                    continue
                pos = label.end()
                while (run := _NAME_RUN_RE.match(line, pos)) and self._name_tokens(run.group(0), loose=True):
                    if re.match(r"\s+[a-zåäö]", line[run.end() :]) and not _LABEL_JOIN_RE.match(line, run.end()):
                        break  # a sentence goes on: "Kontaktman: Säkerställer att …"
                    self.add(i, *run.span(), "namn")
                    join = _LABEL_JOIN_RE.match(line, run.end())
                    if not join:
                        break
                    pos = join.end()

    def _signatures(self) -> None:
        """The name under a greeting, a name line above its title, and "Name, title" alone on a line."""
        for i, line in enumerate(self.lines):
            core = line[slice(*_core(line))].strip()
            if _GREETING_RE.match(core):
                j = self._next_nonblank(i)
                if j is not None and self._name_line(j, loose=True):
                    self._signature_name(j, *_core(self.lines[j]))
                continue
            if self._name_line(i, loose=False):
                j = self._next_nonblank(i)
                if j is not None and _is_title_line(self.lines[j]):
                    self._signature_name(i, *_core(line))
                continue
            m = re.match(rf"^\s*({_TOKEN}(?:{_SP}(?:{_PARTICLE}{_SP})?{_TOKEN}){{1,3}}),{_SP}*(.+)$", line)
            if m and _is_title_line(m.group(2)) and self._name_tokens(m.group(1), loose=False):
                self._signature_name(i, *m.span(1))

    def _signature_name(self, i: int, start: int, end: int) -> None:
        title_follows = (j := self._next_nonblank(i)) is not None and _is_title_line(self.lines[j])
        if self.policy.keep_signing_officials and (title_follows or "," in self.lines[i][end:]):
            self.kept.add((i, start, end))
            return
        self.add(i, start, end, "namn")

    def _prose(self) -> None:
        """A known first name with a surname anywhere; any name next to a role or a personal number."""
        personal = [(m.line, m.start) for m in self.found if m.kind in _CONTACT_KINDS]
        for i, line in enumerate(self.lines):
            for run in _NAME_RUN_RE.finditer(line):
                for start, end, sure in self._names_in(_tokens(run), line[run.end() :]):
                    role = _ROLE_BEFORE_RE.search(line[:start]) or _ROLE_AFTER_RE.match(line[end:])
                    # beside a number a lone capitalised word is more often its label ("Växel", "Ring")
                    number = (" " in line[start:end] or is_first_name(line[start:end])) and any(
                        li == i and s >= end and _CONTACT_GAP_RE.match(line[end:s]) for li, s in personal
                    )
                    if sure or role or number:
                        self.add(i, start, end, "namn")
                        self._wrapped_surname(i, start, end)

    def _elsewhere(self) -> None:
        """A full name masked once is masked wherever else the document writes it ("… och
        Aino Väisänen" after the working-group list named her)."""
        names = {self.lines[m.line][m.start : m.end] for m in self.found if m.kind == "namn"}
        names = {n for n in names if len(n.split()) >= 2 and _NAME_RUN_RE.fullmatch(n)}
        if not names:
            return
        pattern = re.compile(
            r"(?<![\w-])(?:" + "|".join(map(re.escape, sorted(names, key=len, reverse=True))) + r")(?![\w-])"
        )
        for i, line in enumerate(self.lines):
            for m in pattern.finditer(line):
                self.add(i, *m.span(), "namn")

    def _names_in(self, tokens: list[tuple[int, int, str]], tail: str) -> list[tuple[int, int, bool]]:
        """Names inside a run of capitalised words, and whether they are sure without a role beside
        them: a known first name with a surname, or a surname from the list after a capitalised word.
        A known first name alone, or capitalised words no list knows, are names only beside a role.
        A word before a unit word is a place ("… kommun", "… Kommun"), never a name."""
        words = [word for _, _, word in tokens]
        place = [
            k + 1 < len(words)
            and bool(_ORG_WORD_RE.fullmatch(words[k + 1]))
            or k + 1 == len(words)
            and bool(re.match(rf"(?i){_SP}+(?:{'|'.join(_ORG_WORDS)})\b", tail))
            for k in range(len(words))
        ]
        out = []
        k = 0
        while k < len(tokens):
            start, _, word = tokens[k]
            if self._not_a_name(word) or place[k]:
                k += 1
                continue
            if is_first_name(word) and (not self._ordinary(word, first=True) or _surname_next(tokens, k)):
                j = k + 1
                while j < len(tokens) and j - k < 4 and not place[j] and self._surname_after_first(words[j]):
                    j += 1
                out.append((start, tokens[j - 1][1], j > k + 1))
                k = j
                continue
            if _surname_next(tokens, k) and not place[k + 1] and self._surname_like(word):
                out.append((start, tokens[k + 1][1], True))
                k += 2
                continue
            j = k
            while j < len(tokens) and j - k < 3 and not place[j] and self._surname_like(words[j]):
                j += 1
            if j > k:
                out.append((start, tokens[j - 1][1], False))
                k = j
            else:
                k += 1
        return out

    def _wrapped_surname(self, i: int, start: int, end: int) -> None:
        """A first name alone at the line end ("socialsekreterare Anna" / "Berg ringer …"): its surname too."""
        if " " in self.lines[i][start:end] or self.lines[i][end:].strip() or i + 1 >= len(self.lines):
            return
        m = re.match(rf"\s*({_TOKEN})(?![\w@-])", self.lines[i + 1])
        if m and self._surname_after_first(m.group(1)):
            self.add(i + 1, *m.span(1), "namn")

    def _ordinary(self, word: str, first: bool = False) -> bool:
        """A word this document also writes in lower case ("Ungdom" beside "ungdom"); a first name only
        when the lower case is the commoner ("Per" beside "per månad", not "Mats" beside one "mats")."""
        lower = word.lower()
        if not first:
            return lower in self.lower
        return self.words[lower] >= max(1, self.words[word])

    def _surname_like(self, word: str) -> bool:
        """Capitalised, not a unit, role or ordinary word of this document."""
        return is_surname(word) or not self._not_a_name(word) and not self._ordinary(word)

    def _surname_after_first(self, word: str) -> bool:
        """After a known first name only a whole unit word ends the name: "Birgitta Alevård" is a person."""
        return is_surname(word) or (
            word.lower() not in _ORG_WORDS and not _ROLE_RE.fullmatch(word) and not self._ordinary(word)
        )

    def _not_a_name(self, word: str) -> bool:
        return bool(_ORG_WORD_RE.search(word) or _ROLE_RE.fullmatch(word))

    def _name_tokens(self, text: str, loose: bool) -> bool:
        """Is this run of capitalised words (after a label, in a signature) a person's name?"""
        words = [w for w in text.split() if not re.fullmatch(_PARTICLE, w)]
        if not words or len(words) > 4 or any(self._not_a_name(w) for w in words):
            return False
        if is_first_name(words[0]) or is_surname(words[-1]):
            return True
        return (loose or len(words) >= 2) and not any(self._ordinary(w) for w in words)

    def _name_line(self, i: int, loose: bool) -> bool:
        start, end = _core(self.lines[i])
        text = self.lines[i][start:end].strip()
        if not text or not _NAME_RUN_RE.fullmatch(text):
            return False
        words = text.split()
        if not loose and len(words) < 2:
            return False
        return self._name_tokens(text, loose=loose) and (loose or is_first_name(words[0]) or is_surname(words[-1]))

    def _next_nonblank(self, i: int, reach: int = 3) -> int | None:
        for j in range(i + 1, min(len(self.lines), i + 1 + reach)):
            if self.lines[j].strip():
                return j
        return None


# --- helpers ----------------------------------------------------------------------


def _luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(digits[-10:]):
        n = int(ch) * (2 if i % 2 == 0 else 1)
        total += n - 9 if n > 9 else n
    return total % 10 == 0


def _personnummer_kind(match: re.Match) -> str | None:
    """Without a hyphen or plus, digits may be anything, so the check digit must agree."""
    if match.group("sep") not in ("-", "+") and not _luhn_ok(re.sub(r"\D", "", match.group(0))):
        return None
    return "samordningsnummer" if int(match.group("day")) > 60 else "personnummer"


def _tokens(run: re.Match) -> list[tuple[int, int, str]]:
    """The capitalised words of a run with their offsets in the line; particles join the next word."""
    out = []
    pending: int | None = None
    for m in re.finditer(r"\S+", run.group(0)):
        start, end = run.start() + m.start(), run.start() + m.end()
        if re.fullmatch(_PARTICLE, m.group(0)):
            pending = start if pending is None else pending
            continue
        out.append((pending if pending is not None else start, end, m.group(0)))
        pending = None
    return out


def _surname_next(tokens: list[tuple[int, int, str]], k: int) -> bool:
    return k + 1 < len(tokens) and is_surname(tokens[k + 1][2])


def _core(line: str) -> tuple[int, int]:
    """The span of a line's content without indent, list marker, heading marks or emphasis;
    of a table row, its first cell."""
    cells = _cells(line)
    if cells:
        first = next(((s, e) for s, e, text in cells if text), (0, 0))
        return first
    start = len(line) - len(line.lstrip())
    m = _MARKUP_RE.match(line, start)
    start = m.end() if m else start
    end = len(line.rstrip())
    while end > start and line[end - 1] in "*_ ":
        end -= 1
    return start, end


def _cells(line: str) -> list[tuple[int, int, str]]:
    """The cells of a table row (tab-separated, or a Markdown row between |), with their spans."""
    if "\t" not in line and not line.lstrip().startswith("|"):
        return []
    sep = "\t" if "\t" in line else "|"
    out, pos = [], 0
    for part in line.split(sep):
        start = pos + len(part) - len(part.lstrip())
        end = pos + len(part.rstrip())
        out.append((start, max(start, end), part.strip()))
        pos += len(part) + 1
    if sep == "|":
        out = out[1:-1] if len(out) >= 2 else out
    return out


def _is_title_line(text: str) -> bool:
    """A title under or after a name: "Förvaltningschef", "ordförande Socialnämnden", "Leg. psykolog"."""
    start, end = _core(text)
    core = text[start:end].strip().rstrip(",.")
    words = core.split()
    if not words or len(words) > 6:
        return False
    return bool(
        re.match(
            rf"(?i)^(?:t\.?f\.?{_SP}|tf{_SP}|vice{_SP}|1:e{_SP}|2:e{_SP}|leg\.?{_SP}|biträdande{_SP}|ansvarig{_SP})?{_ROLE}(?![\w-])",
            core,
        )
    )


def _kind(line: str) -> str:
    """strict: a clean name; loose: an OCR-damaged name; email: a contact row; other."""
    start, end = _core(line)
    text = line[start:end]
    tokens = text.strip().split()
    if not tokens:
        return "blank" if not line.strip() else "other"
    if ("@" in text or _ADDRESS_TOKEN_RE.match(tokens[0])) and len(tokens) <= 12:
        return "email"
    if _ORG_WORD_RE.search(tokens[-1]) or text.rstrip().endswith(":") or line.lstrip().startswith("#"):
        return "other"  # a unit, a label or a heading
    if 2 <= len(tokens) <= 4 and all(_NAME_WORD_RE.match(t) for t in tokens):
        return "strict"
    if len(tokens) > 5:  # a sentence; asked first, since every source line is asked
        return "other"
    mostly_letters = all(len(t) >= 2 and sum(c.isalpha() for c in t) * 2 >= len(t) for t in tokens)
    if not mostly_letters or any(t.isupper() and len(t) >= 3 for t in tokens):
        return "other"
    if len(tokens) == 1:  # "MaUCollin": a plain word like "Datum" or "Vakant" is not a name
        return "loose" if re.search(r".[A-ZÅÄÖ]|[^\w-]|\d", tokens[0]) else "other"
    return "loose" if sum(not t[0].isupper() for t in tokens) <= 1 else "other"


def _attached(run: list[int], kinds: list[str]) -> list[int]:
    """Damaged names count only next to a clean name, so column headers after an address list stay."""
    found = [kinds[j] for j in run]
    keep = []
    for k, j in enumerate(run):
        if found[k] != "loose":
            keep.append(j)
            continue
        before = next((kind for kind in reversed(found[:k]) if kind != "loose"), None)
        after = next((kind for kind in found[k + 1 :] if kind != "loose"), None)
        if "strict" in (before, after):
            keep.append(j)
    return keep

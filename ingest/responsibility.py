"""Who is responsible for what, as the agreements state it.

Four forms carry responsibility: lists under an actor's heading or lead line
("Exempel på insatser som landstinget ansvarar för:"), commitment blocks
("Landstinget åtar sig att:"), matrices of marks per unit, and prose ("X ansvarar
för Y"). Principals come from data/units.toml. Precision over recall: a passage
whose actor cannot be told gets no record rather than a guessed one.
"""

from __future__ import annotations

import re
import tomllib
from functools import cache
from pathlib import Path

from rapidfuzz import fuzz, process

from ingest.model import Chunk, ParsedDocument, Responsibility
from ingest.priority import find_priorities

UNITS_FILE = Path(__file__).parent / "data" / "units.toml"

_ITEM = re.compile(r"^(?:[-•]|\d{1,2}[.)])\s+")
_LEAD_WORDS = re.compile(r"\bansvar|\båtar sig\b", re.IGNORECASE)
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-ZÅÄÖ])")
# Prose forms; the subject must end right before the verb, as in a Swedish main clause.
_PROSE = [
    re.compile(r"(?P<who>[^.;:]{2,80}?)\s+(?:ska\s+)?(?-i:ansvarar?)(?:\s+\w+){0,3}?\s+för\s+(?P<what>[^.;]+)", re.IGNORECASE),
    re.compile(
        r"(?P<who>[^.;:]{2,80}?)\s+(?-i:har|tar|ska\s+ta)\s+(?:det\s+yttersta\s+|ett\s+(?:särskilt\s+|samlat\s+)?|)ansvar(?:et)?\s+för\s+(?P<what>[^.;]+)",
        re.IGNORECASE,
    ),
    re.compile(r"\bAnsvaret\s+(?:för|att)\s+(?P<what>[^.;]+?)\s+(?:tillhör|ligger\s+(?:ytterst\s+)?(?:hos|på)|vilar\s+på)\s+(?P<who>[^.;]+)", re.IGNORECASE),
    re.compile(r"(?P<what>[^.;:]{4,120}?)\s+ska\s+vara\s+ett\s+ansvar\s+för\s+(?P<who>[^.;]+)", re.IGNORECASE),
]
# A subject opened by a subordinator ("Trots att båda huvudmännen har ansvar för …") is not the main clause.
_SUBORDINATE = re.compile(r"^(?:att|om|när|trots|eftersom|då|medan)\b|\b(?:trots|om|när|eftersom) att\b", re.IGNORECASE)
_JOINERS = {"och", "eller", "samt", "med", "i", "för", "av", "enligt", "om", "till", "vid", "inom", "på"}
_VAGUE = {"detta", "dessa", "det", "den", "vad"}


@cache
def _table() -> dict:
    with UNITS_FILE.open("rb") as f:
        return tomllib.load(f)


@cache
def _patterns(section: str) -> list[tuple[str, str, re.Pattern]]:
    """(name, principal, pattern) for every entry; longest aliases first so "somatiska kliniker" wins."""
    out = []
    for name, entry in _table()[section].items():
        for alias in entry["aliases"]:
            out.append((name, entry["principal"], re.compile(rf"(?<!\w){alias}\w*", re.IGNORECASE)))
    return sorted(out, key=lambda item: -len(item[2].pattern))


def _found(section: str, text: str) -> list[tuple[int, str, str]]:
    """(position, name, principal) of entries named in the text, each once, in text order."""
    hits: dict[str, tuple[int, str, str]] = {}
    for name, principal, pattern in _patterns(section):
        m = pattern.search(text)
        if m and (name not in hits or m.start() < hits[name][0]):
            hits[name] = (m.start(), name, principal)
    return sorted(hits.values())


def find_units(text: str) -> list[str]:
    """Canonical unit names found in a text, in the order they appear."""
    return [name for _, name, _ in _found("units", text)]


def principal_of(units: list[str]) -> str | None:
    """region, kommun or gemensamt for a set of canonical unit names; None when none is known."""
    principals = {_table()["units"][u]["principal"] for u in units if u in _table()["units"]}
    if not principals:
        return None
    return principals.pop() if len(principals) == 1 else "gemensamt"


def principal_named_in(text: str) -> str | None:
    """The principal an actor phrase names: "Landstinget" → region, "Kommunerna och regionen" → gemensamt."""
    principals = {principal for _, _, principal in _found("actors", text)}
    principals |= {principal for _, _, principal in _found("units", text)}
    if not principals:
        return None
    return principals.pop() if len(principals) == 1 else "gemensamt"


def _column_units(label: str) -> list[str]:
    """Units of a matrix column; an "(inkl. …)" note is not a column of its own, misspellings are tolerated."""
    label = re.sub(r"\(.*?\)|\binkl\..*", "", label)
    units = find_units(label)
    if units:
        return units
    aliases = {alias: name for name, entry in _table()["units"].items() for alias in entry["aliases"] if alias.isalpha()}
    for word in re.findall(r"\w{4,}", label.lower()):
        hit = process.extractOne(word, aliases, scorer=fuzz.ratio, score_cutoff=85)
        if hit and hit[2] not in units:
            units.append(hit[2])
    return units


def _matrix(chunk: Chunk) -> list[Responsibility]:
    out = []
    for label, marks in chunk.table.rows:
        for strength in ("X", "K"):
            units = [u for col, mark in marks.items() if mark == strength for u in _column_units(col)]
            units = list(dict.fromkeys(units))
            if principal_of(units):
                out.append(Responsibility(label, principal_of(units), units, "matrix", strength))
    return out


def _lead(text: str) -> tuple[str, str] | None:
    """(principal, kind) of a heading or lead line that assigns what follows to an actor."""
    text = _SENTENCE.split(text.strip().rstrip(":"))[-1]
    m = _LEAD_WORDS.search(text)
    principal = principal_named_in(text[: m.start()]) if m else None
    if principal is None:
        return None
    return principal, "commitment" if re.search(r"\båtar sig\b", text, re.IGNORECASE) else "list"


def _item_units(item: str, principal: str) -> list[str]:
    """Units an item names that belong to the lead's principal ("beroendevården" under Landstinget)."""
    return [u for u in find_units(item) if principal == "gemensamt" or principal_of([u]) == principal]


def _prose(sentence: str) -> list[Responsibility]:
    out = []
    for pattern in _PROSE:
        for m in pattern.finditer(sentence):
            who = " ".join(m["who"].split(",")[-1].split()[-6:])
            if _SUBORDINATE.search(who):
                continue
            what = " ".join(m["what"].split()).strip(" ,")
            principal = principal_named_in(who)
            if principal and what.lower() not in _VAGUE and len(what) > 3:
                units = _item_units(who, principal)
                out.append(Responsibility(what, principal, units, "prose"))
    return out


def _continues(item: str, line: str) -> bool:
    """A converter may break an item over a blank line: "… enligt HSL § 3 f och" / "SoL 5 kap. § 9 a."."""
    if item.endswith((".", "!", "?", ";")):
        return False
    if line[0].islower():
        return True
    return len(line.split()) <= 12 and (line[0] == "(" or item.endswith(",") or item.split()[-1].lower() in _JOINERS)


def _sentences(text: str) -> list[str]:
    return [s for para in text.split("\n") for s in _SENTENCE.split(para) if s.strip()]


class _Tagger:
    """Walks a document's chunks in order, so a list that continues in the next chunk keeps its lead."""

    def __init__(self) -> None:
        self.lead: tuple[str, str] | None = None
        self.lead_path: list[str] = []
        self.topical = False  # the lead governs topic sub-blocks ("åtar sig att: SIP", "Äldre …"), so sibling sections too
        self.headings_seen: set[tuple[str, ...]] = set()

    def chunk(self, chunk: Chunk) -> list[Responsibility]:
        if chunk.table is not None:
            self.lead = None
            return _matrix(chunk)
        path = chunk.section_path
        records: list[Responsibility] = []
        if path and tuple(path) not in self.headings_seen:
            self.headings_seen.add(tuple(path))
            records += _prose(path[-1])
        heading_lead = _lead(path[-1]) if path else None
        if heading_lead:
            self.lead, self.lead_path = heading_lead, path
            self.topical = bool(re.search(r":\s*\S", path[-1]))
        elif path != self.lead_path and not (self.topical and path[:-1] == self.lead_path[:-1]):
            self.lead = None

        last_item: Responsibility | None = None  # the record of the item just read, which a wrapped line continues
        for para in chunk.text.split("\n"):
            line = para.strip()
            if not line:
                continue
            if _ITEM.match(line):
                item = _ITEM.sub("", line)
                last_item = None
                if self.lead:
                    principal, kind = self.lead
                    last_item = Responsibility(item, principal, _item_units(item, principal), kind)
                    records.append(last_item)
                else:
                    records += _prose(item)
                continue
            if last_item and _continues(last_item.activity, line):
                last_item.activity += " " + line
                continue
            last_item = None
            if line.endswith(":"):
                self.lead, self.lead_path, self.topical = _lead(line), path, False
                records += [] if self.lead else _prose(line)
            else:
                # Commitment blocks are split by short topic lines ("Äldre med missbruk/beroende"); prose ends any lead.
                topic = not line.endswith((".", "!", "?")) and len(line.split()) <= 20
                if topic and self.lead and self.lead[1] == "commitment":
                    self.topical = True
                else:
                    self.lead = None
                for sentence in _sentences(line):
                    records += _prose(sentence)
        return records


def tag_document(doc: ParsedDocument) -> None:
    """Sets priority and responsibility tags on every chunk, in place."""
    tagger = _Tagger()
    for chunk in doc.chunks:
        chunk.priority = find_priorities(chunk.text)
        chunk.responsibility = tagger.chunk(chunk)

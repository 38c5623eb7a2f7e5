"""Who an organisation, a unit or a role belongs to: the principal (huvudman) lexicon.

`data/units.toml` maps units (primärvård, socialtjänst, särskilt boende …), actor words
(landstinget, kommunerna, huvudmännen …) and roles (läkaren, sjuksköterskan, enhetschef …) to
region, kommun or gemensamt, each entry with its source. Units and actor words always name
their principal; a role names one only where the law fixes it (a physician is the region's), or
where the document says who employs it (ingest/responsibility.py resolves that).

The query side uses the same lexicon to read who a question asks about ("får soc …").
"""

from __future__ import annotations

import re
import re._constants as sre
import re._parser
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from rapidfuzz import fuzz, process

UNITS_FILE = Path(__file__).parent / "data" / "units.toml"
PRINCIPALS = ("region", "kommun", "gemensamt")


@dataclass(frozen=True)
class Mention:
    """A unit, actor word or role named in a text."""

    start: int
    end: int
    name: str  # the canonical entry name ("primärvård", "region", "läkare")
    kind: str  # unit | actor | role
    principal: str | None  # None for a role whose principal the document must settle


@cache
def _table() -> dict:
    with UNITS_FILE.open("rb") as f:
        return tomllib.load(f)


@cache
def _patterns() -> tuple[tuple[str, str, str | None, re.Pattern], ...]:
    """(name, kind, principal, pattern) for every alias; longest first so "somatiska kliniker" wins."""
    out = []
    for section, kind in (("units", "unit"), ("actors", "actor"), ("roles", "role")):
        for name, entry in _table().get(section, {}).items():
            for alias in entry["aliases"]:
                pattern = rf"(?<!\w){alias}" if kind == "role" else rf"(?<![\w-]){alias}\w*"
                out.append((name, kind, entry.get("principal"), re.compile(pattern, re.IGNORECASE)))
    return tuple(sorted(out, key=lambda item: -len(item[3].pattern)))


def _required_text(pattern: re.Pattern) -> str:
    """The longest run of letters every match of the pattern contains, case-folded ("" when none).

    Read off the parsed pattern: literals in sequence, also inside a group; anything
    optional, repeated, alternative or zero-width ends a run.
    """
    runs: list[str] = []
    run: list[str] = []

    def walk(items) -> None:
        for op, value in items:
            if op is sre.LITERAL:
                run.append(chr(value))
            elif op is sre.SUBPATTERN:
                walk(value[3])
            else:
                runs.append("".join(run))
                run.clear()

    walk(re._parser.parse(pattern.pattern, pattern.flags))
    runs.append("".join(run))
    return max(runs, key=len).casefold()


@cache
def _gated_patterns() -> tuple[tuple[str, str, str, str | None, re.Pattern], ...]:
    return tuple(
        (_required_text(pattern), name, kind, principal, pattern) for name, kind, principal, pattern in _patterns()
    )


def mentions(text: str) -> list[Mention]:
    """Every unit, actor word and role named in the text, in text order, never overlapping.

    A pattern whose required letters the text lacks is not run: reading a long
    document asks this of every sentence several times, and most sentences name
    one or two of the 119 patterns. The test is on case-folded text, so it skips
    only patterns that cannot match (where folding changes a text's length, every
    pattern is run).
    """
    folded = text.casefold()
    exact = len(folded) != len(text)
    found: list[Mention] = []
    taken: list[tuple[int, int]] = []
    for needle, name, kind, principal, pattern in _gated_patterns():
        if not exact and needle not in folded:
            continue
        for m in pattern.finditer(text):
            if any(m.start() < end and start < m.end() for start, end in taken):
                continue
            taken.append((m.start(), m.end()))
            found.append(Mention(m.start(), m.end(), name, kind, principal))
    found.sort(key=lambda mention: mention.start)
    return [_owned(text, found, n) for n in range(len(found))]


def _owned(text: str, found: list[Mention], n: int) -> Mention:
    """A unit owned by a principal named in the genitive is that principal's: "Kommunens/vårdgivarens
    hälso- och sjukvårdsorganisation" is the kommun's, "Regionens socialtjänstsamordnare" the region's."""
    mention = found[n]
    if mention.kind != "unit" or n == 0:
        return mention
    owner = found[n - 1]
    between = text[owner.end : mention.start]
    if (
        owner.kind == "actor"
        and owner.principal
        and text[owner.start : owner.end].lower().endswith("s")
        and re.fullmatch(r"(?:/\w+s)?\s+", between)
    ):
        return Mention(mention.start, mention.end, mention.name, mention.kind, owner.principal)
    return mention


def find_units(text: str) -> list[str]:
    """Canonical unit names found in a text, each once, in the order they appear."""
    return list(dict.fromkeys(m.name for m in mentions(text) if m.kind == "unit"))


def unit_principal(unit: str) -> str | None:
    entry = _table()["units"].get(unit)
    return entry["principal"] if entry else None


def combine(principals) -> str | None:
    """One principal, gemensamt when both (or gemensamt itself) are named, None when none is."""
    found = {p for p in principals if p}
    if not found:
        return None
    return found.pop() if len(found) == 1 else "gemensamt"


def principal_of(units: list[str]) -> str | None:
    """region, kommun or gemensamt for a set of canonical unit names; None when none is known."""
    return combine(unit_principal(u) for u in units)


def principal_named_in(text: str) -> str | None:
    """The principal an actor phrase names by its units and actor words: "Landstinget" → region,
    "Kommunerna och regionen" → gemensamt. Roles are left to the caller, which knows the document."""
    return combine(m.principal for m in mentions(text) if m.kind != "role")


def column_units(label: str) -> list[str]:
    """Units of a matrix column; an "(inkl. …)" note is not a column of its own, misspellings are tolerated."""
    label = re.sub(r"\(.*?\)|\binkl\..*", "", label)
    units = find_units(label)
    if units:
        return units
    aliases = {
        alias: name for name, entry in _table()["units"].items() for alias in entry["aliases"] if alias.isalpha()
    }
    for word in re.findall(r"\w{4,}", label.lower()):
        hit = process.extractOne(word, aliases, scorer=fuzz.ratio, score_cutoff=85)
        if hit and hit[2] not in units:
            units.append(hit[2])
    return units

"""Priority levels of the national guidelines (Socialstyrelsen), as agreements quote them.

The agreements cite the guideline priority inline, e.g. "AUDIT (prio 1) och DUDIT
(prio 3)". Each mark is attached to the text just before it, back to the previous
mark or the start of the sentence, so one sentence can carry several
recommendations. Rules, chosen for precision over recall:

- Marks: "prio N", "prioritet N", "prioriteringsgrad N" (any case, line breaks
  allowed), "(FoU)"/"prio FoU", "(icke-göra)"/"prio icke-göra".
- A range ("prio 1–3") takes its strongest (lowest) level; the range stays visible
  in the recommendation text.
- "med samma prioriteringsgrad" without a mark of its own inherits the previous level.
- Not tagged: marks ending in a colon ("Berörda verksamheter under prioritet 1:"),
  the guidelines' scale explanation ("Prioriteringsgrad 1-3 översätts till BÖR"),
  numberless phrases ("högsta prioritet", "Högre prio nu", "Prioriterade
  målgrupper"), the plan steps "Prio - steg 1", organisations ("FoU Välfärd") and
  the agreements' own "bör".
"""

from __future__ import annotations

import re

from ingest.model import Priority

_LEVEL = re.compile(
    r"\(?\b(?:prio|prioritet|prioriteringsgrad)\.?\s+(?P<lo>\d{1,2})(?:\s*[-–]\s*(?P<hi>\d{1,2}))?(?!\d)\)?",
    re.IGNORECASE,
)
_NO_LEVEL = re.compile(r"\((?:prio\s+)?(?P<a>FoU|icke-göra)\)|\bprio\s+(?P<b>FoU|icke-göra)\b", re.IGNORECASE)
_SAME_LEVEL = re.compile(r"\bsamma\s+prioriteringsgrad\b(?!\s*\(?\s*prio)", re.IGNORECASE)
# A sentence that explains the scale itself rather than rating a method.
_SCALE_TALK = re.compile(r"\bBÖR\b|\bKAN\b|beteckning|översätts|\b1\s*[-–]\s*10\b")
_SENTENCE_END = re.compile(r"[.!?]\s+(?=[A-ZÅÄÖ(])|\n\s*\n|\n\s*(?:[-•*–]|\d+\.)\s+")
_LEADING_JOINER = re.compile(
    r"^(?:[\s,;:).]|och\b|eller\b|alternativt\b|medan\b|samt\b|men\b|respektive\b)+", re.IGNORECASE
)
_TRAILING_FILLER = re.compile(
    r"(?:[\s,(]|\bhar\b|\bbedömts\b|\btillhöra\b|\btillhör\b|\bär\b|\bsamma prioriteringsgrad\b|\boch\b)+$",
    re.IGNORECASE,
)
# A sentence-initial condition ("Vid …", "För …") that later methods in the sentence share.
_CONDITION = re.compile(
    r"^(?:(?:Vid|För|Till|Hos|I kombination med)\b.*?)(?=\s+(?:rekommenderas|bör|kan|har|är|syftar)\b)"
)

_LABELS = {"FOU": "FoU", "ICKE-GÖRA": "icke-göra"}


def label_of(level: int) -> str:
    """The guidelines' own wording for a level: 1–3 BÖR, 4–7 KAN, 8–10 KAN I UNDANTAGSFALL."""
    if level <= 3:
        return "BÖR"
    if level <= 7:
        return "KAN"
    return "KAN I UNDANTAGSFALL"


def _sentence_start(text: str, pos: int) -> int:
    start = 0
    for m in _SENTENCE_END.finditer(text, 0, pos):
        start = m.end()
    return start


def _sentence_end(text: str, pos: int) -> int:
    m = _SENTENCE_END.search(text, pos)
    return m.start() + 1 if m else len(text)


def _clean(fragment: str) -> str:
    fragment = " ".join(fragment.split())
    fragment = _LEADING_JOINER.sub("", fragment)
    return _TRAILING_FILLER.sub("", fragment).strip()


def _marks(text: str) -> list[tuple[int, int, int | None, str, str]]:
    """(start, end, level, label, range note) of every mark in reading order."""
    found = []
    for m in _LEVEL.finditer(text):
        lo, hi = int(m["lo"]), int(m["hi"] or m["lo"])
        closed = m.group(0).endswith(")")
        if not closed and text[m.end() :].lstrip(" \t").startswith(":"):
            continue
        sentence = text[_sentence_start(text, m.start()) : _sentence_end(text, m.end())]
        if not 1 <= lo <= hi <= 10 or _SCALE_TALK.search(sentence):
            continue
        note = f" (prio {lo}–{hi})" if hi != lo else ""
        found.append((m.start(), m.end(), lo, label_of(lo), note))
    for m in _NO_LEVEL.finditer(text):
        label = _LABELS[(m["a"] or m["b"]).upper()]
        found.append((m.start(), m.end(), None, label, ""))
    return sorted(found)


def find_priorities(text: str) -> list[Priority]:
    """Every guideline priority the text states, in reading order, each with the recommendation it rates
    and its span."""
    found: list[tuple[int, Priority]] = []
    previous_end = 0
    marks = _marks(text)
    for start, end, level, label, note in marks:
        sentence_start = _sentence_start(text, start)
        own_start = max(sentence_start, previous_end)
        action = _clean(text[own_start:start])
        condition = None
        if own_start > sentence_start:
            shared = _CONDITION.match(_clean(text[sentence_start:start]))
            if shared and not action.startswith(shared.group(0)):
                condition = shared.group(0)
        else:
            own = _CONDITION.match(action)
            if own:
                condition = own.group(0)
        if action:
            recommendation = f"{condition}: {action}" if condition and not action.startswith(condition) else action
            span_start = own_start + _leading(text[own_start:start])
            found.append(
                (start, Priority(level, label, recommendation + note, condition, action + note, None, span_start, end))
            )
        previous_end = end
    for m in _SAME_LEVEL.finditer(text):
        earlier = [mark for mark in marks if mark[1] <= m.start() and mark[2] is not None]
        start, end = _sentence_start(text, m.start()), _sentence_end(text, m.end())
        if earlier and not any(start <= mark[0] < end for mark in marks):
            level = earlier[-1][2]
            sentence = _clean(text[start:end].rstrip("."))
            found.append((start, Priority(level, label_of(level), sentence, None, sentence, None, start, end)))
    return [priority for _, priority in sorted(found, key=lambda item: item[0])]


def _leading(fragment: str) -> int:
    """Characters of joiners and spaces that open a fragment ("och ", ", "), so a span starts at its first word."""
    stripped = _LEADING_JOINER.sub("", fragment.lstrip())
    return len(fragment) - len(stripped) if stripped else 0


_CELL_LEVEL = re.compile(r"(?:prio\w*\s*)?(?P<lo>\d{1,2})(?:\s*[-–]\s*\d{1,2})?\b", re.IGNORECASE)


def level_of_cell(cell: str) -> tuple[int | None, str] | None:
    """A guideline table's Prioritet cell: "3", "Prio 3", "1–3", "FoU", "Icke-göra"; None when it states none."""
    text = cell.strip()
    if re.fullmatch(r"(?i)fou", text):
        return None, "FoU"
    if re.fullmatch(r"(?i)icke[- ]?göra", text):
        return None, "icke-göra"
    m = _CELL_LEVEL.fullmatch(text)
    if m and 1 <= int(m["lo"]) <= 10:
        return int(m["lo"]), label_of(int(m["lo"]))
    return None


def table_recommendations(text: str, rows: list[tuple[str, dict[str, str]]]) -> list[Priority]:
    """One recommendation per row of a guideline table: its condition, action, level and row id,
    spanning the row's line in the rendered table text."""
    out = []
    lines, offset = [], 0
    for line in text.split("\n"):
        lines.append((offset, offset + len(line)))
        offset += len(line) + 1
    for n, (row, cells) in enumerate(rows):
        by_name = {col.lower(): value for col, value in cells.items()}
        condition = next((v for k, v in by_name.items() if k.startswith("tillstånd")), "") or None
        action = next((v for k, v in by_name.items() if k.startswith("åtgärd")), "")
        level = level_of_cell(next((v for k, v in by_name.items() if k.startswith("prioritet")), ""))
        if level is None or not action:
            continue
        start, end = lines[min(n + 1, len(lines) - 1)]  # line 0 is the table's title
        recommendation = f"{condition}: {action}" if condition else action
        out.append(
            Priority(
                level[0],
                level[1],
                recommendation,
                condition,
                action,
                None if row.startswith("Rad ") else row,
                start,
                end,
            )
        )
    return out

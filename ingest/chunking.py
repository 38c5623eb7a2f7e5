"""Blocks with section paths -> sentence-aligned chunks with offsets into the document text.

A chunk never crosses a section boundary, so every hit can name where it stands.
Inside a section, paragraphs and whole lists are packed up to MAX_WORDS; a unit
longer than that is cut at sentence ends. Table row groups are rendered so each
mark names its column. The document text is assembled here, so offsets are exact.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from rapidfuzz import fuzz

from ingest.model import Chunk, Footnote, TableData
from ingest.sentences import split_sentences
from ingest.structure import Block, is_lead, strip_marks
from ingest.tables import render_rows

MIN_WORDS = 80
MAX_WORDS = 350
FOOTNOTE_REF_RE = re.compile(r"\[\^(\d{1,3})\]")


@dataclass
class _Unit:
    text: str
    kind: str
    lines: tuple[int, int]
    page: int | None
    table: TableData | None = None

    @property
    def words(self) -> int:
        return len(self.text.split())


def block_text(block: Block) -> str:
    if block.kind == "list":
        items: list[str] = []
        for ln in block.lines:
            t = strip_marks(ln.text)
            if t.startswith("- ") or re.match(r"^\d{1,2}[.)]\s", t) or not items:
                items.append(t)
            else:
                items[-1] += " " + t
        return "\n".join(re.sub(r"\s+", " ", i) for i in items)
    return strip_marks(block.text)


def _units(block: Block, text: str) -> list[_Unit]:
    src = (block.lines[0].src, max(ln.src_end or ln.src for ln in block.lines))
    page = block.lines[0].page
    if len(text.split()) <= MAX_WORDS:
        return [_Unit(text, block.kind, src, page)]
    if block.kind == "list":
        return [_Unit(item, "list", src, page) for item in text.split("\n")]
    out = []
    for sentence in split_sentences(text):
        words = sentence.split(" ")
        # a "sentence" without punctuation (a flattened table, a link list) is cut by length
        out += [_Unit(" ".join(words[k : k + MAX_WORDS]), "text", src, page) for k in range(0, len(words), MAX_WORDS)]
    return out


def _is_lead_unit(unit: _Unit) -> bool:
    return unit.kind == "text" and "\n" not in unit.text and is_lead(unit.text)


class DocumentBuilder:
    """Appends rendered blocks to the document text and turns them into chunks with exact offsets."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.length = 0
        self.chunks: list[Chunk] = []

    def _append(self, text: str) -> tuple[int, int]:
        if self.parts:
            self.parts.append("\n\n")
            self.length += 2
        start = self.length
        self.parts.append(text)
        self.length += len(text)
        return start, self.length

    @property
    def text(self) -> str:
        return "".join(self.parts)

    def add_section(self, path: list[str], blocks: list[Block], heading: str | None) -> None:
        if heading:
            self._append(heading)
        pending: list[tuple[_Unit, int, int]] = []
        for block in blocks:
            if block.kind == "table":
                self._flush(path, pending)
                pending = []
                self._add_table(path, block)
                continue
            for unit in _units(block, block_text(block)):
                joiner = " " if pending and unit.lines[0] == pending[-1][0].lines[0] and unit.kind == "text" else None
                if joiner and pending and pending[-1][0].kind == "text":
                    start = self.length + 1
                    self.parts.append(" " + unit.text)
                    self.length += 1 + len(unit.text)
                    end = self.length
                else:
                    start, end = self._append(unit.text)
                if pending and sum(u.words for u, _, _ in pending) + unit.words > MAX_WORDS:
                    # a lead ("Regionen åtar sig att:") goes with the items it introduces, not with what precedes it
                    keep = 1 if len(pending) > 1 and unit.kind == "list" and _is_lead_unit(pending[-1][0]) else 0
                    self._flush(path, pending[: len(pending) - keep])
                    pending = pending[len(pending) - keep :]
                pending.append((unit, start, end))
        self._flush(path, pending)

    def _flush(self, path: list[str], pending: list[tuple[_Unit, int, int]]) -> None:
        if not pending:
            return
        start, end = pending[0][1], pending[-1][2]
        text = self.text[start:end]
        words = len(text.split())
        prev = self.chunks[-1] if self.chunks else None
        if (
            prev is not None
            and prev.section_path == path
            and prev.kind in ("text", "list")
            and words < MIN_WORDS
            and len(prev.text.split()) + words <= MAX_WORDS
        ):
            prev.char_end = end
            prev.text = self.text[prev.char_start : end]
            prev.line_end = max(prev.line_end or 0, max(u.lines[1] for u, _, _ in pending))
            prev.footnotes = _refs(prev.text)
            return
        kinds = {u.kind for u, _, _ in pending}
        self.chunks.append(
            Chunk(
                section_path=list(path),
                text=text,
                kind="list" if kinds == {"list"} else "text",
                page=pending[0][0].page,
                line_start=min(u.lines[0] for u, _, _ in pending),
                line_end=max(u.lines[1] for u, _, _ in pending),
                char_start=start,
                char_end=end,
                footnotes=_refs(text),
            )
        )

    def _add_table(self, path: list[str], block: Block) -> None:
        """Rows are grouped so that a chunk stays under MAX_WORDS; each group carries its own TableData."""
        table = block.table
        groups: list[list[int]] = [[]]
        for n, row in enumerate(table.rows):
            trial = replace(table, rows=[table.rows[k] for k in groups[-1] + [n]])
            if groups[-1] and len(render_rows(trial).split()) > MAX_WORDS:
                groups.append([])
            groups[-1].append(n)
        for group in groups:
            if not group:
                continue
            part = replace(table, rows=[table.rows[k] for k in group])
            text = render_rows(part)
            start, end = self._append(text)
            lines = [block.row_lines[k] for k in group if k < len(block.row_lines)]
            self.chunks.append(
                Chunk(
                    section_path=list(path),
                    text=text,
                    kind="table",
                    page=block.lines[0].page,
                    line_start=min(a for a, _ in lines) if lines else block.lines[0].src,
                    line_end=max(b for _, b in lines) if lines else block.lines[-1].src,
                    char_start=start,
                    char_end=end,
                    table=part,
                )
            )

    def add_footnotes(self, footnotes: dict[str, tuple[str, int]], page_of: dict[int, int | None]) -> list[Footnote]:
        """Footnotes go after the body, as their own chunks under the section that references them."""
        doc = self.text
        out = []
        for number, (text, src) in sorted(footnotes.items(), key=lambda kv: int(kv[0])):
            ref = doc.find(f"[^{number}]")
            owner = next((c for c in self.chunks if c.char_start <= ref < c.char_end), None) if ref >= 0 else None
            body = f"Fotnot {number}: {text}"
            start, end = self._append(body)
            out.append(Footnote(number=number, text=text, char_start=max(ref, 0)))
            self.chunks.append(
                Chunk(
                    section_path=list(owner.section_path) if owner else [],
                    text=body,
                    kind="footnote",
                    page=page_of.get(src),
                    line_start=src,
                    line_end=src,
                    char_start=start,
                    char_end=end,
                    footnotes=[number],
                )
            )
        return out


# Common finite verbs: a line with one of them is a sentence that lost its full stop, not a title.
FINITE_VERBS = {
    "är",
    "var",
    "har",
    "hade",
    "ska",
    "skall",
    "kan",
    "kunde",
    "bör",
    "borde",
    "får",
    "fick",
    "måste",
    "gäller",
    "finns",
    "fanns",
    "blir",
    "blev",
    "innebär",
    "avser",
    "omfattar",
    "ger",
    "sker",
    "behöver",
    "önskar",
    "vill",
    "ansvarar",
    "erbjuds",
    "erbjuder",
    "ingår",
    "beskrivs",
    "beskriver",
    "bedöms",
}


def _title_only(chunk: Chunk) -> bool:
    """One short line without sentence punctuation or finite verb: a title or subtitle, not body text."""
    text = chunk.text.strip()
    return (
        chunk.kind == "text"
        and "\n" not in text
        and 0 < len(text.split()) <= 25
        and not text.endswith((".", "!", "?", ":", ";", ","))
        and not text[:1].islower()
        and not any(w.lower().strip(',;”"()') in FINITE_VERBS for w in text.split())
    )


def _repeats_elsewhere(builder: "DocumentBuilder", chunk: Chunk) -> bool:
    """The line names something printed elsewhere too: a heading, or a running/document title."""
    line = chunk.text.strip()
    if any(line.lower() == t.lower() for t in chunk.section_path):
        return True
    if len(line.split()) < 4:
        return False
    doc = builder.text
    others = (doc[: chunk.char_start] + "\n" + doc[chunk.char_end :]).split("\n")
    return any(
        len(o) >= 0.8 * len(line) and fuzz.partial_ratio(line.lower(), o.lower()) >= 90 for o in others if o.strip()
    )


def fold_title_only(builder: "DocumentBuilder") -> None:
    """A chunk must carry body text: a lone title line joins the next chunk of its section, or is dropped.

    Dropped only when the line repeats a heading or a title printed elsewhere in the document; its
    words stay in the document text, they just do not make a passage of their own.
    """
    out: list[Chunk] = []
    chunks = builder.chunks
    doc = builder.text
    for n, c in enumerate(chunks):
        if not _title_only(c):
            out.append(c)
            continue
        nxt = chunks[n + 1] if n + 1 < len(chunks) else None
        if (
            nxt is not None
            and nxt.section_path == c.section_path
            and nxt.kind in ("text", "list")
            and len(nxt.text.split()) + len(c.text.split()) <= MAX_WORDS
        ):
            nxt.char_start = c.char_start
            nxt.text = doc[nxt.char_start : nxt.char_end]
            nxt.line_start = min(nxt.line_start or c.line_start, c.line_start or nxt.line_start)
            nxt.page = c.page if c.page is not None else nxt.page
            nxt.kind = "text"
            nxt.footnotes = _refs(nxt.text)
            continue
        if _repeats_elsewhere(builder, c):
            continue
        out.append(c)
    builder.chunks = out


def _refs(text: str) -> list[str]:
    return list(dict.fromkeys(FOOTNOTE_REF_RE.findall(text)))


def build_chunks(blocks: list[Block]) -> tuple[DocumentBuilder, int]:
    """Group blocks by section (a heading starts a new one) and chunk each; returns the builder and section count."""
    builder = DocumentBuilder()
    sections = 0
    path: list[str] = []
    heading: str | None = None
    body: list[Block] = []
    for block in blocks:
        if block.kind == "heading":
            if body or heading:
                builder.add_section(path, body, heading)
            path, heading, body = block.path, block.path[-1] if block.path else None, []
            sections += 1
        else:
            if block.path != path and body:
                builder.add_section(path, body, heading)
                heading, body = None, []
            path = block.path
            body.append(block)
    if body or heading:
        builder.add_section(path, body, heading)
    fold_title_only(builder)
    return builder, sections

"""One source file -> ParsedDocument: read, clean, redact, find sections and tables, chunk, classify.

Personal data is masked in the source lines too, and those masked lines are what is kept of the
file (ingest/kept.py): every value a rule finds, in the cleaned text, the footnotes, the head, the
lines cleaning removed or the source lines themselves, is masked where the source writes it, and
the source is read again until a reading finds nothing left to mask. The document is made from
that last reading, so reading the kept copy later gives the same document.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path

from ingest.chunking import build_chunks
from ingest.clean import CleanText, clean
from ingest.header import DocumentHead, read_head, strip_head
from ingest.kept import document_id
from ingest.model import IngestError, IngestReport, ParsedDocument, RawText
from ingest.readers import read_file
from ingest.redact import MARKERS, Redacted, RedactionPolicy, redact_fields, redact_lines
from ingest.structure import build_blocks
from ingest.topic import mark_proposals, mark_topics


MIN_WORDS = 5
BUNDLE_ITEMS = 2  # committee items from which a document is a bundle of unrelated matters
# Readings that move what the rules found into the source lines; a value still unplaced after
# them (never seen: cleaning changed it beyond recognition) takes its whole source line with it.
MASK_PASSES = 4


def parse_file(path: Path, policy: RedactionPolicy = RedactionPolicy()) -> ParsedDocument:
    raw = read_file(path)
    return parse_raw(raw, doc_id=document_id(path), source_path=str(path), policy=policy)


def parse_raw(
    raw: RawText, doc_id: str, source_path: str, policy: RedactionPolicy = RedactionPolicy()
) -> ParsedDocument:
    kept, reading = _masked_source(raw, policy)
    cleaned = reading.cleaned
    words = sum(len(ln.text.split()) for ln in cleaned.lines if ln.text)
    if words < MIN_WORDS:
        raise IngestError("filen innehåller ingen läsbar text" if words == 0 else "filen innehåller för lite text")
    blocks = build_blocks(cleaned)
    builder, sections = build_chunks(blocks)
    page_of = {ln.src: ln.page for ln in cleaned.lines}
    footnotes = builder.add_footnotes(cleaned.footnotes, page_of)
    chunks = builder.chunks
    if not chunks:
        raise IngestError("ingen text kunde delas upp i avsnitt")
    off_topic = mark_topics(chunks, bundle=sum(b.item for b in blocks) >= BUNDLE_ITEMS)
    mark_proposals(chunks)
    counted = (reading.body, reading.notes, reading.in_head)
    report = IngestReport(
        format=raw.format,
        pages=raw.page_count,
        sections=sections,
        chunks=len(chunks),
        tables=sum(1 for b in blocks if b.kind == "table"),
        footnotes=len(footnotes),
        redactions=sum(len(found.masks) for found in counted),
        off_topic=off_topic,
        warnings=_warnings(cleaned, blocks, sections),
        metadata=reading.head_fields,
        removed=_removed(cleaned, reading.removed),
        redacted_lines=sorted({cleaned.lines[m.line].src for m in reading.body.masks}),
        masked=dict(sum((Counter(found.counts) for found in counted), Counter())),
    )
    return ParsedDocument(
        doc_id=doc_id,
        source_path=source_path,
        format=raw.format,
        text=builder.text,
        chunks=chunks,
        report=report,
        footnotes=footnotes,
        head=reading.head_fields | ({"heading_title": cleaned.title} if cleaned.title else {}),
        kept=kept,
    )


@dataclass
class _Reading:
    """A source read as far as redaction: its head, its cleaned text, and what each part had masked."""

    head: DocumentHead
    head_fields: dict[str, str]
    cleaned: CleanText  # its lines and footnotes masked
    read_lines: list[str]  # the cleaned lines before they were masked
    body: Redacted  # the cleaned lines
    notes: Redacted  # the footnotes, in the order of cleaned.footnotes
    in_head: Redacted  # the head's values
    removed: Redacted  # every line cleaning removed, in the order of cleaned.removed_lines
    source: Redacted  # the source lines as the reader gave them


@dataclass(frozen=True)
class _Value:
    """A masked value to find in the source: on which source lines, and which of its occurrences there."""

    text: str
    kind: str
    lines: range  # 0-based source lines
    occurrence: int


def _masked_source(raw: RawText, policy: RedactionPolicy) -> tuple[RawText, _Reading]:
    """The source with every value masked that a reading of it finds, and the reading that found nothing
    more. What cleaning takes out for where it stands is decided once, on the text as it came."""
    lines, dropped = list(raw.lines), raw.dropped
    values: list[_Value] = []
    for _ in range(MASK_PASSES):
        source = redact_lines(lines, policy)
        reading = _read(replace(raw, lines=lines, dropped=dropped), policy, source)
        dropped = reading.cleaned.dropped
        values = _values(reading)
        if not values and not source.unmasked():
            return replace(raw, lines=lines, dropped=dropped), reading
        lines = _placed(source.lines, values)
    kept = replace(raw, lines=_whole_lines(lines, values), dropped=dropped)
    return kept, _read(kept, policy, redact_lines(kept.lines, policy))


def _read(raw: RawText, policy: RedactionPolicy, source: Redacted) -> _Reading:
    head = read_head(raw.lines)
    cleaned = clean(replace(raw, lines=strip_head(raw.lines, head)))
    read_lines = [ln.text for ln in cleaned.lines]
    body, notes = _redact(cleaned, policy)
    head_fields, in_head = redact_fields(head.fields, policy)
    removed = redact_lines([text for _, _, text in cleaned.removed_lines], policy)
    return _Reading(head, head_fields, cleaned, read_lines, body, notes, in_head, removed, source)


def _values(reading: _Reading) -> list[_Value]:
    """What the reading masked that the source lines still write, with where to look for it."""
    cleaned = reading.cleaned
    out = []
    for mask, value in reading.body.unmasked():
        line = cleaned.lines[mask.line]
        occurrence = reading.read_lines[mask.line][: mask.start].count(value)
        out.append(_Value(value, mask.kind, range(line.src - 1, line.src_end or line.src), occurrence))
    starts = sorted({ln.src for ln in cleaned.lines if ln.text} | {src for _, src in cleaned.footnotes.values()})
    numbers = list(cleaned.footnotes)
    for mask, value in reading.notes.unmasked():
        src = cleaned.footnotes[numbers[mask.line]][1]
        end = next((s for s in starts if s > src), len(reading.source.lines) + 1)
        out.append(_Value(value, mask.kind, range(src - 1, end - 1), 0))
    head = range(min(reading.head.lines), max(reading.head.lines) + 1) if reading.head.lines else range(0)
    out += [_Value(value, mask.kind, head, 0) for mask, value in reading.in_head.unmasked()]
    for mask, value in reading.removed.unmasked():
        src = cleaned.removed_lines[mask.line][0]
        out.append(_Value(value, mask.kind, range(src - 1, src), 0))
    return out


def _placed(lines: list[str], values: list[_Value]) -> list[str]:
    """The source lines with each value masked where the source writes it; the lines stay as many."""
    lines = list(lines)
    for value in sorted(values, key=lambda v: (v.lines.start, v.occurrence), reverse=True):
        window = "\n".join(lines[i] for i in value.lines)
        found = list(_written(value.text).finditer(window))
        if not found:
            continue  # masked already, by the source's own reading or a value placed before it
        match = found[min(value.occurrence, len(found) - 1)]
        span = match.group(0)
        window = window[: match.start()] + MARKERS[value.kind] + "\n" * span.count("\n") + window[match.end() :]
        for i, text in zip(value.lines, window.split("\n")):
            lines[i] = text
    return lines


def _written(value: str) -> re.Pattern:
    """The value as a source may write it where cleaning read it: spaces as any run of blanks, and
    between letters a tag, an escape or a word broken at the line end ("Lind-" / "ström")."""
    between = r"(?:<[^>\n]*>|\\|-\n[ \t]*)*"
    parts = [r"(?:\s|<[^>\n]*>|\*\*)+" if ch.isspace() else re.escape(ch) for ch in value.strip()]
    return re.compile(between.join(parts))


def _whole_lines(lines: list[str], values: list[_Value]) -> list[str]:
    """The last resort: a value no reading could place masks the source lines it was read from."""
    lines = list(lines)
    for value in values:
        for i in value.lines:
            lines[i] = MARKERS[value.kind]
    return lines


def _removed(cleaned: CleanText, masked: Redacted) -> list[tuple[int, str, str]]:
    """What cleaning took out, for the editor's view; masked like the text, and a signature
    certificate only by its first line (it lists private persons)."""
    kept = []
    for (line, reason, _), text in zip(cleaned.removed_lines, masked.lines):
        if reason == "signature" and kept and kept[-1][1] == "signature":
            continue
        kept.append((line, reason, text))
    return kept


def _redact(cleaned, policy: RedactionPolicy) -> tuple[Redacted, Redacted]:
    """Personal data goes before anything is chunked or indexed. The rules see all the lines (and
    the footnotes) of the document together; each line keeps its place, so the source map stays exact."""
    found = redact_lines([ln.text for ln in cleaned.lines], policy)
    for ln, text in zip(cleaned.lines, found.lines):
        ln.text = text
    numbers = list(cleaned.footnotes)
    notes = redact_lines([cleaned.footnotes[n][0] for n in numbers], policy)
    cleaned.footnotes = {n: (text, cleaned.footnotes[n][1]) for n, text in zip(numbers, notes.lines)}
    return found, notes


def _warnings(cleaned, blocks, sections: int) -> list[str]:
    out = []
    if sections == 0:
        out.append("inga rubriker hittades; hela dokumentet är ett avsnitt")
    for reason, label in (("garbage", "rader med teckenskräp togs bort"), ("footer", "sidhuvuden/sidfötter togs bort")):
        if cleaned.removed[reason]:
            out.append(f"{cleaned.removed[reason]} {label}")
    return out

"""One source file -> ParsedDocument: read, clean, redact, find sections and tables, chunk, classify."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from ingest.chunking import build_chunks
from ingest.clean import clean
from ingest.header import read_head, strip_head
from ingest.model import IngestError, IngestReport, ParsedDocument, RawText
from ingest.readers import read_file
from ingest.redact import Redacted, RedactionPolicy, redact_fields, redact_lines
from ingest.structure import build_blocks
from ingest.topic import mark_proposals, mark_topics


MIN_WORDS = 5
BUNDLE_ITEMS = 2  # committee items from which a document is a bundle of unrelated matters


def parse_file(path: Path, policy: RedactionPolicy = RedactionPolicy()) -> ParsedDocument:
    raw = read_file(path)
    return parse_raw(raw, doc_id=path.stem, source_path=str(path), policy=policy)


def parse_raw(raw: RawText, doc_id: str, source_path: str, policy: RedactionPolicy = RedactionPolicy()) -> ParsedDocument:
    head = read_head(raw.lines)
    cleaned = clean(RawText(strip_head(raw.lines, head), raw.format, raw.pages, raw.page_count))
    masked, in_notes = _redact(cleaned, policy)
    head_fields, in_head = redact_fields(head.fields, policy)
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
    report = IngestReport(
        format=raw.format,
        pages=raw.page_count,
        sections=sections,
        chunks=len(chunks),
        tables=sum(1 for b in blocks if b.kind == "table"),
        footnotes=len(footnotes),
        redactions=len(masked.masks) + len(in_notes.masks) + len(in_head.masks),
        off_topic=off_topic,
        warnings=_warnings(cleaned, blocks, sections),
        metadata=head_fields,
        removed=_removed(cleaned, policy),
        redacted_lines=sorted({cleaned.lines[m.line].src for m in masked.masks}),
        masked=dict(Counter(masked.counts) + Counter(in_notes.counts) + Counter(in_head.counts)),
    )
    return ParsedDocument(
        doc_id=doc_id,
        source_path=source_path,
        format=raw.format,
        text=builder.text,
        chunks=chunks,
        report=report,
        footnotes=footnotes,
        head=head_fields | ({"heading_title": cleaned.title} if cleaned.title else {}),
    )


def _removed(cleaned, policy: RedactionPolicy) -> list[tuple[int, str, str]]:
    """What cleaning took out, for the editor's view; masked like the text, and a signature
    certificate only by its first line (it lists private persons)."""
    kept = []
    for line, reason, text in cleaned.removed_lines:
        if reason == "signature" and kept and kept[-1][1] == "signature":
            continue
        kept.append((line, reason, text))
    texts = redact_lines([text for _, _, text in kept], policy).lines
    return [(line, reason, text) for (line, reason, _), text in zip(kept, texts)]


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

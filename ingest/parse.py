"""One source file -> ParsedDocument: read, clean, redact, find sections and tables, chunk, classify."""

from __future__ import annotations

from pathlib import Path

from ingest.chunking import build_chunks
from ingest.clean import clean
from ingest.header import read_head, strip_head
from ingest.model import IngestError, IngestReport, ParsedDocument, RawText
from ingest.readers import read_file
from ingest.redact import redact
from ingest.structure import build_blocks
from ingest.topic import mark_proposals, mark_topics


MIN_WORDS = 5
BUNDLE_ITEMS = 2  # committee items from which a document is a bundle of unrelated matters


def parse_file(path: Path) -> ParsedDocument:
    raw = read_file(path)
    return parse_raw(raw, doc_id=path.stem, source_path=str(path))


def parse_raw(raw: RawText, doc_id: str, source_path: str) -> ParsedDocument:
    head = read_head(raw.lines)
    cleaned = clean(RawText(strip_head(raw.lines, head), raw.format, raw.pages, raw.page_count))
    redactions, redacted_lines = _redact_lines(cleaned)
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
        redactions=redactions,
        off_topic=off_topic,
        warnings=_warnings(cleaned, blocks, sections),
        metadata=dict(head.fields),
        removed=_removed(cleaned),
        redacted_lines=redacted_lines,
    )
    return ParsedDocument(
        doc_id=doc_id,
        source_path=source_path,
        format=raw.format,
        text=builder.text,
        chunks=chunks,
        report=report,
        footnotes=footnotes,
        head=head.fields | ({"heading_title": cleaned.title} if cleaned.title else {}),
    )


def _removed(cleaned) -> list[tuple[int, str, str]]:
    """What cleaning took out, for the editor's view; masked like the text, and a signature
    certificate only by its first line (it lists private persons)."""
    out = []
    for line, reason, text in cleaned.removed_lines:
        if reason == "signature" and out and out[-1][1] == "signature":
            continue
        out.append((line, reason, redact(text)[0]))
    return out


def _redact_lines(cleaned) -> tuple[int, list[int]]:
    """Personal data goes before anything is chunked or indexed; line by line keeps the source map exact."""
    total = 0
    lines = []
    for ln in cleaned.lines:
        if ln.text and "\t" not in ln.text:
            ln.text, n = redact(ln.text)
            total += n
            if n:
                lines.append(ln.src)
    footnotes = {}
    for number, (text, src) in cleaned.footnotes.items():
        text, n = redact(text)
        total += n
        footnotes[number] = (text, src)
    cleaned.footnotes = footnotes
    return total, lines


def _warnings(cleaned, blocks, sections: int) -> list[str]:
    out = []
    if sections == 0:
        out.append("inga rubriker hittades; hela dokumentet är ett avsnitt")
    for reason, label in (("garbage", "rader med teckenskräp togs bort"), ("footer", "sidhuvuden/sidfötter togs bort")):
        if cleaned.removed[reason]:
            out.append(f"{cleaned.removed[reason]} {label}")
    return out

"""What the storage layer hands out and takes in: typed records, not rows. JSON columns arrive parsed."""

from __future__ import annotations

from dataclasses import dataclass

from ingest.model import Chunk, Footnote, Priority, Responsibility, TableData


@dataclass(frozen=True)
class User:
    name: str
    role: str  # editor | trainer


@dataclass(frozen=True)
class AuditEntry:
    at: str
    who: str | None
    action: str
    detail: str


@dataclass(frozen=True)
class Course:
    id: int
    slug: str
    title: str
    description: str
    owner: str
    published: bool
    created_at: str
    updated_at: str


@dataclass(frozen=True)
class CourseItem:
    id: int
    course_id: int
    position: int
    chunk_id: str
    note: str
    added_at: str


@dataclass(frozen=True)
class Document:
    """A document as its current version and the editors' decisions make it."""

    doc_id: str
    title: str
    region: str | None
    doc_type: str | None
    parties: list[str]
    decided: str | None  # ISO date
    valid_from: str | None
    valid_to: str | None
    status: str  # as set: gällande | förslag | remiss | upphävd (index/card/status.py derives "utgången")
    guessed: bool  # title and region guessed from the text and file name, not stated in a manifest
    format: str  # txt | md | html | pdf | docx
    source_path: str  # the editor's file, absolute
    content_hash: str
    current_version: int
    retired: bool  # out of search, history kept
    retired_by: str | None  # the editor who took it out; None when its file is gone or it is in search
    text: str  # the cleaned full text; passage offsets point into it
    footnotes: list[Footnote]
    report: dict  # how the current version was read (ingest.model.IngestReport)
    file_meta: dict | None  # the file's own {"values", "guessed"}, under the editors' edits; None in older databases
    passage_count: int | None = None  # searchable passages; counted only where documents are listed


@dataclass(frozen=True)
class Version:
    doc_id: str
    number: int
    content_hash: str
    ingested_at: str
    ingested_by: str | None
    source_file: str | None  # the kept copy of this version's bytes, absolute
    report: dict  # how this version was read (ingest.model.IngestReport)


@dataclass(frozen=True)
class Passage:
    """A stored chunk of a document. Never deleted: one that leaves the current version turns inactive."""

    rowid: int  # what the vector and lexical indexes refer to
    chunk_id: str  # stable across versions while document, section and text stay the same
    doc_id: str
    position: int  # reading order within its document
    section_path: list[str]
    text: str
    kind: str  # text | list | table | footnote
    page: int | None  # PDF page (1-based)
    line_start: int | None  # 1-based line span in the source text
    line_end: int | None
    char_start: int  # offsets into the document's text
    char_end: int
    on_topic: bool  # False for unrelated parts of a mixed bundle
    proposal: bool  # a proposal, not an agreement in force
    footnotes: list[str]  # numbers of the footnotes it references
    table: TableData | None
    responsibility: list[Responsibility]  # who is responsible for what, as the text states it
    priority: list[Priority]  # guideline recommendations with their levels
    embed_keys: list[str]  # content keys of its embedded text windows
    first_version: int
    last_version: int
    active: bool  # in the current version of a document in search

    @property
    def section(self) -> str:
        return " › ".join(self.section_path)


@dataclass(frozen=True)
class NewPassage:
    """A chunk as ingest cut it, with what it is stored under: its id and the keys of its embedded windows."""

    chunk_id: str
    chunk: Chunk
    embed_keys: list[str]


@dataclass(frozen=True)
class Draft:
    """An uploaded file read as a document that nobody but its editor sees until it is published."""

    id: str
    doc_id: str
    target_version: int | None  # the current version a new version was uploaded over; None for a new document
    file_name: str  # as the editor's computer named it
    file: str  # the kept upload, absolute
    chosen: dict  # metadata the editor chose at upload, kept as the editor's edits when published
    uploaded_by: str
    uploaded_at: str
    changes: list[dict]  # the questions whose answer card or first result the draft would change


@dataclass(frozen=True)
class NameMark:
    """A name an editor marked for masking in a document, as its digest (ingest/redact.py MarkedNames)."""

    doc_id: str
    digest: str
    words: int
    marked_by: str | None
    marked_at: str

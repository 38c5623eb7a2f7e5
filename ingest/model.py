"""The records that flow from a source file to the index.

`ingest/` produces a `ParsedDocument`; `index/` stores it. Everything a later
stage needs (section path, page, table marks, tags) travels on the `Chunk`, so
the index never has to look at the source file again.
"""

from __future__ import annotations

from dataclasses import dataclass, field

PRINCIPALS = ("region", "kommun", "gemensamt")


class IngestError(Exception):
    """A file that cannot be ingested; the message is the one-line reason shown to the editor."""


@dataclass
class RawText:
    """What a reader extracts from a file, before cleaning.

    Readers of structured formats mark what they know in the text itself, so one
    cleaner serves every format: headings as Markdown `#` lines, bold as `**…**`,
    table rows as tab-separated cells.
    """

    lines: list[str]
    format: str  # txt | md | html | pdf | docx
    pages: list[int] | None = None  # page number (1-based) of every line, PDF only
    page_count: int | None = None


@dataclass
class DocumentMeta:
    doc_id: str
    title: str
    region: str | None = None
    doc_type: str | None = None
    parties: list[str] = field(default_factory=list)
    decided: str | None = None  # ISO date
    valid_from: str | None = None
    valid_to: str | None = None
    status: str = "gällande"  # gällande | förslag | remiss | upphävd
    guessed: bool = False  # title/region guessed from text and file name, not from the manifest
    in_scope: bool = False  # the editor says every part is on topic, even inside a committee bundle


@dataclass
class Responsibility:
    """Who is responsible for an activity, as one passage states it."""

    activity: str
    principal: str | None  # one of PRINCIPALS
    units: list[str] = field(default_factory=list)
    kind: str = "prose"  # list | commitment | matrix | prose
    strength: str = "X"  # X = ansvarar, K = kan / i samverkan (weaker)


@dataclass
class Priority:
    """A national guideline recommendation's priority as the text states it."""

    level: int | None  # 1-10, None for FoU / icke-göra
    label: str  # BÖR | KAN | KAN I UNDANTAGSFALL | FoU | icke-göra
    recommendation: str  # the method and condition the level belongs to


@dataclass
class TableData:
    """A table row group as structured marks, so a chunk made from it keeps its columns."""

    title: str
    columns: list[str]
    rows: list[tuple[str, dict[str, str]]]  # (row label, {column: "X" | "K"})
    group: str | None = None  # e.g. the Norrbotten matrix section "Tidig upptäckt"


@dataclass
class Footnote:
    number: str
    text: str
    char_start: int = 0  # where it is referenced in the cleaned text


@dataclass
class Chunk:
    section_path: list[str]
    text: str
    kind: str = "text"  # text | list | table | footnote
    page: int | None = None  # PDF page (1-based)
    line_start: int | None = None  # 1-based line span in the source text
    line_end: int | None = None
    char_start: int = 0  # offsets into ParsedDocument.text
    char_end: int = 0
    on_topic: bool = True  # False for unrelated parts of a mixed bundle
    proposal: bool = False  # the passage is a proposal, not an agreement in force
    footnotes: list[str] = field(default_factory=list)  # numbers of footnotes referenced
    table: TableData | None = None
    responsibility: list[Responsibility] = field(default_factory=list)
    priority: list[Priority] = field(default_factory=list)

    @property
    def section(self) -> str:
        return " › ".join(self.section_path)


@dataclass
class IngestReport:
    format: str
    pages: int | None = None
    sections: int = 0
    chunks: int = 0
    tables: int = 0
    footnotes: int = 0
    redactions: int = 0
    off_topic: int = 0
    warnings: list[str] = field(default_factory=list)


@dataclass
class ParsedDocument:
    doc_id: str
    source_path: str
    format: str
    text: str  # the cleaned full text; chunk offsets point into it
    chunks: list[Chunk]
    report: IngestReport
    footnotes: list[Footnote] = field(default_factory=list)
    meta: DocumentMeta | None = None
    head: dict[str, str] = field(default_factory=dict)  # what the document's head states (ingest/header.py)

"""The records that flow from a source file to the index.

`ingest/` produces a `ParsedDocument`; `index/` stores it. Everything a later
stage needs (section path, page, table marks, tags) travels on the `Chunk`, so
the index never has to look at the source file again.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ingest.actors import PRINCIPALS  # noqa: F401  (re-exported: the records name principals)


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
    # Lines cleaning takes out for where they stand (running headers, letterheads, a signature
    # certificate), by 1-based line, with the reason; None: decided from the text. A kept copy carries
    # them: they were decided on the original, and its masked values would not repeat the same way.
    dropped: dict[int, str] | None = None
    # Lines the reader knows by their markup to be page furniture (an HTML page's navigation, banner,
    # footer and sidebar, or anything outside its <main>), by 1-based line, with the reason.
    furniture: dict[int, str] = field(default_factory=dict)


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
class Actor:
    """An organisation, unit or role a statement names, and what it is there."""

    text: str  # as written: "Sjuksköterskan", "socialnämnden"
    start: int  # offsets in the passage text
    end: int
    principal: str | None  # one of PRINCIPALS; None when the document does not settle it
    role: str  # doer | recipient | mentioned


@dataclass
class Responsibility:
    """One responsibility statement: who does what, how bindingly and on what condition.

    `start`/`end` span the statement in its passage: the list item, matrix row or sentence, whole.
    A list item's actor is named by its lead ("Sjuksköterskan ansvarar för att:"), kept in `lead`.
    """

    activity: str
    principal: str | None  # of the doer; None when the statement names no actor whose principal is known
    units: list[str] = field(default_factory=list)
    kind: str = "prose"  # list | commitment | matrix | field | prose | instruction | varies (it depends on the place)
    strength: str = "X"  # X = ansvarar, K = kan / i samverkan (weaker)
    actor: str = ""  # the doer as written
    modality: str = "ansvarar"  # ansvarar | åtar sig | ska | bör | kan | får | måste | utför | varierar
    negated: bool = False  # "ansvarar inte för", "får inte kräva"
    condition: str | None = None  # "Vid misstanke om …", "Om personen samtycker …"
    start: int = 0
    end: int = 0
    lead: str | None = None  # the lead line of a list item, as written
    heading: bool = False  # stated by the passage's own heading: the span is in section_path[-1]
    actors: list[Actor] = field(default_factory=list)


@dataclass
class Priority:
    """A national guideline recommendation with its priority, as the text states it.

    `start`/`end` span the recommendation in its passage, up to and including its mark;
    one passage often holds several with different levels ("AUDIT (prio 1) och DUDIT (prio 3)").
    """

    level: int | None  # 1-10, None for FoU / icke-göra
    label: str  # BÖR | KAN | KAN I UNDANTAGSFALL | FoU | icke-göra
    recommendation: str  # the condition and method the level belongs to
    condition: str | None = None  # tillstånd: "Vid alkoholberoende", "För personer med opioidberoende"
    action: str = ""  # åtgärd: the method
    row: str | None = None  # a guideline table's row id ("A12")
    start: int = 0
    end: int = 0


@dataclass
class TableData:
    """A table row group as structured cells, so a chunk made from it keeps its columns."""

    title: str
    columns: list[str]
    rows: list[
        tuple[str, dict[str, str]]
    ]  # (row label, {column: "X" | "K"}), or {column: cell text} for recommendations
    group: str | None = None  # e.g. the Norrbotten matrix section "Tidig upptäckt"
    kind: str = "matrix"  # matrix (marks per unit) | recommendations (a guideline table: a row per recommendation)


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
    metadata: dict[str, str] = field(default_factory=dict)  # what the document's head states (ingest/header.py)
    removed: list[tuple[int, str, str]] = field(
        default_factory=list
    )  # (source line, reason, text with personal data masked)
    redacted_lines: list[int] = field(default_factory=list)  # source lines where personal data was masked
    masked: dict[str, int] = field(
        default_factory=dict
    )  # what was masked, by kind (ingest/redact.py MARKERS), never the values


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
    kept: RawText | None = (
        None  # the source's lines with personal data masked: what is kept of the file (ingest/kept.py)
    )

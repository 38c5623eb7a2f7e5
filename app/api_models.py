"""The JSON API's response records, so /openapi.json describes exactly what each route sends.

The routes declare them as response models: FastAPI checks every answer
against them and drops nothing silently (extra keys are forbidden), so a shape
that drifts from its description fails the schema test instead of reaching a client.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from ingest.model import Footnote, IngestReport, Priority, Responsibility, TableData

Principal = Literal["region", "kommun", "gemensamt"]
DerivedStatus = Literal["gällande", "utgången", "förslag", "remiss", "upphävd"]


class Record(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ApiError(Record):
    """Every refusal of the API: 404 for an unknown id or path, 405 for a wrong method, 422 for a bad parameter,
    503 without an index."""

    detail: str = Field(description="Vad som gick fel, på svenska")


class Health(Record):
    status: Literal["ok"]
    generation: int = Field(description="Indexgenerationen som söks")


class PriorityMark(Record):
    level: int | None = Field(description="Prioritet 1–10 enligt nationella riktlinjer; null för FoU och icke-göra")
    label: str | None = Field(description="BÖR, KAN, KAN I UNDANTAGSFALL, FoU eller icke-göra")


class Span(Record):
    start: int
    end: int
    in_: Literal["heading", "text"] = Field(alias="in", description="Om spannet gäller rubriken eller texten")


class Citation(Record):
    chunk_id: str
    doc_id: str
    title: str
    region: str | None = Field(description="Länet dokumentet gäller; null för nationella dokument")
    section: str | None
    page: int | None
    url: str = Field(description="Avsnittets permanenta sida")


class StatementBase(Record):
    text: str = Field(description="Citatet: hela meningar, med ledraden före en listpunkt")
    span: Span
    chunk_id: str
    doc_id: str
    title: str
    region: str | None
    section: str | None
    page: int | None
    status: DerivedStatus
    url: str
    condition: str | None


class ResponsibilityStatement(StatementBase):
    kind: Literal["responsibility"]
    actor: str
    principal: Principal | None
    units: list[str]
    modality: str = Field(description="ansvarar, åtar sig, ska, bör, kan, får, måste eller utför")
    negated: bool


class RecommendationStatement(StatementBase):
    kind: Literal["recommendation"]
    priority: PriorityMark


Statement = Annotated[ResponsibilityStatement | RecommendationStatement, Field(discriminator="kind")]


class Answer(Record):
    """The answer card: the principal (or priority) with the statement that says so, or an abstention."""

    intent: str = Field(description="responsibility, permission, priority eller fact")
    principal: Principal | None
    units: list[str]
    priority: PriorityMark | None
    chunk_id: str | None
    text: str | None
    status: DerivedStatus | None
    statement: Statement | None
    abstained: bool
    reason: str | None = Field(description="Varför kortet inte ger något svar")
    candidates: list[Statement]
    regions: list[Statement] = Field(description="Det bästa uttalandet från varje annat län")
    region_note: str | None


class Result(Citation):
    text: str
    score: float
    principal: Principal | None
    units: list[str]
    priority: PriorityMark | None
    status: DerivedStatus


class SearchResponse(Record):
    query: str
    answer: Answer | None = Field(description="Svarskortet; null när frågan varken gäller ansvar eller prioritet")
    results: list[Result]


class RegionStatements(Record):
    region: str | None
    statements: list[ResponsibilityStatement]


class ResponsibilityResponse(Record):
    query: str
    regions: list[RegionStatements] = Field(description="Län i rangordning, vart och ett med sina ansvarsuttalanden")


class Passage(Citation):
    text: str
    section_path: list[str]
    line_start: int | None
    line_end: int | None
    char_start: int
    char_end: int
    kind: str = Field(description="text, list, table eller footnote")
    on_topic: bool
    proposal: bool = Field(description="Avsnittet är ett förslag, inte en gällande överenskommelse")
    footnotes: list[str]
    table: TableData | None
    responsibility: list[Responsibility]
    priority: list[Priority]
    current: bool = Field(description="Avsnittet hör till dokumentets gällande version")


class DocumentBase(Record):
    doc_id: str
    title: str
    region: str | None
    doc_type: str | None
    parties: list[str]
    decided: str | None
    valid_from: str | None
    valid_to: str | None
    status: DerivedStatus = Field(
        description="Dokumentets status, samma som på sidorna och i sökträffarna: gällande, förslag, remiss, upphävd "
        "eller utgången (giltighetstiden har gått ut)"
    )
    guessed: bool = Field(description="Titel och län är gissade ur texten, inte angivna")
    format: str
    current_version: int
    retired: bool
    report: IngestReport


class DocumentSummary(DocumentBase):
    chunks: int = Field(description="Antal avsnitt")


class Document(DocumentBase):
    footnotes: list[Footnote]
    chunks: list[Passage]

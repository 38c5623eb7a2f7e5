"""How a document was read, for editors: what ingest made of it, so a misread is seen before staff meet it.

The same view serves `kb inspect DOC` and the admin page /admin/documents/<id>/reading: the head
read as metadata, the section tree, every passage with its span, tables as rows, the responsibility
statements and recommendations found, what cleaning removed and why, warnings, and which manifest
setting fixes what.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from index.storage import Document, Passage, Store
from index.status import STATUS_LABELS, document_status
from ingest.model import Priority, Responsibility

REMOVED_LABELS = {
    "footer": "sidhuvud eller sidfot",
    "page_number": "sidnummer",
    "toc": "innehållsförteckning",
    "letterhead": "brevhuvud (adressruta)",
    "signature": "signeringsintyg",
    "garbage": "teckenskräp",
    "placeholder": "mallens instruktionsrad",
    "breadcrumb": "brödsmulor (webbsidans sökväg)",
    "navigation": "navigering (meny, länklista, \"Hitta på sidan\", \"Relaterat\")",
    "link": "rad med bara länkar",
    "teaser": "puff för en annan sida (länkad rubrik med ingress)",
    "duplicate_heading": "upprepad rubrik",
    "credit": "medverkande och datum (skribent, granskare)",
}
# What redaction masks (ingest/redact.py MARKERS), as the editor reads it; counts only, never the values.
MASKED_LABELS = {
    "namn": "namn",
    "e-post": "e-postadresser",
    "telefon": "telefonnummer",
    "personnummer": "personnummer",
    "samordningsnummer": "samordningsnummer",
    "adress": "gatuadresser",
    "kundnummer": "kundnummer",
    "id": "personal-id",
}
HEAD_LABELS = {
    "title": "titel", "doc_name": "dokumentnamn", "heading_title": "titelrubrik", "source_url": "källadress",
    "decided_by": "beslutad av", "decided": "beslutad", "valid_from": "giltig från", "valid_to": "giltig till",
    "revised": "reviderad", "owner": "dokumentansvarig", "replaces": "ersätter", "doc_kind": "dokumenttyp",
    "diarienummer": "diarienummer", "version": "version", "issuer": "utfärdare",
    "file_name": "filnamn", "description": "beskrivning", "published": "publicerad",
}


@dataclass
class DocumentReading:
    document: Document
    status: str
    sections: list[tuple[int, str]]  # (depth, title) in reading order
    passages: list[Passage]
    statements: list[tuple[Passage, Responsibility]]
    recommendations: list[tuple[Passage, Priority]]
    removed: dict[str, list[tuple[int, str]]] = field(default_factory=dict)  # reason -> (source line, text)
    masked: list[tuple[str, int]] = field(default_factory=list)  # (kind as the editor reads it, count), most first
    hints: list[str] = field(default_factory=list)

    @property
    def masked_summary(self) -> str:
        """One line for the editor: how many values of each kind were masked, and where, never which."""
        report = self.document.report
        total = report.get("redactions") or 0
        if not total:
            return "Personuppgifter maskade: inga."
        kinds = ", ".join(f"{label} {n}" for label, n in self.masked)
        lines = report.get("redacted_lines") or []
        where = f" på rad {', '.join(map(str, lines[:20]))}{' …' if len(lines) > 20 else ''}" if lines else ""
        return f"Personuppgifter maskade: {total}" + (f" ({kinds})" if kinds else "") + where + "."


def reading_of(store: Store, doc_id: str) -> DocumentReading | None:
    document = store.document(doc_id)
    if document is None:
        return None
    passages = store.document_passages(doc_id)
    sections, previous = [], []
    for passage in passages:
        path = passage.section_path
        common = next((i for i, (a, b) in enumerate(zip(path, previous)) if a != b), min(len(path), len(previous)))
        sections += [(depth + 1, path[depth]) for depth in range(common, len(path))]
        previous = path
    removed: dict[str, list[tuple[int, str]]] = {}
    for line, reason, text in document.report.get("removed", []):
        removed.setdefault(reason, []).append((line, text))
    reading = DocumentReading(
        document=document,
        status=STATUS_LABELS[document_status(document)],
        sections=sections,
        passages=passages,
        statements=[(passage, r) for passage in passages for r in passage.responsibility],
        recommendations=[(passage, p) for passage in passages for p in passage.priority],
        removed=removed,
        masked=masked_of(document.report),
    )
    reading.hints = hints_for(reading)
    return reading


def masked_of(report: dict) -> list[tuple[str, int]]:
    """What was masked, by kind; a document read before kinds were counted has only its total."""
    counts = report.get("masked") or {}
    return sorted(((MASKED_LABELS.get(kind, kind), n) for kind, n in counts.items()), key=lambda item: (-item[1], item[0]))


def hints_for(reading: DocumentReading) -> list[str]:
    """What an editor can set in the folder's manifest.toml to fix a misread, in Swedish."""
    document, out = reading.document, []
    entry = f"[documents.{document.doc_id}] i manifest.toml"
    if document.guessed:
        out.append(f"Titel, län och typ är lästa ur dokumentet eller gissade. Rätta dem under {entry}: title, region, doc_type.")
    if not document.region:
        out.append(f"Länet kunde inte avgöras, så dokumentet kommer inte först för något län. Ange region under {entry}.")
    off = sum(not passage.on_topic for passage in reading.passages)
    if off:
        out.append(
            f"{off} stycken räknas som utanför ämnet (delar av en nämndhandling som inte gäller missbruk) och rankas lägre. "
            f"Hör hela dokumentet hit: ange in_scope = true under {entry}."
        )
    if len(reading.sections) == 0:
        out.append("Inga rubriker hittades. Rubriker i Markdown (#), numrerade rubriker (1.2 Rubrik) eller Word-formatmallar ger stycken med avsnitt.")
    unknown = Counter(r.actor for _, r in reading.statements if not r.principal and r.actor)
    if unknown:
        actors = ", ".join(f"{a} ({n})" for a, n in unknown.most_common(5))
        out.append(
            f"Ansvarsuttalanden utan huvudman: {actors}. Dokumentet säger inte om aktören hör till region eller kommun; "
            "kortet avstår hellre än gissar. Ett uttalande i dokumentet om vem som ansvarar för yrkesgruppens arbete "
            "(till exempel \"Kommunen ansvarar för den vård som ingår i sjuksköterskans ansvarsområde\") avgör det."
        )
    return out


def format_reading(reading: DocumentReading) -> str:
    """The reading as plain text, for `kb inspect`."""
    document, report = reading.document, reading.document.report
    lines = [
        f"{document.title}  ({document.doc_id}, version {document.current_version}, {document.format})",
        f"Län: {document.region or '–'} · typ: {document.doc_type or '–'} · status: {reading.status}"
        + (" · gissad metadata" if document.guessed else ""),
    ]
    if report.get("metadata"):
        lines.append("Dokumentets huvud (läst som metadata):")
        lines += [f"  {HEAD_LABELS.get(k, k)}: {v}" for k, v in report["metadata"].items()]
    lines.append(f"\nAvsnitt ({len(reading.sections)}):")
    lines += [f"  {'  ' * (depth - 1)}{title}" for depth, title in reading.sections]
    lines.append(f"\nStycken ({len(reading.passages)}):")
    for passage in reading.passages:
        where = f"s. {passage.page}" if passage.page else f"rad {passage.line_start}–{passage.line_end}"
        flags = ("" if passage.on_topic else " · utanför ämnet") + (" · förslag" if passage.proposal else "")
        lines.append(f"  [{passage.chunk_id}] {where} · {passage.kind}{flags} · {passage.section or '(utan avsnitt)'}")
        lines.append(f"      {' '.join(passage.text.split())[:160]}")
        if passage.table:
            for label, marks in passage.table.rows:
                lines.append(f"      rad: {label} — " + ", ".join(f"{col} ({mark})" for col, mark in marks.items()))
    lines.append(f"\nAnsvarsuttalanden ({len(reading.statements)}):")
    for passage, r in reading.statements:
        source = passage.section_path[-1] if r.heading else passage.text
        quoted = " ".join(source[r.start : r.end].split())[:140]
        lines.append(
            f"  {r.principal or 'ingen huvudman':<10} {r.kind:<11} {r.actor or '(rutinens personal)'}"
            f" · {r.modality}{' inte' if r.negated else ''}: {quoted}"
        )
    lines.append(f"\nRekommendationer med prioritet ({len(reading.recommendations)}):")
    for passage, p in reading.recommendations:
        level = f"prio {p.level}" if p.level else p.label
        lines.append(f"  {level:<8} {p.label:<20} {' '.join(passage.text[p.start : p.end].split())[:120]}")
    if reading.removed:
        lines.append("\nBorttaget vid rensning:")
        for reason, removed in reading.removed.items():
            lines.append(f"  {REMOVED_LABELS.get(reason, reason)} ({len(removed)}): " + " | ".join(t for _, t in removed[:4]))
    lines.append("\n" + reading.masked_summary)
    if report.get("warnings"):
        lines.append("\nVarningar:")
        lines += [f"  {w}" for w in report["warnings"]]
    if reading.hints:
        lines.append("\nSå rättar du:")
        lines += [f"  – {h}" for h in reading.hints]
    return "\n".join(lines)

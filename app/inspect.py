"""How a document was read, for editors: what ingest made of it, so a misread is seen before staff meet it.

The same view serves `kb inspect DOC` and the admin page /admin/documents/<id>/reading: the head
read as metadata, the section tree, every passage with its span, tables as rows, the responsibility
statements and recommendations found, what cleaning removed and why, warnings, and how to fix a
misread where the document came from: its manifest entry, its admin page (an upload) or, for a draft,
the upload form.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from index.storage import Document, Passage, Store
from index.card.status import STATUS_LABELS, document_status
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
    "navigation": 'navigering (meny, länklista, "Hitta på sidan", "Relaterat")',
    "link": "rad med bara länkar",
    "teaser": "puff för en annan sida (länkad rubrik med ingress)",
    "duplicate_heading": "upprepad rubrik",
    "credit": "medverkande och datum (skribent, granskare)",
    "cookies": "webbplatsens meddelande om kakor (cookies)",
    "address": "postadress eller växelnummer (sidfotens kontaktrader)",
    "feedback": 'webbplatsens fråga om sidan hjälpte ("Ja Nej")',
    "outside_main": "utanför webbsidans huvudinnehåll (<main>)",
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
    "title": "titel",
    "doc_name": "dokumentnamn",
    "heading_title": "titelrubrik",
    "source_url": "källadress",
    "decided_by": "beslutad av",
    "decided": "beslutad",
    "valid_from": "giltig från",
    "valid_to": "giltig till",
    "validity": "giltighetstid",
    "revised": "reviderad",
    "owner": "dokumentansvarig",
    "replaces": "ersätter",
    "doc_kind": "dokumenttyp",
    "scope": "gäller för",
    "diarienummer": "diarienummer",
    "version": "version",
    "issuer": "utfärdare",
    "file_name": "filnamn",
    "description": "beskrivning",
    "published": "publicerad",
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
    origin: str = "manifest"  # manifest | upload | draft: where its metadata is fixed
    guessed: list[str] = field(default_factory=list)  # title, region, doc_type where neither file nor editor said

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


ORIGINS = ("manifest", "upload", "draft")
_GUESSABLE = {"title": "titel", "region": "län", "doc_type": "typ"}


def origin_of(store: Store, document: Document) -> str:
    """An upload's metadata is fixed on its admin page; a corpus file's in its folder's manifest."""
    uploads = store.settings.shared_dir.resolve() / "uploads"
    return "upload" if uploads in Path(document.source_path).resolve().parents else "manifest"


def reading_of(store: Store, doc_id: str, origin: str | None = None) -> DocumentReading | None:
    """How the document was read; `origin` (ORIGINS) says where it came from, else its path tells."""
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
        origin=origin or origin_of(store, document),
        guessed=[
            key
            for key, where in store.meta_provenance(doc_id).items()
            if key in _GUESSABLE and where["source"] == "guess"
        ],
    )
    reading.hints = hints_for(reading)
    return reading


def masked_of(report: dict) -> list[tuple[str, int]]:
    """What was masked, by kind; a document read before kinds were counted has only its total."""
    counts = report.get("masked") or {}
    return sorted(
        ((MASKED_LABELS.get(kind, kind), n) for kind, n in counts.items()), key=lambda item: (-item[1], item[0])
    )


def hints_for(reading: DocumentReading) -> list[str]:
    """How an editor fixes a misread, in Swedish, where the document came from: the folder's manifest.toml,
    the upload's metadata form on its admin page, or (a draft) the upload form."""
    document, out = reading.document, []
    entry = f"[documents.{document.doc_id}] i manifest.toml"
    page = f"under Metadata på dokumentets sida (/admin/documents/{document.doc_id})"
    guessed = [_GUESSABLE[key] for key in reading.guessed]
    if guessed:
        named = (", ".join(guessed[:-1]) + " och " + guessed[-1] if len(guessed) > 1 else guessed[0]).capitalize()
        many = len(guessed) > 1
        them = "dem" if many else "den"
        fix = {
            "manifest": f"Rätta {them} under {entry}: " + ", ".join(reading.guessed) + ".",
            "upload": f"Rätta {them} {page}.",
            "draft": f"Släng utkastet och ladda upp filen igen med {them} ifyllda, eller rätta {them} på dokumentets "
            f"sida när det är publicerat.",
        }[reading.origin]
        out.append(
            f"{named} är {'lästa' if many else 'läst'} ur dokumentet eller {'gissade' if many else 'gissad'}. {fix}"
        )
    if not document.region:
        fix = {
            "manifest": f"Ange region under {entry}.",
            "upload": f"Ange län {page}.",
            "draft": "Välj län när du laddar upp filen igen, eller på dokumentets sida när det är publicerat.",
        }[reading.origin]
        out.append(f"Länet kunde inte avgöras, så dokumentet kommer inte först för något län. {fix}")
    off = sum(not passage.on_topic for passage in reading.passages)
    if off:
        fix = (
            f"Hör hela dokumentet hit: ange in_scope = true under {entry}."
            if reading.origin == "manifest"
            else "En uppladdning kan inte ange det; hör hela dokumentet hit, lägg det i corpus-mappen med in_scope = "
            "true i manifest.toml."
        )
        out.append(
            f"{off} stycken räknas som utanför ämnet (delar av en nämndhandling som inte gäller missbruk) och rankas "
            f"lägre. {fix}"
        )
    if len(reading.sections) == 0:
        out.append(
            "Inga rubriker hittades. Rubriker i Markdown (#), numrerade rubriker (1.2 Rubrik) eller Word-formatmallar "
            "ger stycken med avsnitt."
        )
    unknown = Counter(r.actor for _, r in reading.statements if not r.principal and r.actor)
    if unknown:
        actors = ", ".join(f"{a} ({n})" for a, n in unknown.most_common(5))
        out.append(
            f"Ansvarsuttalanden utan huvudman: {actors}. Dokumentet säger inte om aktören hör till region eller "
            f"kommun; "
            "kortet avstår hellre än gissar. Ett uttalande i dokumentet om vem som ansvarar för yrkesgruppens arbete "
            '(till exempel "Kommunen ansvarar för den vård som ingår i sjuksköterskans ansvarsområde") avgör det.'
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
            lines.append(
                f"  {REMOVED_LABELS.get(reason, reason)} ({len(removed)}): " + " | ".join(t for _, t in removed[:4])
            )
    lines.append("\n" + reading.masked_summary)
    if report.get("warnings"):
        lines.append("\nVarningar:")
        lines += [f"  {w}" for w in report["warnings"]]
    if reading.hints:
        lines.append("\nSå rättar du:")
        lines += [f"  – {h}" for h in reading.hints]
    return "\n".join(lines)

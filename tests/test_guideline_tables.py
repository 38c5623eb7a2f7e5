"""National guideline tables and care-programme steps, in the formats editors add them.

Socialstyrelsen publishes its recommendations as tables (Rad, Tillstånd, Åtgärd, Prioritet) in
PDF and Word; the care and intervention programme names the responsible principal per step. The
files are generated here, filled with recommendations and levels as the Västerbotten summary
(corpus/) quotes them, and read by the real pipeline.
"""

from __future__ import annotations

from pathlib import Path

import docx
import pytest
from fpdf import FPDF

from ingest.pipeline import ingest_file

HEADER = ("Rad", "Tillstånd", "Åtgärd", "Prioritet")
ROWS = [
    ("A1", "Alkohol- eller narkotikaproblem", "Screening med AUDIT", "1"),
    ("A2", "Narkotikaproblem", "Screening med DUDIT", "3"),
    ("A3", "Val av insats", "Bedömning med ASI", "1"),
    ("A4", "Val av insats", "Bedömning med DOK", "6"),
    ("B1", "Alkoholberoende", "Läkemedelsbehandling med akamprosat", "1"),
    ("B2", "Alkoholberoende", "Läkemedelsbehandling med disulfiram", "2"),
    ("B3", "Alkoholberoende", "Läkemedelsbehandling med nalmefen", "4"),
    ("C1", "Långvarigt högt alkoholintag", "Mätning av MCV i blodprov", "10"),
    ("D1", "Alkohol- eller narkotikaproblem", "Webbaserad behandling", "FoU"),
]
STEP = ("Steg 3 Behandling av alkoholberoende", "Ansvarig huvudman: Region")


def write_docx(path: Path) -> Path:
    document = docx.Document()
    document.add_heading("Nationella riktlinjer för vård och stöd vid missbruk och beroende", level=1)
    document.add_paragraph("Tabellen visar rekommendationerna och deras prioritet enligt Socialstyrelsen.")
    table = document.add_table(rows=1 + len(ROWS), cols=len(HEADER))
    for row, values in zip(table.rows, [HEADER, *ROWS]):
        for cell, value in zip(row.cells, values):
            cell.text = value
    document.add_heading(STEP[0], level=2)
    document.add_paragraph("Behandlingen ges i öppenvård när patienten är motiverad till det.")
    document.add_paragraph(STEP[1])
    document.save(path)
    return path


def write_pdf(path: Path) -> Path:
    pdf = FPDF()
    pdf.add_page()
    font = "Helvetica"  # a core font: Swedish letters are in its Latin-1 range
    pdf.set_font(font, size=16)
    pdf.cell(0, 10, "Nationella riktlinjer för vård och stöd vid missbruk och beroende", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(font, size=10)
    pdf.multi_cell(
        0,
        6,
        "Tabellen visar rekommendationerna och deras prioritet enligt Socialstyrelsen.",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    widths = (15, 65, 75, 25)
    for values in [HEADER, *ROWS]:
        for width, value in zip(widths, values):
            pdf.cell(width, 7, value)
        pdf.ln(7)
    pdf.ln(4)
    pdf.set_font(font, size=14)
    pdf.cell(0, 10, STEP[0], new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(font, size=10)
    pdf.multi_cell(
        0, 6, "Behandlingen ges i öppenvård när patienten är motiverad till det.", new_x="LMARGIN", new_y="NEXT"
    )
    pdf.multi_cell(0, 6, STEP[1])
    pdf.output(str(path))
    return path


@pytest.fixture(scope="module", params=["docx", "pdf"])
def document(request, tmp_path_factory):
    folder = tmp_path_factory.mktemp(request.param)
    writer = write_docx if request.param == "docx" else write_pdf
    return ingest_file(writer(folder / f"riktlinjer.{request.param}"), {})


def test_one_recommendation_per_row_with_condition_action_level_and_row(document):
    found = [p for c in document.chunks for p in c.priority]
    assert [(p.row, p.condition, p.action, p.level, p.label) for p in found] == [
        (
            row,
            condition,
            action,
            int(level) if level.isdigit() else None,
            "FoU"
            if level == "FoU"
            else ("BÖR" if int(level) <= 3 else "KAN" if int(level) <= 7 else "KAN I UNDANTAGSFALL"),
        )
        for row, condition, action, level in ROWS
    ]


def test_each_row_is_spanned_in_its_passage(document):
    for chunk in document.chunks:
        for p in chunk.priority:
            assert p.action in chunk.text[p.start : p.end]


def test_a_care_programme_step_names_its_principal(document):
    records = [(c.section_path[-1], r) for c in document.chunks for r in c.responsibility if r.kind == "field"]
    assert [(section, r.principal, r.activity) for section, r in records] == [(STEP[0], "region", STEP[0])]

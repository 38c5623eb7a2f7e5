"""The same agreement as PDF, DOCX and plain text gives the same clean text and sections.

The files are generated here, with what real exports carry: running headers,
page numbers, words hyphenated at line ends and a two-column table.
"""

from __future__ import annotations

import re
from pathlib import Path

import docx
import pytest
from fpdf import FPDF

from ingest.parse import parse_file
from ingest.pipeline import ingest_file

TITLE = "Överenskommelse om samverkan"
SECTIONS = [
    (
        "1 Inledning",
        [
            "Denna överenskommelse gäller för länets kommuner och regionen och omfattar personer "
            "med missbruk och beroende av alkohol, narkotika och spel om pengar.",
            "Huvudmännen ska samverka så att den enskilde får en samordnad individuell plan när "
            "insatser behövs från både hälso- och sjukvården och socialtjänsten.",
        ],
    ),
    (
        "2 Ansvarsfördelning",
        [
            "Regionen ansvarar för abstinensbehandling i öppen- och slutenvård samt för "
            "läkemedelsassisterad behandling vid opioidberoende.",
            "Kommunen ansvarar för sociala stödinsatser, boende och sysselsättning enligt socialtjänstlagen.",
        ],
    ),
]
TABLE = [("Insats", "Huvudman"), ("Abstinensbehandling", "Region"), ("Boendestöd", "Kommun")]


def words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


def section_titles(path: Path) -> list[str]:
    return list(dict.fromkeys(c.section_path[0] for c in parse_file(path).chunks if c.kind != "footnote"))


def body_words(path: Path) -> list[str]:
    """The running text in reading order, tables left out (each format lays them out its own way)."""
    return [w for c in parse_file(path).chunks if c.kind in ("text", "list") for w in words(c.text)]


def write_text(path: Path) -> Path:
    lines = [f"# {TITLE}", ""]
    for heading, paragraphs in SECTIONS:
        lines += [f"## {heading}", ""]
        for paragraph in paragraphs:
            lines += [paragraph, ""]
    lines += ["\t".join(row) for row in TABLE]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_docx(path: Path) -> Path:
    document = docx.Document()
    document.add_heading(TITLE, level=1)
    for heading, paragraphs in SECTIONS:
        document.add_heading(heading, level=2)
        for paragraph in paragraphs:
            document.add_paragraph(paragraph)
    table = document.add_table(rows=0, cols=2)
    for row in TABLE:
        cells = table.add_row().cells
        cells[0].text, cells[1].text = row
    document.save(path)
    return path


def write_html(path: Path) -> Path:
    """A page as a site's CMS saves it: banner, menu, breadcrumb and sidebar around <main>, and a footer."""
    body = "".join(
        f"<h2>{heading}</h2>" + "".join(f"<p>{paragraph}</p>" for paragraph in paragraphs)
        for heading, paragraphs in SECTIONS
    )
    rows = "".join(f"<tr><td>{a}</td><td>{b}</td></tr>" for a, b in TABLE)
    path.write_text(
        f"<html><head><title>{TITLE} - Insidan</title></head><body>"
        '<a href="#main">Gå direkt till innehållet</a>'
        '<header><div>Exempelby kommun</div><nav><ul><li><a href="/">Start</a></li>'
        '<li><a href="/arbete">Mitt arbete</a></li></ul></nav></header>'
        '<nav aria-label="Brödsmulor"><ol><li><a href="/">Insidan</a></li><li>Rutiner</li></ol></nav>'
        f'<main id="main"><h1>{TITLE}</h1>'
        "<p>Dokumenttyp: Rutin | Fastställd av: Socialnämnden | Gäller från: 2024-10-14</p>"
        f"{body}<table>{rows}</table></main>"
        '<aside><h2>Relaterade dokument</h2><ul><li><a href="/r">Rutin vid hot och våld</a></li></ul></aside>'
        "<footer><p>Exempelby kommun, 123 45 Exempelby</p><p>Senast ändrad 2025-01-10</p></footer>"
        "</body></html>",
        encoding="utf-8",
    )
    return path


def write_pdf(path: Path) -> Path:
    """Narrow columns force line breaks; long words are hyphenated by hand at line ends."""
    pdf = FPDF()
    pdf.set_auto_page_break(True, margin=25)

    def header() -> None:
        pdf.set_font("Helvetica", size=8)
        pdf.cell(0, 8, "Länsöverenskommelse missbruk och beroende", new_x="LMARGIN", new_y="NEXT")

    def footer() -> None:
        pdf.set_y(-15)
        pdf.set_font("Helvetica", size=8)
        pdf.cell(0, 8, f"Sida {pdf.page_no()}", align="C")

    pdf.header, pdf.footer = header, footer
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 18)
    pdf.cell(0, 12, TITLE, new_x="LMARGIN", new_y="NEXT")
    for number, (heading, paragraphs) in enumerate(SECTIONS):
        if number:
            pdf.add_page()
        pdf.set_font("Helvetica", "B", 14)
        pdf.cell(0, 10, heading, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", size=11)
        for paragraph in paragraphs:
            pdf.multi_cell(0, 6, hyphenate(paragraph, 45))
            pdf.ln(4)
    with pdf.table(col_widths=(60, 60)) as table:
        for cells in TABLE:
            row = table.row()
            for cell in cells:
                row.cell(cell)
    pdf.output(str(path))
    return path


def hyphenate(text: str, width: int) -> str:
    """Break lines at `width` characters, splitting the word that crosses it with a hyphen."""
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            room = width - len(line) - 2
            if room >= 3 and len(word) - room >= 3 and word.isalpha():
                lines.append(f"{line} {word[:room]}-")
                line = word[room:]
                continue
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return "\n".join(lines + [line])


@pytest.fixture
def plain(tmp_path) -> Path:
    return write_text(tmp_path / "avtal.md")


@pytest.mark.parametrize("write", [write_docx, write_pdf, write_html], ids=["docx", "pdf", "html"])
def test_same_sections_and_text_as_plain_text(tmp_path, plain, write):
    other = write(tmp_path / f"avtal.{write.__name__.removeprefix('write_')}")
    assert section_titles(other) == section_titles(plain) == [heading for heading, _ in SECTIONS]
    paths = lambda p: [c.section_path for c in parse_file(p).chunks if c.kind == "text"]  # noqa: E731
    assert paths(other) == paths(plain)
    assert body_words(other) == body_words(plain)


def test_pdf_keeps_pages_and_loses_running_lines(tmp_path):
    document = parse_file(write_pdf(tmp_path / "avtal.pdf"))
    assert "Sida" not in document.text and "Länsöverenskommelse missbruk" not in document.text
    pages = {c.section_path[-1]: c.page for c in document.chunks if c.kind == "text"}
    assert pages == {"1 Inledning": 1, "2 Ansvarsfördelning": 2}
    assert "behandling" in words(document.text) and "abstinensbehandling" in words(document.text)
    assert "hälso- och sjukvården" in document.text, "a suspended hyphen stays"


@pytest.mark.parametrize("write", [write_text, write_docx, write_pdf], ids=["md", "docx", "pdf"])
def test_table_rows_name_their_columns(tmp_path, write):
    suffix = {"write_text": "md", "write_docx": "docx", "write_pdf": "pdf"}[write.__name__]
    document = parse_file(write(tmp_path / f"avtal.{suffix}"))
    text = " ".join(c.text for c in document.chunks)
    assert "Abstinensbehandling" in text and "Region" in text


def test_a_web_page_is_its_main_content_and_says_what_surrounded_it(tmp_path):
    """Banner, menus, breadcrumb, sidebar and footer are furniture by their HTML element, listed with
    the reason (a menu in the banner as navigation); the control line under the title is the
    document's head, its fields one by one."""
    document = ingest_file(write_html(tmp_path / "rutin.html"), {})
    assert document.meta.title == TITLE
    assert document.head["doc_kind"] == "Rutin" and document.head["decided_by"] == "Socialnämnden"
    assert document.head["valid_from"] == "2024-10-14"
    removed = {text: reason for _, reason, text in document.report.removed}
    assert removed["Gå direkt till innehållet"] == "outside_main"
    assert removed["- Mitt arbete"] == removed["- Rutiner"] == removed["- Rutin vid hot och våld"] == "navigation"
    assert removed["Exempelby kommun, 123 45 Exempelby"] == removed["Senast ändrad 2025-01-10"] == "footer"
    assert document.head["issuer"] == "Exempelby kommun"  # the banner's name

"""Readers on files generated here, so every structure the reader must keep is known exactly."""

from __future__ import annotations

from pathlib import Path

import docx
import pypdf
import pytest
from fpdf import FPDF

from ingest.model import IngestError
from ingest.readers import read_file


def _pdf(path: Path) -> Path:
    """Three pages with a running header, a 'Sida n av 3' footer, a heading, a hyphenated line and a table."""
    pdf = FPDF()
    pdf.set_auto_page_break(True, margin=20)

    def header() -> None:
        pdf.set_font("Helvetica", size=9)
        pdf.cell(0, 8, f"Överenskommelse Region Dalarna {pdf.page_no()}/3", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", size=11)

    def footer() -> None:
        pdf.set_y(-15)
        pdf.set_font("Helvetica", size=9)
        pdf.cell(0, 8, f"Sida {pdf.page_no()} av 3", align="C")

    pdf.header, pdf.footer = header, footer
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(0, 10, "Ansvarsfördelning", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=11)
    pdf.multi_cell(0, 6, "Kommunen ansvarar för stöd och behand-\nling enligt socialtjänstlagen.")
    with pdf.table(col_widths=(60, 60)) as table:
        for cells in [("Insats", "Huvudman"), ("Avgiftning", "Region"), ("Boende", "Kommun")]:
            row = table.row()
            for cell in cells:
                row.cell(cell)
    pdf.add_page()
    pdf.multi_cell(0, 6, "Regionen ansvarar för läkemedelsassisterad behandling.")
    pdf.add_page()
    pdf.multi_cell(0, 6, "Gemensamt ansvar för samordnad individuell plan.")
    pdf.output(str(path))
    return path


def test_pdf_lines_carry_pages_and_lose_running_headers(tmp_path):
    raw = read_file(_pdf(tmp_path / "avtal.pdf"))
    assert raw.format == "pdf" and raw.page_count == 3
    assert len(raw.pages) == len(raw.lines)
    by_text = {line: page for line, page in zip(raw.lines, raw.pages) if line}
    assert by_text["# Ansvarsfördelning"] == 1
    assert by_text["Regionen ansvarar för läkemedelsassisterad behandling."] == 2
    assert by_text["Gemensamt ansvar för samordnad individuell plan."] == 3
    text = "\n".join(raw.lines)
    assert "Överenskommelse Region Dalarna" not in text
    assert "Sida" not in text
    # hyphenation is left for the cleaner, on consecutive lines of the same page
    i = raw.lines.index("Kommunen ansvarar för stöd och behand-")
    assert raw.lines[i + 1] == "ling enligt socialtjänstlagen." and raw.pages[i + 1] == 1


def test_pdf_table_rows_are_tab_separated(tmp_path):
    raw = read_file(_pdf(tmp_path / "avtal.pdf"))
    rows = [line for line in raw.lines if "\t" in line]
    assert rows == ["Insats\tHuvudman", "Avgiftning\tRegion", "Boende\tKommun"]


def test_single_page_pdf_keeps_its_only_lines(tmp_path):
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    pdf.multi_cell(0, 6, "Rubrik på första raden\nBrödtext.")
    pdf.output(str(tmp_path / "en.pdf"))
    assert read_file(tmp_path / "en.pdf").lines == ["Rubrik på första raden", "Brödtext."]


def _encrypted_pdf(path: Path, user_password: str, algorithm: str) -> Path:
    writer = pypdf.PdfWriter(clone_from=str(_pdf(path.with_name("klar.pdf"))))
    writer.encrypt(user_password=user_password, owner_password="ägare", algorithm=algorithm)
    with path.open("wb") as fh:
        writer.write(fh)
    return path


def test_encrypted_pdf_is_refused(tmp_path):
    with pytest.raises(IngestError, match="krypterad"):
        read_file(_encrypted_pdf(tmp_path / "krypterad.pdf", "hemligt", "AES-256"))


def test_owner_password_only_pdf_is_read(tmp_path):
    """Such a PDF only restricts printing/copying; every viewer opens it without a password."""
    assert "# Ansvarsfördelning" in read_file(_encrypted_pdf(tmp_path / "begransad.pdf", "", "AES-128")).lines


def test_truncated_pdf_gives_one_line_reason(tmp_path):
    data = _pdf(tmp_path / "hel.pdf").read_bytes()
    path = tmp_path / "trasig.pdf"
    path.write_bytes(data[: len(data) // 3])
    with pytest.raises(IngestError, match="PDF kan inte läsas") as err:
        read_file(path)
    assert "\n" not in str(err.value)


def test_pdf_without_text_layer_asks_for_ocr(tmp_path):
    pdf = FPDF()
    pdf.add_page()
    pdf.rect(20, 20, 100, 50, style="F")  # a page with only graphics, like a scan
    pdf.output(str(tmp_path / "skannad.pdf"))
    with pytest.raises(IngestError, match="utan textlager"):
        read_file(tmp_path / "skannad.pdf")


def test_docx_marks_headings_bold_lists_and_tables_in_body_order(tmp_path):
    document = docx.Document()
    document.add_heading("Överenskommelse", level=0)
    document.add_heading("Ansvar", level=1)
    document.add_heading("Kommunens ansvar", level=2)
    document.add_paragraph().add_run("Helt fet rad").bold = True
    mixed = document.add_paragraph("Delvis ")
    mixed.add_run("fet").bold = True
    document.add_paragraph("Avgiftning", style="List Bullet")
    document.add_paragraph("Boendestöd", style="List Bullet")
    table = document.add_table(rows=2, cols=2)
    for r, cells in enumerate([("Insats", "Huvudman"), ("Avgiftning", "Region")]):
        for c, text in enumerate(cells):
            table.cell(r, c).text = text
    document.add_paragraph("Efter tabellen.")
    path = tmp_path / "avtal.docx"
    document.save(str(path))

    raw = read_file(path)
    assert raw.format == "docx" and raw.pages is None
    assert raw.lines == [
        "# Överenskommelse",
        "# Ansvar",
        "## Kommunens ansvar",
        "**Helt fet rad**",
        "Delvis fet",
        "- Avgiftning",
        "- Boendestöd",
        "Insats\tHuvudman",
        "Avgiftning\tRegion",
        "Efter tabellen.",
    ]


def test_corrupt_docx_is_refused(tmp_path):
    path = tmp_path / "trasig.docx"
    path.write_bytes(b"PK\x03\x04 inte en riktig zip")
    with pytest.raises(IngestError, match="DOCX kan inte läsas"):
        read_file(path)


def test_html_headings_tables_and_no_script(tmp_path):
    path = tmp_path / "sida.html"
    path.write_text(
        "<html><head><title>Titel</title><style>p{color:red}</style></head><body>"
        "<h2>Ansvar för  avgiftning</h2><p>Regionen &amp; kommunen <b>samverkar</b>.</p>"
        "<p><strong>Hela raden fet</strong></p>"
        "<ul><li>Första</li><li>Andra</li></ul>"
        "<table><tr><th>Insats</th><th>Huvudman</th></tr><tr><td>Boende</td><td>Kommun</td></tr></table>"
        "<script>var hemligt = 1;</script></body></html>",
        encoding="utf-8",
    )
    assert read_file(path).lines == [
        "## Ansvar för avgiftning",
        "Regionen & kommunen samverkar.",
        "**Hela raden fet**",
        "- Första",
        "- Andra",
        "Insats\tHuvudman",
        "Boende\tKommun",
    ]


def test_text_keeps_lines_and_falls_back_to_cp1252(tmp_path):
    (tmp_path / "a.txt").write_bytes("Rad ett  \n\nRäd två\n".encode("utf-8"))
    assert read_file(tmp_path / "a.txt").lines == ["Rad ett  ", "", "Räd två"]
    (tmp_path / "b.md").write_bytes("# Överenskommelse – 2016\r\n".encode("cp1252"))
    raw = read_file(tmp_path / "b.md")
    assert raw.lines == ["# Överenskommelse – 2016"] and raw.format == "md"


@pytest.mark.parametrize("content", [b"", b"  \n\t\r\n"])
def test_empty_file_is_refused(tmp_path, content):
    path = tmp_path / "tom.txt"
    path.write_bytes(content)
    with pytest.raises(IngestError, match="filen är tom"):
        read_file(path)


def test_unknown_extension_is_named(tmp_path):
    path = tmp_path / "tabell.xlsx"
    path.write_bytes(b"data")
    with pytest.raises(IngestError, match=r"\.xlsx stöds inte.*\.pdf"):
        read_file(path)


def test_missing_file(tmp_path):
    with pytest.raises(IngestError, match="finns inte"):
        read_file(tmp_path / "saknas.pdf")

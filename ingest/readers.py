"""Turn a source file into `RawText`: one reader per format, all marking structure the same way.

Structured formats carry what they know into the text as Markdown marks (`#`
headings, `**bold**` lines, `- ` list items, tab-separated table rows), so the
cleaner and chunker downstream never need to know which format a line came from.
Every failure is an `IngestError` with a one-line Swedish reason for the editor.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import docx
import pypdf
from docx.opc.exceptions import PackageNotFoundError
from docx.enum.style import WD_STYLE_TYPE
from docx.table import Table
from lxml.etree import XMLSyntaxError
from pypdf.errors import DependencyError, FileNotDecryptedError, PyPdfError

from ingest.kept import is_kept, load_kept
from ingest.model import IngestError, RawText

SUPPORTED = (".txt", ".md", ".html", ".htm", ".pdf", ".docx")


def read_file(path: Path) -> RawText:
    """Dispatch on the extension; unknown types are refused by name rather than guessed.
    A kept copy (ingest/kept.py) gives back the lines its file's reader gave."""
    suffix = path.suffix.lower()
    readers = {
        ".txt": lambda data: RawText(_decode(data).split("\n"), "txt"),
        ".md": lambda data: RawText(_decode(data).split("\n"), "md"),
        ".html": _read_html,
        ".htm": _read_html,
        ".pdf": _read_pdf,
        ".docx": _read_docx,
    }
    if suffix not in readers and not is_kept(path):
        shown = suffix or "utan filändelse"
        raise IngestError(f"filtypen {shown} stöds inte (stöds: {', '.join(SUPPORTED)})")
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise IngestError("filen finns inte") from None
    except OSError as exc:
        raise IngestError(f"filen kan inte läsas: {exc.strerror or exc}") from None
    if not data.strip():
        raise IngestError("filen är tom")
    raw = load_kept(data)[0] if is_kept(path) else readers[suffix](data)
    if not any(line.strip() for line in raw.lines):
        raise IngestError("filen är tom")
    return raw


def _decode(data: bytes) -> str:
    """UTF-8 first; older Windows exports are cp1252, and latin-1 never fails."""
    for encoding in ("utf-8-sig", "cp1252", "latin-1"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text[:-1] if text.endswith("\n") else text


# --- HTML -------------------------------------------------------------------

_BLOCK_TAGS = {
    "p",
    "div",
    "br",
    "section",
    "article",
    "header",
    "footer",
    "main",
    "nav",
    "aside",
    "ul",
    "ol",
    "dl",
    "dt",
    "dd",
    "blockquote",
    "pre",
    "hr",
    "table",
    "caption",
    "form",
}
_SKIP_TAGS = {"script", "style", "head", "title", "noscript", "template"}
_VOID_TAGS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
# Page furniture as HTML names it: what it is (the reason the editor reads) by element and by ARIA role.
# A header, footer or aside inside <main> or an <article> belongs to that content; outside, to the site.
_LANDMARKS = {"nav": "navigation", "header": "footer", "footer": "footer", "aside": "navigation"}
_ROLES = {
    "navigation": "navigation",
    "search": "navigation",
    "banner": "footer",
    "contentinfo": "footer",
    "complementary": "navigation",
}


class _HtmlLines(HTMLParser):
    """Collects lines; a line remembers whether every piece of its text was bold, and whether it stood
    in the page's furniture (`furniture`: 1-based line -> reason) rather than its content."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.furniture: dict[int, str] = {}
        self._outside_main: list[int] = []  # content lines outside <main>: furniture once the page has one
        self._has_main = False
        self._open: list[tuple[str, str | None]] = []  # open elements, each with the furniture it starts
        self._parts: list[tuple[str, bool]] = []
        self._prefix = ""
        self._skip = 0
        self._bold = 0
        self._pre = 0
        self._row: list[str] | None = None
        self._cell: list[str] | None = None

    def _kind(self, tag: str, attrs: list) -> str | None:
        """What the element is: page content ("main", "content"), furniture (the reason), or neither (None)."""
        role = (dict(attrs).get("role") or "").strip().lower()
        if tag == "main" or role == "main":
            return "main"
        if tag == "nav" or role in _ROLES:
            return _ROLES.get(role) or _LANDMARKS[tag]
        if tag == "article":
            return "content"
        if tag in _LANDMARKS and not any(kind in ("main", "content") for _, kind in self._open):
            return _LANDMARKS[tag]
        return None

    def _where(self) -> str | None:
        """The furniture the current text stands in (the innermost: a menu in the banner is navigation),
        or None for the page's content."""
        kinds = [kind for _, kind in self._open if kind]
        return next((k for k in reversed(kinds) if k not in ("main", "content")), None)

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self._start(tag)  # ends the line before, which stood where the element is not
        if tag not in _VOID_TAGS:
            kind = self._kind(tag, attrs)
            self._has_main = self._has_main or kind == "main"
            self._open.append((tag, kind))

    def _start(self, tag: str) -> None:
        if tag in _SKIP_TAGS:
            self._skip += 1
        elif tag in ("b", "strong"):
            self._bold += 1
        elif self._cell is not None:
            if tag in _BLOCK_TAGS or tag == "li":
                self._cell.append(" ")
        elif re.fullmatch(r"h[1-6]", tag):
            self._flush()
            self._prefix = "#" * int(tag[1]) + " "
        elif tag == "li":
            self._flush()
            self._prefix = "- "
        elif tag == "tr":
            self._flush()
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []
        elif tag in _BLOCK_TAGS:
            self._flush()
            if tag == "pre":
                self._pre += 1

    def handle_startendtag(self, tag: str, attrs: list) -> None:
        self._start(tag)

    def handle_endtag(self, tag: str) -> None:
        self._end(tag)
        open_tags = [t for t, _ in self._open]
        if tag in open_tags:  # elements left open inside it (a <p> or <li> without its end tag) end with it
            del self._open[len(open_tags) - 1 - open_tags[::-1].index(tag) :]

    def _end(self, tag: str) -> None:
        if tag in _SKIP_TAGS:
            self._skip = max(0, self._skip - 1)
        elif tag in ("b", "strong"):
            self._bold = max(0, self._bold - 1)
        elif tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            if any(self._row):
                self._add("\t".join(self._row))
            self._row = None
        elif self._cell is None and (re.fullmatch(r"h[1-6]", tag) or tag == "li" or tag in _BLOCK_TAGS):
            self._flush()
            if tag == "pre":
                self._pre = max(0, self._pre - 1)

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        if self._cell is not None:
            self._cell.append(data)
        elif self._pre:
            *done, rest = data.split("\n")
            for piece in done:
                self._parts.append((piece, bool(self._bold)))
                self._flush()
            self._parts.append((rest, bool(self._bold)))
        else:
            self._parts.append((re.sub(r"\s+", " ", data), bool(self._bold)))

    def close(self) -> None:
        super().close()
        self._flush()
        if self._has_main:
            self.furniture.update(dict.fromkeys(self._outside_main, "outside_main"))

    def _flush(self) -> None:
        text = "".join(t for t, _ in self._parts)
        text = text.rstrip() if self._pre else text.strip()
        all_bold = all(bold for t, bold in self._parts if t.strip())
        if text:
            if all_bold and not self._prefix.startswith("#"):
                text = f"**{text}**"
            self._add(self._prefix + text)
        self._parts = []
        self._prefix = ""

    def _add(self, line: str) -> None:
        self.lines.append(line)
        if reason := self._where():
            self.furniture[len(self.lines)] = reason
        elif not any(kind == "main" for _, kind in self._open):
            self._outside_main.append(len(self.lines))


def _read_html(data: bytes) -> RawText:
    parser = _HtmlLines()
    parser.feed(_decode(data))
    parser.close()
    return RawText(parser.lines, "html", furniture=parser.furniture)


# --- PDF --------------------------------------------------------------------

_PAGE_NO_RE = re.compile(
    r"^(?:(?:sida|sid\.?|s\.|page)\s*)?\d{1,4}(?:\s*(?:\(\s*\d{1,4}\s*\)|/\s*\d{1,4}|(?:av|of)\s+\d{1,4}))?$"
    r"|^[-–—]\s*\d{1,4}\s*[-–—]$",
    re.I,
)
_EDGE_LINES = 3  # how deep into the top and bottom of a page running headers/footers may reach


class _Fragment:
    __slots__ = ("text", "x", "y", "size", "bold")

    def __init__(self, text: str, x: float, y: float, size: float, bold: bool) -> None:
        self.text, self.x, self.y, self.size, self.bold = text, x, y, size, bold


def _page_fragments(page: pypdf.PageObject) -> list[_Fragment]:
    """Positioned text pieces in content-stream order; pypdf's plain text loses font size and gaps."""
    fragments: list[_Fragment] = []

    def visit(text: str, cm: list, tm: list, font: dict | None, font_size: float) -> None:
        if not text.strip("\n"):
            return
        a, b, c, d, e, f = tm
        m = [
            a * cm[0] + b * cm[2],
            a * cm[1] + b * cm[3],
            c * cm[0] + d * cm[2],
            c * cm[1] + d * cm[3],
            e * cm[0] + f * cm[2] + cm[4],
            e * cm[1] + f * cm[3] + cm[5],
        ]
        size = abs(font_size * (m[2] ** 2 + m[3] ** 2) ** 0.5) or font_size
        name = str((font or {}).get("/BaseFont", ""))
        bold = bool(re.search(r"bold|black|heavy|semibold|demi", name, re.I))
        for i, piece in enumerate(text.split("\n")):
            if piece.strip():
                fragments.append(_Fragment(piece, m[4], m[5] - i * size * 1.2, size, bold))

    page.extract_text(visitor_text=visit)
    return fragments


def _build_lines(fragments: list[_Fragment]) -> list[list[_Fragment]]:
    """A new line starts where the baseline moves; pieces on one baseline are ordered left to right."""
    lines: list[list[_Fragment]] = []
    for frag in fragments:
        if lines and abs(lines[-1][0].y - frag.y) <= 0.4 * max(frag.size, lines[-1][0].size):
            lines[-1].append(frag)
        else:
            lines.append([frag])
    return [sorted(line, key=lambda f: f.x) for line in lines]


def _line_text(line: list[_Fragment]) -> str:
    """Join pieces; a gap far wider than a space (estimated from the text length) is a table column."""
    out = line[0].text.strip()
    for prev, frag in zip(line, line[1:]):
        est_end = prev.x + len(prev.text) * prev.size * 0.5
        gap = frag.x - est_end
        joiner = "\t" if gap > 2 * frag.size else ("" if prev.text.endswith(" ") or frag.text.startswith(" ") else " ")
        out += joiner + frag.text.strip()
    return re.sub(r"[ \u00a0]{2,}", " ", out)


def _mark_lines(pages: list[list[list[_Fragment]]]) -> list[list[str]]:
    """Headings are lines set clearly larger than body text (largest = level 1); all-bold lines get `**`.

    A blank line marks a vertical gap wider than line spacing, so paragraphs stay apart.
    """
    sizes: Counter = Counter()
    for page in pages:
        for line in page:
            for frag in line:
                sizes[round(frag.size, 1)] += len(frag.text)
    body = sizes.most_common(1)[0][0] if sizes else 0.0
    heading_sizes = sorted(
        {
            round(max(f.size for f in line), 1)
            for page in pages
            for line in page
            if max(f.size for f in line) >= body * 1.15
        },
        reverse=True,
    )
    marked = []
    for page in pages:
        texts = []
        for prev, line in zip([None, *page], page):
            if prev is not None and prev[0].y - line[0].y > 1.9 * line[0].size:
                texts.append("")  # a wider gap than line spacing: new paragraph
            text = _line_text(line)
            size = round(max(f.size for f in line), 1)
            if size in heading_sizes and "\t" not in text and len(text) <= 150 and not _PAGE_NO_RE.match(text):
                mark = "#" * min(heading_sizes.index(size) + 1, 6) + " "
                if texts and texts[-1].startswith(mark) and _wraps(texts[-1], text):
                    texts[-1] += " " + text  # a heading wrapped over two lines is one heading
                    continue
                text = mark + text
            elif all(f.bold for f in line) and "\t" not in text:
                text = f"**{text}**"
            texts.append(text)
        marked.append(texts)
    return marked


def _wraps(heading: str, text: str) -> bool:
    """The line goes on with the heading above it ("… med missbruk eller" / "beroende")."""
    return not heading.rstrip().endswith((".", ":", "!", "?")) and text[:1].islower()


def _normalise(line: str) -> str:
    return re.sub(r"\d+", "#", " ".join(line.replace("*", "").lstrip("# ").lower().split()))


def _strip_running_lines(pages: list[list[str]]) -> list[list[str]]:
    """Drop bare page numbers and lines repeating at the same edge of most pages (digits masked)."""
    pages = [list(p) for p in pages]
    for top in (True, False):
        for _ in range(_EDGE_LINES):
            for p in pages:
                while p and not p[0 if top else -1].strip():
                    p.pop(0 if top else -1)
            edge = [(p[0] if top else p[-1]) if p else None for p in pages]
            counts = Counter(_normalise(e) for e in edge if e is not None)
            needed = max(2, (len(pages) + 1) // 2)
            removed = False
            for p, e in zip(pages, edge):
                if e is None:
                    continue
                bare = re.sub(r"[*#]", "", e).strip()
                if _PAGE_NO_RE.match(bare) or (len(pages) > 1 and counts[_normalise(e)] >= needed):
                    p.pop(0 if top else -1)
                    removed = True
            if not removed:
                break
    return pages


def _read_pdf(data: bytes) -> RawText:
    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            try:
                # Owner-password-only PDFs (print/copy restrictions) open with an empty password.
                if not reader.decrypt(""):
                    raise IngestError("PDF är krypterad – krypterad PDF stöds inte, spara en okrypterad kopia")
            except (FileNotDecryptedError, DependencyError, NotImplementedError):
                raise IngestError("PDF är krypterad – krypterad PDF stöds inte, spara en okrypterad kopia") from None
        pages = [_build_lines(_page_fragments(page)) for page in reader.pages]
    except IngestError:
        raise
    except (PyPdfError, ValueError, KeyError, IndexError, TypeError, AttributeError, OSError) as exc:
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise IngestError(f"PDF kan inte läsas (trasig fil?): {reason}") from None
    if not pages:
        raise IngestError("PDF kan inte läsas: inga sidor")
    if not any(pages):
        raise IngestError("PDF utan textlager (skannad?) – kör OCR först")
    lines: list[str] = []
    numbers: list[int] = []
    for number, page in enumerate(_strip_running_lines(_mark_lines(pages)), start=1):
        lines += page
        numbers += [number] * len(page)
    return RawText(lines, "pdf", pages=numbers, page_count=len(pages))


# --- DOCX -------------------------------------------------------------------

_HEADING_STYLE_RE = re.compile(r"^(?:heading|rubrik)\s*(\d)$", re.I)


def _docx_styles(document) -> dict[str | None, tuple[str, bool]]:
    """Name and boldness of each paragraph style by id, read once per document.

    python-docx finds a paragraph's style by scanning every style of the
    document, several times per paragraph; on a long document that is minutes.
    The key None holds the default style, as python-docx falls back to it.
    """
    styles = {
        s.style_id: (s.name or "", bool(s.font.bold)) for s in document.styles if s.type == WD_STYLE_TYPE.PARAGRAPH
    }
    default = document.styles.default(WD_STYLE_TYPE.PARAGRAPH)
    styles[None] = (default.name or "", bool(default.font.bold)) if default is not None else ("", False)
    return styles


def _docx_paragraph(paragraph, styles: dict[str | None, tuple[str, bool]]) -> str | None:
    text = paragraph.text.strip()
    if not text:
        return None
    style, style_bold = styles.get(paragraph._p.style, styles[None])
    if style.lower() in ("title", "rubrik"):
        return "# " + text
    heading = _HEADING_STYLE_RE.match(style)
    if heading:
        return "#" * min(int(heading.group(1)), 6) + " " + text
    numbered = paragraph._p.pPr is not None and paragraph._p.pPr.numPr is not None
    if numbered or re.search(r"list|lista|punkt", style, re.I):
        return "- " + text
    runs = [r for r in paragraph.runs if r.text.strip()]
    if runs and all(r.bold or (r.bold is None and style_bold) for r in runs):
        return f"**{text}**"
    return text


def _docx_table(table: Table) -> list[str]:
    rows = []
    for row in table.rows:
        cells, seen = [], set()
        for cell in row.cells:  # a merged cell is returned once per grid column it spans
            if id(cell._tc) in seen:
                continue
            seen.add(id(cell._tc))
            cells.append(" ".join(cell.text.split()))
        if any(cells):
            rows.append("\t".join(cells))
    return rows


def _read_docx(data: bytes) -> RawText:
    try:
        document = docx.Document(io.BytesIO(data))
        styles = _docx_styles(document)
        lines: list[str] = []
        for block in document.iter_inner_content():
            if isinstance(block, Table):
                lines += _docx_table(block)
            else:
                line = _docx_paragraph(block, styles)
                if line:
                    lines.append(line)
    except (zipfile.BadZipFile, PackageNotFoundError, KeyError, ValueError, XMLSyntaxError) as exc:
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise IngestError(f"DOCX kan inte läsas (trasig fil?): {reason}") from None
    return RawText(lines, "docx")

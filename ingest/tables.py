"""Flattened tables back into rows with column labels.

Responsibility matrices come flattened two ways: tab-separated rows (Word/HTML conversions)
and PDF text where each row is a label followed by marks whose column is only known from
spacing ("x  x x": one space between cells, an empty cell adds one). Guideline tables
(Socialstyrelsen's national guidelines: a row per recommendation with Rad, Tillstånd, Åtgärd
and Prioritet) come as tab-separated rows from Word and from PDF alike (the PDF reader turns
column gaps into tabs). Either way the result is a `TableData`, and `render_rows` names the
column of every cell so a table chunk is searchable by activity, unit or condition.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz import fuzz

from ingest.clean import Line, mostly_marks
from ingest.model import TableData

MARKS = {"x": "X", "X": "X", "K": "K", "k": "K"}
MIN_ROWS = 3


@dataclass
class TableSpan:
    start: int  # index of the first line belonging to the table (header, title or caption)
    end: int  # index after the last row
    table: TableData
    row_lines: list[tuple[int, int]]  # (first, last) line index of every row, for line spans


def find_tables(lines: list[Line]) -> list[TableSpan]:
    guidelines = _guideline_tables(lines)
    taken = {i for span in guidelines for i in range(span.start, span.end)}
    spans = guidelines + [s for s in _tab_tables(lines) + _spaced_tables(lines) if s.start not in taken]
    spans.sort(key=lambda s: s.start)
    return spans


def render_rows(table: TableData, rows: list[tuple[str, dict[str, str]]] | None = None) -> str:
    """One line per row naming the column of each cell: "Abstinensvård: Primärvård (X), …";
    a guideline row as "A12 – Tillstånd: … · Åtgärd: … · Prioritet: 1"."""
    head = table.title if not table.group or table.group == table.title else f"{table.title} – {table.group}"
    out = [f"{head}:"]
    for label, cells in rows if rows is not None else table.rows:
        if table.kind == "recommendations":
            out.append(f"{label} – " + " · ".join(f"{col}: {text}" for col, text in cells.items() if text))
            continue
        marks = ", ".join(f"{col} ({mark})" for col, mark in cells.items()) or "–"
        out.append(f"{label}: {marks}")
    return "\n".join(out)


# --- guideline tables ------------------------------------------------------------------------

GUIDELINE_COLUMNS = ("tillstånd", "åtgärd", "prioritet")  # the columns every guideline table has
ROW_ID_COLUMNS = ("rad", "radnummer", "nr", "id")


def _guideline_tables(lines: list[Line]) -> list[TableSpan]:
    """Tab-separated blocks whose header names Tillstånd, Åtgärd and Prioritet: one row per recommendation."""
    spans = []
    i = 0
    while i < len(lines):
        header = _cells(lines[i]) if lines[i].text.count("\t") >= 2 else []
        names = [c.lower().rstrip(":") for c in header]
        if not all(any(n.startswith(col) for n in names) for col in GUIDELINE_COLUMNS):
            i += 1
            continue
        columns = [column_label(c) for c in header]
        id_column = next((n for n, name in enumerate(names) if name in ROW_ID_COLUMNS), None)
        j, data, row_lines = i + 1, [], []
        while j < len(lines):
            if not lines[j].text and j + 1 < len(lines) and lines[j + 1].text.count("\t") >= 1:
                j += 1  # a PDF row's height shows as a blank line between rows
                continue
            if lines[j].text.count("\t") < 1:
                break
            cells = _cells(lines[j]) + [""] * len(columns)
            values = {columns[n]: re.sub(r"\s+", " ", cells[n]).strip() for n in range(len(columns)) if n != id_column}
            label = cells[id_column].strip() if id_column is not None else f"Rad {len(data) + 1}"
            data.append((label, values))
            row_lines.append((j, j))
            j += 1
        if data:
            spans.append(TableSpan(i, j, TableData("", columns, data, kind="recommendations"), row_lines))
        i = j
    return spans


def column_label(text: str) -> str:
    """Header cells are printed narrow: "Primär-vård", "Beroende- centrum" are one word."""
    text = re.sub(r"\[\^\d+\]", "", text)
    text = re.sub(r"(\w)- ?(?=[a-zåäö])(?!och\b|eller\b|samt\b)", r"\1", text)
    return re.sub(r"\s+", " ", text).strip()


# --- tab-separated -----------------------------------------------------------------------------


def _cells(line: Line) -> list[str]:
    return [c.strip() for c in line.text.split("\t")]


def _is_mark(cell: str) -> bool:
    return cell in MARKS


def _tab_tables(lines: list[Line]) -> list[TableSpan]:
    spans = []
    i = 0
    while i < len(lines):
        if lines[i].text.count("\t") < 2:
            i += 1
            continue
        j = i
        while j < len(lines) and lines[j].text.count("\t") >= 2:
            j += 1
        block = list(range(i, j))
        header = [k for k in block if not any(_is_mark(c) for c in _cells(lines[k])[1:])]
        rows = [k for k in block if k not in header]
        if len(rows) >= 2 and header:
            best = max(header, key=lambda k: sum(1 for c in _cells(lines[k])[1:] if c))
            columns = [column_label(c) for c in _cells(lines[best])[1:]]
            while columns and not columns[-1]:
                columns.pop()
            data = []
            for k in rows:
                cells = _cells(lines[k])
                marks = {columns[n]: MARKS[c] for n, c in enumerate(cells[1:]) if n < len(columns) and _is_mark(c)}
                data.append((_row_label(cells[0]), marks))
            spans.append(TableSpan(i, j, TableData(title="", columns=columns, rows=data), [(k, k) for k in rows]))
        i = j
    return spans


def _row_label(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"\[\^\d+\]", "", text)).strip(" ,")


# --- spacing-aligned --------------------------------------------------------------------------


def _split_marks(text: str) -> tuple[str, list[str]] | None:
    """'Abstinensvård x  x ' -> ('Abstinensvård', ['x', '', 'x']); None when the line has no marks."""
    tokens = text.rstrip().split(" ")
    k = len(tokens)
    while k > 0 and (tokens[k - 1] in MARKS or tokens[k - 1] == ""):
        k -= 1
    marks = tokens[k:]
    if not any(t in MARKS for t in marks):
        return None
    label = " ".join(tokens[:k]).strip()
    if label and not marks[0] and len(marks) == 1:
        return None
    return label, marks


def _spaced_tables(lines: list[Line]) -> list[TableSpan]:
    mark_idx = [i for i, ln in enumerate(lines) if ln.text and "\t" not in ln.text and _split_marks(ln.text)]
    groups: list[list[int]] = []
    for i in mark_idx:
        if groups and i - groups[-1][-1] <= 8:
            groups[-1].append(i)
        else:
            groups.append([i])
    spans = []
    for group in groups:
        if len(group) < MIN_ROWS:
            continue
        ncols = max(len(_split_marks(lines[i].text)[1]) for i in group)
        rows: list[tuple[str, list[str]]] = []
        row_lines = []
        prev = None
        first_label_start = None
        for i in group:
            label, marks = _split_marks(lines[i].text)
            start = i if label else i
            if prev is None:
                k = i - 1
                label_lines = []
                if not label:
                    while k >= 0 and not lines[k].text:
                        k -= 1
                    while k >= 0 and lines[k].text:
                        label_lines.insert(0, k)
                        k -= 1
                first_label_start = label_lines[0] if label_lines else i
                before = [lines[x].text for x in label_lines]
            else:
                before = [lines[x].text for x in range(prev + 1, i) if lines[x].text]
            if before and label:
                label = " ".join(before + [label])
            elif before:
                label = " ".join(before)
            start = first_label_start if prev is None else prev + 1
            rows.append((re.sub(r"\s+", " ", label).strip(), marks))
            row_lines.append((start, i))
            prev = i
        head_start, title, columns, caption = _spaced_header(lines, first_label_start, ncols)
        if not _real_matrix(columns, [label for label, _ in rows], ncols):
            continue
        data = [
            (label, {columns[n]: MARKS[m] for n, m in enumerate(marks) if m in MARKS and n < len(columns)})
            for label, marks in rows
        ]
        table = TableData(title=title or caption, columns=columns, rows=data)
        spans.append(TableSpan(head_start, group[-1] + 1, table, row_lines))
    return spans


def _real_matrix(columns: list[str], labels: list[str], ncols: int) -> bool:
    """A matrix has a named header cell for every mark column and a word label on every row.

    Without that the marks cannot be placed (an instrument list per municipality whose header
    is one run-together line), and the passage is better kept as plain text than as a table
    with "Kolumn 1…" or a row label like "X x x".
    """
    if len(columns) < ncols or any(not c or c.startswith("Kolumn ") for c in columns):
        return False
    if any(c in MARKS or len(c.split()) > 8 or mostly_marks(c) for c in columns):
        return False  # marks inside the header: not a matrix but text that happens to end in "X"
    if len({c.lower() for c in columns}) < len(columns):
        return False  # the same header twice: the "header" is row labels of another table
    return all(label and not mostly_marks(label) for label in labels)


def _blocks_before(lines: list[Line], end: int) -> list[tuple[int, list[str]]]:
    """Blank-separated blocks of short lines before `end`, nearest first; stops at prose or a bullet."""
    blocks: list[tuple[int, list[str]]] = []
    k = end - 1
    while k >= 0:
        while k >= 0 and not lines[k].text:
            k -= 1
        block: list[int] = []
        while k >= 0 and lines[k].text:
            t = lines[k].text
            if t.startswith(("- ", "#")) or len(t.split()) > 7 or "\t" in t:
                return (
                    blocks
                    if not block
                    else blocks + ([(block[0], [lines[x].text for x in block])] if _short(block, lines) else [])
                )
            block.insert(0, k)
            k -= 1
        if not block:
            break
        blocks.append((block[0], [lines[x].text for x in block]))
        if len(blocks) > 12:
            break
    return blocks


def _short(block: list[int], lines: list[Line]) -> bool:
    return all(len(lines[x].text.split()) <= 7 for x in block)


def _spaced_header(lines: list[Line], first_row: int, ncols: int) -> tuple[int, str, list[str], str]:
    """Title, column labels and corner caption printed before the first row, one cell per block."""
    blocks = _blocks_before(lines, first_row)
    title = ""
    caption = ""
    if len(blocks) >= ncols + 1:
        title = " ".join(blocks[0][1])
        cols = blocks[1 : ncols + 1]
        rest = blocks[ncols + 1 :]
        caption = " ".join(" ".join(b[1]) for b in reversed(rest))
    elif len(blocks) == ncols:
        cols = blocks
        rest = []
    else:
        return first_row, "", [f"Kolumn {n + 1}" for n in range(ncols)], ""
    columns = [_column_from_block(b[1]) for b in reversed(cols)]
    start = (rest[-1] if rest else cols[-1])[0]
    return start, re.sub(r"\s+", " ", title).strip(), columns, caption


def _column_from_block(block: list[str]) -> str:
    """'Somatiska' + 'kliniker' is one name; 'inkl. …' is a parenthesis; 'VC, inkl. …' are details."""
    name = block[0].strip()
    paren: list[str] = []
    for line in block[1:]:
        line = line.strip()
        if paren:
            paren.append(line)
        elif re.match(r"(inkl|exkl|t\.ex|bl\.a)\.?\s", line):
            paren.append(line)
        elif line[:1].islower() and "," not in line and len(line.split()) == 1:
            name += " " + line
        else:
            break
    label = column_label(name)
    if paren:
        label += f" ({column_label(' '.join(paren))})"
    return label


def continues(prev: TableData, cur: TableData) -> bool:
    """A continued table ("Fortsättning – …") repeats the columns of the one before, so it keeps its title."""
    if len(prev.columns) != len(cur.columns):
        return False
    return fuzz.token_set_ratio(" ".join(prev.columns), " ".join(cur.columns)) >= 80

"""Section detection: every block of cleaned text gets the path of headings above it.

Headings come in many disguises: Markdown `#`, whole-line bold, numbered lines
("9.4 Region Norrbotten ansvarar …"), ALL-CAPS box titles and short unnumbered
title lines. Numbers decide depth when present (converters often get Markdown
levels wrong); numbered list items and "1 §" law quotes are told apart from
headings by the numbering sequence, the text's shape and what follows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ingest.clean import CleanText, Line, mostly_marks
from ingest.model import TableData
from ingest.tables import continues, find_tables

NUMBERED_RE = re.compile(r"^(?P<num>\d{1,2}(?:\.\d{1,2})*)\.?\s+(?P<title>[A-ZÅÄÖÉ\"”].*)$")
MD_RE = re.compile(r"^(?P<hashes>#{1,6})\s+(?P<title>.+?)\s*#*$")
BOLD_RE = re.compile(r"^\*\*(?P<title>[^*]+?)\*\*\s*(?:\*(?P<sub>[^*]+)\*)?\s*$")
BACK_MATTER = ("bilaga", "bilagor", "referenser", "källor", "källförteckning", "litteraturlista")
CONTINUES_WORDS = {"och", "eller", "samt", "i", "för", "av", "med", "till", "om", "på", "vid", "inom"}
SENTENCE_END = (".", "!", "?", ":", ";", ",")


@dataclass
class Block:
    kind: str  # heading | text | list | table
    lines: list[Line]
    path: list[str] = field(default_factory=list)
    table: TableData | None = None
    row_lines: list[tuple[int, int]] = field(default_factory=list)  # per table row: (first, last) source line

    @property
    def text(self) -> str:
        return join_lines([ln.text for ln in self.lines])


@dataclass
class _Open:
    title: str
    depth: int | None  # numbering depth; None for unnumbered headings
    level: int  # Markdown level, or 7 bold, 8 caps box, 9 title line


def join_lines(texts: list[str]) -> str:
    return re.sub(r"\s+", " ", " ".join(t for t in texts if t)).strip()


def strip_marks(text: str) -> str:
    """Bold/italic markers are for structure only; the text keeps the words."""
    return re.sub(r"\*\*|(?<!\w)\*(?=\S)|(?<=\S)\*(?!\w)|__", "", text).strip()


def build_blocks(clean: CleanText) -> list[Block]:
    lines = clean.lines
    tables = {t.start: t for t in find_tables(lines)}
    headings = _detect_headings(lines, clean, set().union(*[set(range(t.start, t.end)) for t in tables.values()]))
    blocks: list[Block] = []
    stack: list[_Open] = []
    current: Block | None = None
    prev_table: TableData | None = None
    i = 0

    def flush():
        nonlocal current
        if current and current.lines:
            blocks.append(current)
        current = None

    while i < len(lines):
        if i in tables:
            flush()
            span = tables[i]
            path = [o.title for o in stack]
            table = span.table
            if not table.title and prev_table is not None and continues(prev_table, table):
                table.title = prev_table.title
            if not table.title:
                table.title = path[0] if path else "Tabell"
            if path and path[-1] != table.title:
                table.group = path[-1]
            prev_table = table
            rows = [(lines[a].src, lines[b].src_end or lines[b].src) for a, b in span.row_lines]
            blocks.append(Block("table", lines[span.start : span.end], path, table, rows))
            i = span.end
            continue
        if i in headings:
            flush()
            title, depth, level, used = headings[i]
            _push(stack, _Open(title, depth, level), clean.toc)
            blocks.append(Block("heading", lines[i : i + used], [o.title for o in stack]))
            i += used
            continue
        ln = lines[i]
        if not ln.text:
            if not clean.double_spaced:
                flush()
            i += 1
            continue
        is_item = ln.text.startswith("- ") or bool(re.match(r"^\d{1,2}[.)]\s", ln.text))
        path = [o.title for o in stack]
        if is_item:
            if current is None or current.kind != "list" or current.path != path:
                flush()
                current = Block("list", [], path)
        elif current is not None and current.kind == "list" and _continues_item(current, ln):
            pass
        elif current is None or current.kind != "text" or current.path != path or _paragraph_break(current, ln, clean):
            flush()
            current = Block("text", [], path)
        current.lines.append(ln)
        i += 1
    flush()
    return blocks


def _continues_item(block: Block, ln: Line) -> bool:
    """A wrapped list item: the previous line did not end its sentence and this one starts in lowercase."""
    last = block.lines[-1].text
    return not last.rstrip().endswith((".", "!", "?")) and ln.text[:1].islower()


def _paragraph_break(block: Block, ln: Line, clean: CleanText) -> bool:
    if not clean.double_spaced:
        return False
    last = block.lines[-1].text.rstrip()
    return last.endswith((".", "!", "?", ":")) and ln.text[:1].isupper() and ln.indent == 0


def _push(stack: list[_Open], item: _Open, toc: list[str]) -> None:
    low = item.title.lower()
    if item.depth is None and low.startswith(BACK_MATTER):
        stack.clear()
    elif item.depth is not None:
        while stack and (stack[-1].depth is None or stack[-1].depth >= item.depth):
            stack.pop()
    else:
        while stack and stack[-1].depth is None and stack[-1].level >= item.level:
            stack.pop()
        if item.level <= 2:
            while stack and stack[-1].level >= item.level:
                stack.pop()
    stack.append(item)


def _detect_headings(lines: list[Line], clean: CleanText, skip: set[int]) -> dict[int, tuple[str, int | None, int, int]]:
    """Index -> (title, numbering depth, level, number of lines used)."""
    found: dict[int, tuple[str, int | None, int, int]] = {}
    nonblank = [i for i, ln in enumerate(lines) if ln.text and i not in skip]
    pos = {i: n for n, i in enumerate(nonblank)}
    last_top = 0
    seen_numbers: set[tuple[int, ...]] = set()

    def nxt(i: int, k: int = 1) -> str:
        n = pos[i] + k
        return lines[nonblank[n]].text if n < len(nonblank) else ""

    def prv(i: int) -> str:
        n = pos[i] - 1
        return lines[nonblank[n]].text if n >= 0 else ""

    for i in nonblank:
        if any(i < j + found[j][3] for j in found if j < i):
            continue
        text = lines[i].text
        if mostly_marks(strip_marks(text)):
            continue  # a mark row ("X x x x") or a bare number is never a title
        md = MD_RE.match(text)
        if md:
            title = strip_marks(md.group("title"))
            if not title:
                continue
            num = NUMBERED_RE.match(title)
            depth = len(num.group("num").split(".")) if num else None
            if num:
                nums = tuple(int(x) for x in num.group("num").split("."))
                seen_numbers.add(nums)
                if depth == 1:
                    last_top = nums[0]
            found[i] = (title, depth, len(md.group("hashes")), 1)
            continue
        bold = BOLD_RE.match(text)
        if bold and len(bold.group("title").split()) <= 14:
            title = strip_marks(bold.group("title")).rstrip(":")
            num = NUMBERED_RE.match(title)
            found[i] = (title, len(num.group("num").split(".")) if num else None, 7, 1)
            continue
        num = NUMBERED_RE.match(text)
        if num and "§" not in text[:8]:
            nums = tuple(int(x) for x in num.group("num").split("."))
            title = num.group("title").strip()
            used = 1
            if _wraps(title, nxt(i)):
                title = f"{title} {nxt(i).strip()}"
                used = nonblank[pos[i] + 1] - i + 1
            if len(nums) > 1 and _numbered_ok(nums, title, last_top, seen_numbers):
                seen_numbers.add(nums)
                last_top = max(last_top, nums[0])
                found[i] = (f"{num.group('num')} {title}", len(nums), 9, used)
                continue
            if len(nums) == 1 and _top_ok(nums[0], title, last_top, i, lines, nonblank, pos):
                last_top = nums[0]
                seen_numbers.add(nums)
                found[i] = (f"{nums[0]}. {title}", 1, 9, 1)
                continue
        if _caps_title(text):
            title = text.strip()
            used = 1
            if _caps_title(nxt(i)) and not mostly_marks(nxt(i)) and not text.rstrip().endswith((".", ":")):
                title += " " + nxt(i).strip()
                used = nonblank[pos[i] + 1] - i + 1
            found[i] = (_caps_to_title(title), None, 8, used)
            continue
        if _title_line(text, prv(i), nxt(i), nxt(i, 2), i - 1 in found or pos[i] == 0):
            found[i] = (text.strip(), None, 9, 1)
    return found


def _wraps(title: str, following: str) -> bool:
    last = title.split()[-1].lower() if title.split() else ""
    return (last in CONTINUES_WORDS or title.endswith(("-", ","))) and 0 < len(following.split()) <= 6 and following[:1].islower()


def _heading_shape(title: str, max_words: int) -> bool:
    words = title.split()
    return 0 < len(words) <= max_words and not title.rstrip().endswith((".", ",", ";")) and not title[:1].islower()


def _numbered_ok(nums: tuple[int, ...], title: str, last_top: int, seen: set[tuple[int, ...]]) -> bool:
    """'2.1.1 Globala mål' yes; '11.50 Beslutsmöte' (a time) and '2.14 Kammarrätten' out of sequence no."""
    if any(n == 0 or n > 30 for n in nums) or not _heading_shape(title, 18):
        return False
    parent = nums[:-1]
    return parent in seen or nums[0] in (last_top, last_top + 1) or not seen


def _top_ok(n: int, title: str, last_top: int, i: int, lines: list[Line], nonblank: list[int], pos: dict[int, int]) -> bool:
    """A chapter number must advance, look like a title, and not be the first item of a numbered list."""
    if not (last_top < n <= last_top + 3) or not _heading_shape(title, 10) or title.endswith(":"):
        return False
    following = [lines[j].text for j in nonblank[pos[i] + 1 : pos[i] + 4]]
    if following and following[0][:1].islower():
        return False
    if any(re.match(rf"^{n + 1}[.)]\s", t) for t in following):
        return False
    for j in nonblank[pos[i] + 1 :]:
        m = re.match(r"^(\d{1,2})\.\d{1,2}\.?\s+[A-ZÅÄÖ]", lines[j].text)
        if m:
            return int(m.group(1)) >= n
    return True


def _caps_to_title(title: str) -> str:
    """'LAGEN OM VÅRD AV UNGA, LVU' -> 'Lagen om vård av unga, LVU': short all-caps words are abbreviations."""
    words = title.split()
    out = [w if 2 <= len(w.strip(",.:;()")) <= 4 and n else w.lower() for n, w in enumerate(words)]
    out[0] = out[0][:1].upper() + out[0][1:].lower() if out else ""
    return " ".join(out)


def _caps_title(text: str) -> bool:
    """TERMER I ÖVERENSKOMMELSEN: a box title, not an abbreviation like "LVM" or a table cell."""
    letters = [c for c in text if c.isalpha()]
    return (
        len(letters) >= 6
        and sum(c.isupper() for c in letters) >= 0.9 * len(letters)
        and len(text.split()) <= 10
        and not text.startswith("- ")
        and "\t" not in text
    )


def _title_line(text: str, prev: str, nxt: str, nxt2: str, after_heading: bool) -> bool:
    """A short line standing alone between finished text and a new sentence, e.g. "Syfte"."""
    if not _heading_shape(text, 8) or text.startswith(("- ", "[^")) or text.endswith(":") or "\t" in text:
        return False
    if not text[:1].isupper() or re.match(r"^[\d\W]", text) or text.split()[-1].lower() in CONTINUES_WORDS:
        return False
    prev_done = after_heading or not prev or prev.rstrip().endswith((".", "!", "?", ":", "”")) or prev.startswith("#")
    next_prose = len(nxt.split()) >= 6 and nxt[:1].isupper() and not nxt.startswith("- ")
    return prev_done and next_prose

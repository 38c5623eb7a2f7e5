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
# A committee item: "§ 12 Title", "§ 12" over its title, "Ärende 12", "3. Ärende: Title"
ITEM_RE = re.compile(
    r"^(?:§\s*(?P<par>\d{1,3})(?:\s+(?P<ptitle>[A-ZÅÄÖ].*))?|Ärende\s+\d{1,3}|\d{1,2}\.\s*Ärende\s*:\s*\S.*)\s*$"
)
# The first heading of a Swedish official memo (tjänsteskrivelse); the lines above it are the item title
PROPOSAL_HEAD_RE = re.compile(r"^(?:förslag till beslut|beslutsförslag)\s*:?\s*$", re.I)
ITEM_LEVEL = 0
APPENDIX_LEVEL = -1  # "Bilaga 2": top level (inside a committee item), below only the item itself
BACK_MATTER = ("bilaga", "bilagor", "referenser", "källor", "källförteckning", "litteraturlista")
CONTINUES_WORDS = {"och", "eller", "samt", "i", "för", "av", "med", "till", "om", "på", "vid", "inom"}
# "Bilaga 2", "Bilaga 2a. Samverkansrutin …", "BILAGA 3", "Del 2. Struktur": an appendix or a part starts a
# top-level section of its own
APPENDIX_RE = re.compile(r"^(?:bilaga|appendix|del)\s+\d{1,2}[a-z]?\b(?:[.:]?\s+[A-ZÅÄÖ].{0,80})?$", re.I)
# A converter's heading that is only an abbreviation ("## SIP", "## LOV", "## BMI", "## SoL") marks a bold word,
# not a section; a short word ("## Syfte", "### Rutin") is a heading
ABBREVIATION_RE = re.compile(r"^(?=\w*[A-ZÅÄÖ]\w*[A-ZÅÄÖ])[A-ZÅÄÖ][A-ZÅÄÖa-zåäö]{1,4}$")
LEAD_RE = re.compile(r"\b(?:ansvar\w*|åtar sig)\b", re.IGNORECASE)  # "Läkaren ansvarar för att:" leads a list
LEAD_LINE_RE = re.compile(r"\b(?:ansvar\w*|åtar sig)\b.*\b(?:att|för)$", re.IGNORECASE)  # a lead whose colon was lost
# The words a document's title starts with: a compiled document's parts are titled so
PART_RE = re.compile(
    r"^(?:bilaga|del|(?:samverkans)?överenskommelser?|avtal|rutin(?:er)?|riktlinjer?|handlingsplan|policy)\b", re.I
)
NEW_TITLE_WORDS = 3  # a title of no document type word ("Samverkan kring …") over a new numbering: at least this long
PROSE_WORDS = 6  # a line this long that starts a paragraph is running text
LABEL_WORDS = 3  # "Övrig anteckning:" is a field's label; a longer line ending in a colon introduces a list
TABLE_GAPS = 2  # column gaps in the source line from which a line is a flattened table row, never a title


@dataclass
class Block:
    kind: str  # heading | text | list | table
    lines: list[Line]
    path: list[str] = field(default_factory=list)
    table: TableData | None = None
    row_lines: list[tuple[int, int]] = field(default_factory=list)  # per table row: (first, last) source line
    item: bool = False  # a heading that opens a committee item ("§ 12", "Ärende 8") of a bundle

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


def is_lead(text: str) -> bool:
    """A line that introduces a list: it ends with a colon, or is "… åtar sig att" / "… ansvarar för att"."""
    text = text.rstrip()
    return text.endswith(":") or bool(LEAD_LINE_RE.search(text))


def strip_marks(text: str) -> str:
    """Bold/italic markers are for structure only; the text keeps the words."""
    return re.sub(r"\*\*|(?<!\w)\*(?=\S)|(?<=\S)\*(?!\w)|__", "", text).strip()


def build_blocks(clean: CleanText) -> list[Block]:
    lines = clean.lines
    tables = {t.start: t for t in find_tables(lines)}
    title_lines, heading_title = _document_title(lines, plain=not clean.title)
    clean.title = heading_title or clean.title
    skip = set().union(title_lines, *[set(range(t.start, t.end)) for t in tables.values()])
    headings = _detect_headings(lines, clean, skip)
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
            blocks.append(Block("heading", lines[i : i + used], [o.title for o in stack], item=level == ITEM_LEVEL))
            i += used
            continue
        ln = lines[i]
        if i in title_lines:
            i += 1
            continue
        if not ln.text:
            if not clean.double_spaced:
                flush()
            i += 1
            continue
        is_item = _is_item(ln.text)
        path = [o.title for o in stack]
        if is_item and _sentence_dash(current, ln):
            ln.text = "– " + ln.text[2:]
            is_item = False
        if (
            not is_item
            and current is None
            and PAREN_LINE_RE.fullmatch(ln.text)
            and blocks
            and blocks[-1].kind == "list"
            and blocks[-1].path == path
        ):
            blocks[-1].lines.append(ln)  # "(LARO)" on a line of its own ends the item above it
            i += 1
            continue
        if is_item:
            if current is None or current.kind != "list" or current.path != path:
                flush()
                current = Block("list", [], path)
        elif (
            current is not None
            and current.kind == "list"
            and (_continues_item(current, ln) or _item_follows(lines, i, headings))
        ):
            pass
        elif current is None or current.kind != "text" or current.path != path or _paragraph_break(current, ln, clean):
            flush()
            current = Block("text", [], path)
        current.lines.append(ln)
        i += 1
    flush()
    return _rejoin_broken_sentences(blocks)


BOX_WORDS = 25  # a framed text inserted mid-sentence is short


def _rejoin_broken_sentences(blocks: list[Block]) -> list[Block]:
    """Join a sentence that a floating box (or a page break) cut in two.

    The text before the break ends without sentence punctuation and the text after it starts in
    lower case; between them stand only box material (an ALL-CAPS box title, short framed text)
    or nothing. The continuation moves up to the sentence it belongs to; the box stays after it.
    """
    out: list[Block] = []
    for block in blocks:
        if (
            block.kind == "text"
            and block.lines[0].text[:1].islower()
            and not block.lines[0].text.startswith(("http", "www"))
        ):
            target = _broken_sentence_before(out)
            if target is not None:
                target.lines.extend(block.lines)
                continue
        elif block.kind == "text" and out and out[-1].kind == "heading" and _caps_title(out[-1].lines[0].text):
            # double-spaced text: the box text and the continuation after it came out as one block
            k = next(
                (
                    k
                    for k in range(1, len(block.lines))
                    if block.lines[k].text[:1].islower() and block.lines[k - 1].text.rstrip().endswith((".", "!", "?"))
                ),
                None,
            )
            box = Block("text", block.lines[:k], block.path) if k else None
            target = _broken_sentence_before(out + [box]) if box and len(box.text.split()) <= BOX_WORDS else None
            if target is not None:
                target.lines.extend(block.lines[k:])
                block.lines = block.lines[:k]
        out.append(block)
    return out


def _broken_sentence_before(out: list[Block]) -> Block | None:
    """The nearest text block ending mid-sentence, past at most a box title and short framed texts."""
    for block in reversed(out[-6:]):
        text = block.text.rstrip()
        if block.kind == "heading" and _caps_title(block.lines[0].text) and not mostly_marks(block.lines[0].text):
            continue  # the box title
        if block.kind != "text":
            return None
        if text[-1:].isalpha() or text.endswith(","):
            return block  # unfinished sentence
        if len(text.split()) <= BOX_WORDS:
            continue  # short framed text of the box
        return None
    return None


PAREN_LINE_RE = re.compile(r"\([^()]{1,40}\)\.?")


def _is_item(text: str) -> bool:
    return text.startswith("- ") or bool(re.match(r"^\d{1,2}[.)]\s", text))


def _appendix(text: str) -> bool:
    return bool(APPENDIX_RE.match(strip_marks(MD_RE.sub(r"\g<title>", text)).strip()))


def _attachment_list(i: int, nonblank: list[int], pos: dict[int, int], lines: list[Line]) -> bool:
    """ "Bilaga 1 …", "Bilaga 2 …" within a few lines of each other, or under "Bilagor", list the attachments."""
    near = [lines[j].text for j in nonblank[max(0, pos[i] - 3) : pos[i] + 4] if j != i]
    return any(_appendix(t) or t.strip().lower().rstrip(":") in ("bilagor", "bilaga") for t in near)


def _sentence_dash(current: Block | None, ln: Line) -> bool:
    """ "… lägga press på personen" / "- ibland kan ökad stress …": a dash inside a sentence, not a bullet."""
    if current is None or current.kind != "text" or not ln.text[2:3].islower():
        return False
    last = current.lines[-1].text.rstrip()
    if LEAD_LINE_RE.search(last):
        return False  # "Läkaren ansvarar för att" over its list, the colon lost
    return not last.endswith((":", ".", "!", "?"))


def _item_follows(lines: list[Line], i: int, headings: dict) -> bool:
    """Lines between two items of one list belong to the item above them, whatever case they start in,
    unless the line leads a list of its own ("Sjuksköterskans ansvar för att:")."""
    text = lines[i].text.rstrip()
    if is_lead(text):
        return False
    for j in range(i + 1, len(lines)):
        text = lines[j].text
        if not text or j in headings:
            return False
        if text.startswith("- "):
            return True
    return False


def _continues_item(block: Block, ln: Line) -> bool:
    """A wrapped list item: the previous line did not end its sentence and this one starts in lowercase,
    or the previous line ends on a word that cannot end a phrase ("… i samband med" / "LVM-vård")."""
    last = block.lines[-1].text.rstrip()
    if last.endswith((".", "!", "?")):
        return False
    return ln.text[:1].islower() or (last.split() or [""])[-1].lower() in CONTINUES_WORDS


def _paragraph_break(block: Block, ln: Line, clean: CleanText) -> bool:
    if not clean.double_spaced:
        return False
    last = block.lines[-1].text.rstrip()
    return last.endswith((".", "!", "?", ":")) and ln.text[:1].isupper() and ln.indent == 0


def _push(stack: list[_Open], item: _Open, toc: list[str]) -> None:
    """Committee items (level 0) are the floor: only the next item closes one. An appendix closes
    everything up to its item and is the floor for its own (numbered) sections."""
    low = item.title.lower()
    items = 1 if stack and stack[0].level == ITEM_LEVEL else 0
    floor = items + (1 if len(stack) > items and stack[items].level == APPENDIX_LEVEL else 0)
    if item.level == ITEM_LEVEL:
        stack.clear()
    elif item.level == APPENDIX_LEVEL or (item.depth is None and low.startswith(BACK_MATTER)):
        del stack[items:]
    elif item.depth is not None:
        while len(stack) > floor and (stack[-1].depth is None or stack[-1].depth >= item.depth):
            stack.pop()
    else:
        while len(stack) > floor and stack[-1].depth is None and stack[-1].level >= item.level:
            stack.pop()
        if item.level == 1 or (item.level == 2 and not any(o.depth is not None and o.level > 6 for o in stack)):
            # where the document numbers its sections on plain lines, numbers decide depth: a converter's
            # "##" inside "4. Medicinsk bedömning" is a subsection of it, not a sibling
            while len(stack) > floor and stack[-1].level >= item.level:
                stack.pop()
    stack.append(item)


Heading = tuple[str, int | None, int, int]  # (title, numbering depth, level, number of lines used)


@dataclass
class _Numbering:
    """What the section numbers read so far say about the next numbered line."""

    last_top: int = 0
    last_item: int | None = None  # the number of the last numbered line read as a list item, not a heading
    seen: set[tuple[int, ...]] = field(default_factory=set)

    def restart(self) -> None:
        self.last_top, self.last_item, self.seen = 0, None, set()


@dataclass
class _View:
    """The lines a heading is looked for in, with their neighbours across blank lines."""

    lines: list[Line]
    nonblank: list[int]
    pos: dict[int, int]
    set_apart: set[int] = field(default_factory=set)  # lines with two blank lines above, in single-spaced text

    def nxt(self, i: int, k: int = 1) -> str:
        n = self.pos[i] + k
        return self.lines[self.nonblank[n]].text if n < len(self.nonblank) else ""

    def prv(self, i: int) -> str:
        n = self.pos[i] - 1
        return self.lines[self.nonblank[n]].text if n >= 0 else ""

    def through_next(self, i: int) -> int:
        """Lines used by a title that takes the next non-blank line too."""
        return self.nonblank[self.pos[i] + 1] - i + 1


def _detect_headings(lines: list[Line], clean: CleanText, skip: set[int]) -> dict[int, Heading]:
    """Index -> (title, numbering depth, level, number of lines used): each line is tried against the
    patterns in turn, from the most explicit (a converter's marks) to the least (a short line alone)."""
    nonblank = [i for i, ln in enumerate(lines) if ln.text and i not in skip]
    # A text whose paragraphs part with one blank line and its sections with two (a DOCX saved as text)
    # sets its headings apart: "Kontaktuppgifter" after the last line of an unmarked list is one.
    set_apart = set()
    if not clean.double_spaced:
        set_apart = {i for i in nonblank[1:] if not lines[i - 1].text.strip() and not lines[i - 2].text.strip()}
    view = _View(lines, nonblank, {i: n for n, i in enumerate(nonblank)}, set_apart)
    numbering = _Numbering()
    items = _item_titles(lines, nonblank, view.pos)
    found: dict[int, Heading] = dict(items)
    parts = _parts(lines, nonblank, view.pos)
    for i in nonblank:
        if i in items:
            numbering.last_top, numbering.seen = 0, set()  # numbering starts again in every item's papers
            continue
        if any(i < j + found[j][3] for j in found if j < i):
            continue
        heading = _heading_at(i, view, numbering, parts, found)
        if heading:
            found[i] = heading
    return found


def _heading_at(
    i: int, view: _View, numbering: _Numbering, parts: set[int], found: dict[int, Heading]
) -> Heading | None:
    text = view.lines[i].text
    if PROPOSAL_HEAD_RE.match(text.strip()):
        return (text.strip().rstrip(":").strip(), None, 9, 1)
    if mostly_marks(strip_marks(text)) or view.lines[i].gaps >= TABLE_GAPS:
        return None  # a mark row ("X x x x"), a bare number or a flattened table row is never a title
    if _part_heading(i, view, numbering, parts):
        # an appendix, or a part of a compiled document (a title over a numbering that starts again),
        # numbers its own sections
        numbering.restart()
        return (_plain(text), None, APPENDIX_LEVEL, 1)
    if MD_RE.match(text):
        return _markdown_heading(i, view, numbering, bool(found))
    bold = BOLD_RE.match(text)
    if bold and len(bold.group("title").split()) <= 14:
        title = strip_marks(bold.group("title")).rstrip(":")
        num = NUMBERED_RE.match(title)
        return (title, len(num.group("num").split(".")) if num else None, 7, 1)
    numbered = _numbered_heading(i, view, numbering)
    if numbered:
        return numbered
    if text.rstrip().endswith("?"):
        return None  # a question introduces what follows ("Vilka signaler ska man agera på?"), it is not its title
    if _caps_title(text):
        return _caps_heading(i, view)
    apart = i in view.set_apart
    if _title_line(text, view.prv(i), view.nxt(i), view.nxt(i, 2), i - 1 in found or view.pos[i] == 0, apart):
        return (text.strip(), None, 9, 1)
    return None


def _part_heading(i: int, view: _View, numbering: _Numbering, parts: set[int]) -> bool:
    text = view.lines[i].text
    restarts = numbering.last_top >= 2 and any(len(n) > 1 for n in numbering.seen)  # a numbering to start again
    return (
        (_appendix(text) and not _attachment_list(i, view.nonblank, view.pos, view.lines))
        or i in parts
        or (restarts and _part_title(i, view.lines, view.nonblank, view.pos, NEW_TITLE_WORDS))
    )


def _markdown_heading(i: int, view: _View, numbering: _Numbering, after_others: bool) -> Heading | None:
    """A converter's "#" heading, unless it marked a bold word or a list's question (then plain text);
    a question its author underlined ("Vem ska jag kontakta?" over "-----") is a heading all the same."""
    md = MD_RE.match(view.lines[i].text)
    title = strip_marks(md.group("title"))
    asks_list = title.endswith("?") and _is_item(view.nxt(i)) and not view.lines[i].underlined
    if not title or ABBREVIATION_RE.match(title) or asks_list:
        view.lines[i].text = md.group("title")
        return None
    num = NUMBERED_RE.match(title)
    if len(md.group("hashes")) == 1 and not num and after_others:
        numbering.last_top, numbering.seen = 0, set()  # a part of its own (a sub-agreement): numbering may start again
    depth = len(num.group("num").split(".")) if num else None
    if num:
        nums = tuple(int(x) for x in num.group("num").split("."))
        numbering.seen.add(nums)
        if depth == 1:
            numbering.last_top = nums[0]
    return (title, depth, len(md.group("hashes")), 1)


def _numbered_heading(i: int, view: _View, numbering: _Numbering) -> Heading | None:
    """ "3.2 Ungdomar …" or "4. Åtaganden", when its number fits the numbering and it is no list item."""
    text = view.lines[i].text
    num = NUMBERED_RE.match(text)
    if not num or "§" in text[:8]:
        return None
    nums = tuple(int(x) for x in num.group("num").split("."))
    title = num.group("title").strip()
    used = 1
    if _wraps(title, view.nxt(i)) or _wrapped_tail(view.lines, view.nonblank, view.pos, i):
        title = f"{title} {view.nxt(i).strip()}"
        used = view.through_next(i)
    if len(nums) > 1 and _numbered_ok(nums, title, numbering.last_top, numbering.seen):
        numbering.seen.add(nums)
        numbering.last_top = max(numbering.last_top, nums[0])
        return (f"{num.group('num')} {title}", len(nums), 9, used)
    if len(nums) == 1:
        above = view.prv(i) if i - 1 in view.pos else ""  # the line right above, not across a blank line
        item = _list_item(nums[0], above, view.nxt(i, used), numbering.last_item)
        if not item and _top_ok(nums[0], title, numbering.last_top, i + used - 1, view.lines, view.nonblank, view.pos):
            numbering.last_top, numbering.last_item = nums[0], None
            numbering.seen.add(nums)
            return (f"{nums[0]}. {title}", 1, 9, used)
        numbering.last_item = nums[0]
    return None


def _caps_heading(i: int, view: _View) -> Heading:
    """An ALL-CAPS title, with a second ALL-CAPS line it wraps onto."""
    text, following = view.lines[i].text, view.nxt(i)
    if _caps_title(following) and not mostly_marks(following) and not text.rstrip().endswith((".", ":")):
        return (_caps_to_title(f"{text.strip()} {following.strip()}"), None, 8, view.through_next(i))
    return (_caps_to_title(text.strip()), None, 8, 1)


TITLE_WORDS = 25  # the title lines under a document's title heading are short


def _document_title(lines: list[Line], plain: bool = True) -> tuple[set[int], str | None]:
    """A document's title heading is not a section: converters mark the title with the only unnumbered
    level-1 Markdown heading, at the top ("# RUTIN" over its title lines, "# Handlingsplan för …").

    Returns the indices of the title lines (the heading and up to four short lines under it, when the
    next heading follows them) and the title they spell; a bare document-type word yields to the lines
    under it ("RUTIN" / "Skadligt bruk eller beroende hos den enskilde"). With `plain` (the reader gave
    the document no title), a text without marks has the title _plain_title finds.
    """
    heads = [(i, MD_RE.match(ln.text)) for i, ln in enumerate(lines) if ln.text and MD_RE.match(ln.text)]
    if not heads:
        return _plain_title(lines) if plain else (set(), None)
    first, match = heads[0]
    title = strip_marks(match.group("title"))
    level_one = [
        i for i, m in heads if len(m.group("hashes")) == 1 and not NUMBERED_RE.match(strip_marks(m.group("title")))
    ]
    if len(match.group("hashes")) != 1 or level_one != [first] or NUMBERED_RE.match(title) or APPENDIX_RE.match(title):
        return set(), None
    if sum(1 for ln in lines[:first] if ln.text.strip()) > 12:
        return set(), None  # body text comes before it: a section heading, not the title
    following = []
    for j in range(first + 1, len(lines)):
        text = lines[j].text
        if not text:
            continue
        if MD_RE.match(text) or NUMBERED_RE.match(text) or text.startswith("- "):
            break
        following.append(j)
    else:
        following = []
    words = sum(len(lines[j].text.split()) for j in following)
    if len(following) > 4 or words > TITLE_WORDS or any(lines[j].text.rstrip().endswith((":", "?")) for j in following):
        following = []
    if following and len(title.split()) == 1 and title.isupper():
        title = join_lines([lines[j].text for j in following])
    elif following:
        title = join_lines([title] + [lines[j].text for j in following])
    return {first, *following}, title.rstrip(".")


def _plain_title(lines: list[Line]) -> tuple[set[int], str | None]:
    """Plain text (a DOCX saved as text) has no marks: its title is its first line when that line stands
    alone, unfinished, over a short heading ("Rutin vid berusning … beroende" over "Syfte")."""
    nonblank = [i for i, ln in enumerate(lines) if ln.text.strip()]
    if len(nonblank) < 2:
        return set(), None
    first, heading = nonblank[:2]
    text, under = lines[first].text.strip(), lines[heading].text.strip()
    alone = heading > first + 1 and (heading + 1 >= len(lines) or not lines[heading + 1].text.strip())
    if (
        alone
        and 3 <= len(text.split()) <= TITLE_WORDS
        and _heading_shape(text, TITLE_WORDS)
        and not text.endswith((":", "?", "!"))
        and not (NUMBERED_RE.match(text) or _is_item(text) or _caps_title(text))
        and _heading_shape(under, 8)
        and not under.endswith(":")
    ):
        return {first}, text
    return set(), None


def _plain(text: str) -> str:
    return strip_marks(MD_RE.sub(r"\g<title>", text)).strip()


def _part_title(i: int, lines: list[Line], nonblank: list[int], pos: dict[int, int], min_words: int = 1) -> bool:
    """A title of its own right over a section numbered 1 ("1 Inledning", "1.1 Syfte"), at most a
    subtitle between: where a compiled document's part begins and its numbering starts again."""
    title = _plain(lines[i].text)
    if (
        not _heading_shape(title, 15)
        or len(title.split()) < min_words
        or title.endswith(":")
        or _is_item(lines[i].text)
        or NUMBERED_RE.match(title)
        or LEAD_LINE_RE.search(title)
    ):
        return False
    for k in (1, 2):
        n = pos[i] + k
        num = NUMBERED_RE.match(_plain(lines[nonblank[n]].text)) if n < len(nonblank) else None
        if num:
            return tuple(int(x) for x in num.group("num").split(".")) in ((1,), (1, 1))
    return False


def _parts(lines: list[Line], nonblank: list[int], pos: dict[int, int]) -> set[int]:
    """The part titles of a compiled document: two or more titles that name a document ("Överenskommelse
    om …", "Avtal om …", "Bilaga. Rutin för …", "Del …"), each over a section numbered 1."""
    found = {i for i in nonblank if PART_RE.match(_plain(lines[i].text)) and _part_title(i, lines, nonblank, pos)}
    return found if len(found) >= 2 else set()


def _item_titles(
    lines: list[Line], nonblank: list[int], pos: dict[int, int]
) -> dict[int, tuple[str, int | None, int, int]]:
    """Where each committee item starts, so that every item is a top-level section of its own.

    Two shapes: an explicit item mark ("§ 12", "Ärende 12", "3. Ärende: …"), and the title block of
    a memo, i.e. up to four short title-shaped lines (a title may wrap) right above "Förslag till beslut".
    """
    found: dict[int, tuple[str, int | None, int, int]] = {}
    for n, i in enumerate(nonblank):
        text = lines[i].text.strip()
        m = ITEM_RE.match(text)
        if m:
            ptitle = m.group("ptitle") or ""
            if m.group("par") and (not ptitle or ptitle.startswith("Dnr")):
                # "§ 4 Dnr 2021-000830" over a title block: the item is named by the block
                block = _title_block(lines, nonblank, n + 1)
                if block:
                    title = join_lines([lines[j].text for j in block])
                    found[i] = (f"§ {m.group('par')} {title}", None, ITEM_LEVEL, block[-1] - i + 1)
                    continue
            if ptitle and not ptitle.startswith("Dnr") and not _heading_shape(ptitle, 14):
                continue
            used = 1
            nxt = lines[nonblank[n + 1]].text.strip() if n + 1 < len(nonblank) else ""
            last = text.split()[-1].lower()
            if (
                (text.endswith(",") or last in CONTINUES_WORDS)
                and nonblank[n + 1] - i <= 4
                and 0 < len(nxt.split()) <= 8
                and ":" not in nxt
            ):
                text, used = f"{text} {nxt}", nonblank[n + 1] - i + 1  # a wrapped item title
            found[i] = (text, None, ITEM_LEVEL, used)
            continue
        if not PROPOSAL_HEAD_RE.match(text) or n == 0:
            continue
        # the contiguous block of lines right above (one blank line apart at most)
        k = n - 1
        if nonblank[k] < i - 2 or any(j in found for j in nonblank[max(0, k - 3) : k + 1]):
            continue
        block = [nonblank[k]]
        while k > 0 and nonblank[k - 1] == nonblank[k] - 1 and len(block) < 5:
            k -= 1
            block.insert(0, nonblank[k])
        texts = [lines[j].text.strip() for j in block]
        title = join_lines(texts)
        if (
            len(block) > 4
            or len(title.split()) > 30
            or not title[:1].isupper()
            or any(t.endswith((".", "!", "?", ";", ":")) for t in texts)
            or any(t.startswith(("- ", "#")) or "\t" in t for t in texts)
            or mostly_marks(title)
        ):
            continue
        found[block[0]] = (strip_marks(title), None, ITEM_LEVEL, block[-1] - block[0] + 1)
    return found


def _title_block(lines: list[Line], nonblank: list[int], n: int) -> list[int]:
    """Up to four consecutive short lines from nonblank[n] that read as one title (no sentence end)."""
    if n >= len(nonblank):
        return []
    block = [nonblank[n]]
    while len(block) < 4 and n + len(block) < len(nonblank) and nonblank[n + len(block)] == block[-1] + 1:
        if lines[block[-1]].text.rstrip().endswith((".", "!", "?", ":", ";")):
            break
        block.append(nonblank[n + len(block)])
    texts = [lines[j].text.strip() for j in block]
    title = join_lines(texts)
    if (
        not title[:1].isupper()
        or len(title.split()) > 30
        or mostly_marks(title)
        or any(t.startswith(("- ", "#")) for t in texts)
    ):
        return []
    return block


def _wrapped_tail(lines: list[Line], nonblank: list[int], pos: dict[int, int], i: int) -> bool:
    """ "24. Hjälpmedel … och medicinteknisk" / "utrustning": a short lower-case line right under a
    numbered title, with a blank line after it, finishes the title."""
    n = pos[i] + 1
    if n >= len(nonblank) or nonblank[n] != i + 1:
        return False
    tail = lines[i + 1].text.strip()
    after = lines[i + 2].text if i + 2 < len(lines) else ""
    return tail[:1].islower() and len(tail.split()) <= 4 and not tail.endswith((".", ":", ";")) and not after.strip()


def _wraps(title: str, following: str) -> bool:
    last = title.split()[-1].lower() if title.split() else ""
    return (
        (last in CONTINUES_WORDS or title.endswith(("-", ",")))
        and 0 < len(following.split()) <= 6
        and following[:1].islower()
    )


def _heading_shape(title: str, max_words: int) -> bool:
    words = title.split()
    return 0 < len(words) <= max_words and not title.rstrip().endswith((".", ",", ";")) and not title[:1].islower()


def _numbered_ok(nums: tuple[int, ...], title: str, last_top: int, seen: set[tuple[int, ...]]) -> bool:
    """'2.1.1 Globala mål' yes; '11.50 Beslutsmöte' (a time) and '2.14 Kammarrätten' out of sequence no."""
    if any(n == 0 or n > 30 for n in nums) or not _heading_shape(title, 18):
        return False
    parent = nums[:-1]
    return parent in seen or nums[0] in (last_top, last_top + 1) or not seen


def _list_item(n: int, above: str, following: str, last_item: int | None) -> bool:
    """ "2. Ligger orsaken …" is an item, not a chapter: the line right above introduces a list ("… ta
    ställning till följande frågor:", not a label such as "Övrig anteckning:"), or item n-1 was an item
    and a list item stands beside it."""
    if above.rstrip().endswith(":") and len(above.split()) > LABEL_WORDS:
        return True
    return last_item == n - 1 and (_is_item(above) or _is_item(following))


def _over_paragraph(following: list[str]) -> bool:
    """ "1. Parter" over a sentence of running text: a short section's heading, even when "2. Uppdrag"
    follows two lines later. A list's items follow one another, or carry items of their own."""
    first = following[0] if following else ""
    prose = first[:1].isupper() and (first.rstrip().endswith((".", "!", "?")) or len(first.split()) >= PROSE_WORDS)
    return prose and not _is_item(first)


def _top_ok(
    n: int, title: str, last_top: int, i: int, lines: list[Line], nonblank: list[int], pos: dict[int, int]
) -> bool:
    """A chapter number must advance, look like a title, and not be the first item of a numbered list."""
    if not (last_top < n <= last_top + 3) or not _heading_shape(title, 14) or title.endswith(":"):
        return False
    following = [lines[j].text for j in nonblank[pos[i] + 1 : pos[i] + 4]]
    if following and following[0][:1].islower():
        return False
    if any(re.match(rf"^{n + 1}[.)]\s", t) for t in following) and not _over_paragraph(following):
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


_FINITE_RE = re.compile(r"\b(?:ska|skall|bör|kan|måste|får|är|har|blir|sker)\b", re.I)


def _title_line(text: str, prev: str, nxt: str, nxt2: str, after_heading: bool, apart: bool = False) -> bool:
    """A short line standing alone between finished text and a new sentence, e.g. "Syfte"; or, `apart`
    (two blank lines above it in single-spaced text), over any line that starts as text does."""
    if not _heading_shape(text, 8) or text.startswith(("- ", "[^")) or text.endswith(":") or "\t" in text:
        return False
    if not text[:1].isupper() or re.match(r"^[\d\W]", text) or text.split()[-1].lower() in CONTINUES_WORDS:
        return False
    prev_done = (
        after_heading or apart or not prev or prev.rstrip().endswith((".", "!", "?", ":", "”")) or prev.startswith("#")
    )
    # set apart, a heading may stand over a shorter line ("Vuxenenheten, … kommun: [telefon] (växel)"), though
    # not over a name ("Stockholms läns landsting" over "Hälsa- och sjukvårdsförvaltningen" is an address)
    next_prose = len(nxt.split()) >= (4 if apart else 6) and nxt[:1].isupper() and not nxt.startswith("- ")
    # "Telefontid för personal" over a list ("- …" or "1. …"), "Fall- och frakturprevention" over
    # "Läkaren ansvarar för att:";
    # a line that itself assigns responsibility is the lead of its list, not a title
    numbered = _is_item(nxt) and _is_item(nxt2) and not nxt.startswith("- ")  # a numbered list, not "1. Syfte"
    next_list = (
        (
            nxt.startswith("- ")
            or (numbered and not _FINITE_RE.search(text))  # "Av planen ska det framgå" leads its list in
            or (nxt.rstrip().endswith(":") and LEAD_RE.search(nxt))
        )
        and 2 <= len(text.split()) <= 8
        and ":" not in text  # "Ansvarig handläggare: …" is a label with its value
    )
    leads = bool(LEAD_LINE_RE.search(text))  # a lead without its colon
    if text.lower().rstrip(":") in BACK_MATTER:
        return True
    return prev_done and (next_prose or next_list) and not leads

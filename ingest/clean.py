"""Line-level cleaning of extracted text, keeping a map back to source lines.

Readers hand over lines as a converter produced them: words hyphenated at line
ends, page footers, tables of contents, HTML left-overs, Symbol-font bullets and
footnotes printed in the middle of the running text. Every later stage (sections,
tables, chunks) works on the `Line`s returned here, so each fix is made once.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from ingest.model import RawText
from ingest.webpage import link_text, page_furniture, setext_headings


@dataclass
class Line:
    text: str
    src: int  # 1-based line number in the source text
    page: int | None = None
    src_end: int | None = None  # last source line when words were pulled up from the next line
    indent: int = 0  # leading spaces in the source: a PDF-to-text page break shows as an indented line
    gaps: int = 0  # runs of 2+ spaces between words in the source: a flattened table row has several
    underlined: bool = False  # a Setext heading ("Rubrik" over "-----"): its author made it one


@dataclass
class CleanText:
    lines: list[Line]  # blank lines kept (text ""), they separate cells and paragraphs
    footnotes: dict[str, tuple[str, int]] = field(default_factory=dict)  # number -> (text, source line)
    toc: list[str] = field(default_factory=list)  # titles listed in a table of contents
    double_spaced: bool = False  # blank line after nearly every line: blank lines are not paragraph breaks
    removed: Counter = field(default_factory=Counter)  # what was dropped, by reason
    removed_lines: list[tuple[int, str, str]] = field(default_factory=list)  # (source line, reason, text)
    title: str | None = (
        None  # the title the document's own title heading spells, else the page its breadcrumb trail ends in
    )
    dropped: dict[int, str] = field(default_factory=dict)  # source line -> why: what the lines' place decided

    def drop(self, reason: str, line: "Line", keep_count: bool = True) -> None:
        """Count a dropped line, and keep it for the editor's view of how the document was read."""
        self.removed[reason] += 1
        if keep_count:
            self.removed_lines.append((line.src, reason, line.text.strip()))


# Bullet glyphs of word processors and PDF fonts (Symbol and Wingdings code points included).
BULLETS = (
    "\uf0b7\uf0a7\uf076\uf0d8\uf0fc\u2022\u25cf\u25aa\u25a0\u25a1\u2023\u2043"
    "\u2219\u00b7\u25e6\u25cb\u27a2\u27a4\u25ba\u25b6\u2713\u2714\u25c6\u2666"
)
BULLET_RE = re.compile(rf"^[{BULLETS}*-]\s+|^[{BULLETS}]")
LONE_BULLET_RE = re.compile(rf"^[{BULLETS}*-]$")
TOC_RE = re.compile(r"^(?P<title>.*?\S)\s*\.{4,}\s*(?:\t\s*)?(?:\*\*|</?b>)*\s*\d*\s*(?:\*\*|</?b>)*\s*$")
PAGE_NO_RE = re.compile(r"^(?:sid(?:a|an)?\s*)?\d{1,3}(?:\s*(?:\(\d{1,3}\)|/\s*\d{1,3}|av\s+\d{1,3}))?$", re.I)
HTML_TAG_RE = re.compile(r"</?(?:b|i|u|em|strong|span|font|br|p|div|a)(?:\s[^>]*)?/?>", re.I)
SUP_RE = re.compile(r"<sup>\s*(\d{1,3})\s*</sup>", re.I)
MD_ESCAPE_RE = re.compile(r"\\([\\_*\[\]()#+\-.!`{}<>|])")
FOOTNOTE_RE = re.compile(
    r"^(?:(?P<paren>\d{1,3})\)|\[(?P<md>\d{1,3})\]:?|(?P<sup>\d{1,3})\u200b?(?=\s))\s+(?P<text>\S.*)$"
)
# "pengar1." / "handling”7." / "ansvarsområde4": a word that ends in a footnote number
GLUED_RE = re.compile(r"(?<=[a-zåäöé”\")])(\d{1,3})(?=[\s.,;:)]|$)")
# "---", "* * *", "___" and Markdown table rules ("|---|:--|", "---\t--\t---"): layout, never text
RULE_RE = re.compile(r"^\s*(?:(?:[-*_=]\s*){3,}|\|?\s*:?-{2,}:?\s*(?:[|\t]\s*:?-{2,}:?\s*)+\|?)$")
GAP_RE = re.compile(r"(?<=\S)(?: {2,}|\t)(?=\S)")
RUNNING_REACH = 8  # lines around a page mark where running headers and footers stand
BLOCK_LINES = 3  # short lines under a running header's heading that belong to it
LETTERHEAD_WORDS = (
    "postadress",
    "besöksadress",
    "leveransadress",
    "telefon",
    "telefax",
    "fax",
    "växel",
    "e-post",
    "hemsida",
    "webbplats",
    "webb",
    "organisationsnr",
    "organisationsnummer",
    "org.nr",
    "bankgiro",
    "plusgiro",
    "postgiro",
    "sms",
)
LETTERHEAD_WORD_RE = re.compile(
    r"(?<![\w-])(?:" + "|".join(re.escape(w) for w in LETTERHEAD_WORDS) + r")(?![\w-])", re.I
)
LETTERHEAD_LABEL_RE = re.compile(r"(?:" + LETTERHEAD_WORD_RE.pattern + r"[\s:]*)+", re.I)
LETTERHEAD_INLINE_RE = re.compile(LETTERHEAD_WORD_RE.pattern + r"\s*:\s*(?P<value>\S.*)$", re.I)
LETTERHEAD_GAP = 6  # non-blank lines allowed between two labels of one block
# A Word template's instruction left in the text: "Ta inte bort denna rad den innehåller dold information"
PLACEHOLDER_RE = re.compile(r"^(?:ta inte bort denna rad|klicka (?:eller tryck )?här för att)\b", re.I)
TOC_TITLE_RE = re.compile(r"(?:#+\s*)?(?:\*\*)?(?:innehåll|innehållsförteckning)(?:\*\*)?:?", re.I)
SUSPENDED_NEXT = {"och", "eller", "samt", "respektive", "resp.", "som", "till", "&", "o", "/"}
SENTENCE_END = (".", "!", "?", ":", ";")


def clean(raw: RawText) -> CleanText:
    """Why one function: the steps depend on each other's order (footers before footnotes, tags before markers)."""
    pages = raw.pages or [None] * len(raw.lines)
    lines = [
        Line(
            text=t.rstrip().replace("\u00a0", " "),
            src=i + 1,
            page=pages[i],
            indent=len(t) - len(t.lstrip(" ")),
            gaps=len(GAP_RE.findall(t.strip())),
        )
        for i, t in enumerate(raw.lines)
    ]
    out = CleanText(lines=[])
    nonblank = [ln for ln in lines if ln.text.strip()]
    followed_by_blank = sum(1 for a, b in zip(lines, lines[1:]) if a.text.strip() and not b.text.strip())
    wrapped = bool(nonblank) and sum(len(ln.text) for ln in nonblank) / len(nonblank) < 110
    out.double_spaced = wrapped and followed_by_blank > 0.6 * len(nonblank)

    marked = setext_headings([ln.text for ln in lines])
    furniture, out.title = page_furniture(marked)
    if raw.dropped is None:
        dropped = (
            _running_lines(lines)
            | _repeated_heading_blocks(lines)
            | _letterhead_lines(lines)
            | _signature_certificate(lines)
        )
        dropped |= {lines[i].src: reason for i, reason in furniture.items()} | raw.furniture
    else:  # decided on the original text, whose values may now be masked
        dropped = dict(raw.dropped)
    out.dropped = dropped
    toc_lines = _toc_lines(lines)
    kept: list[Line] = []
    bullet_pending = False  # a bullet glyph stood alone on its line: the item is on the next line
    for ln, setext in zip(lines, marked):
        if ln.src in dropped:
            out.drop(dropped[ln.src], ln)  # listed as the source has it
            continue
        ln.underlined = setext.startswith("#") and not ln.text.lstrip().startswith("#")
        ln.text = setext
        text = ln.text.strip(" ") if "\t" in ln.text else ln.text.strip()
        if not text.strip():
            kept.append(Line("", ln.src, ln.page))
            continue
        if PLACEHOLDER_RE.search(text):
            out.drop("placeholder", ln)
            continue
        if LONE_BULLET_RE.match(text):
            out.drop("bullet", ln, keep_count=False)
            bullet_pending = True
            continue
        if RULE_RE.match(text):
            out.drop("rule", ln, keep_count=False)
            kept.append(Line("", ln.src, ln.page))  # a rule separates like a blank line
            continue
        if _is_garbage(text):
            out.drop("garbage", ln)
            continue
        toc = TOC_RE.match(HTML_TAG_RE.sub("", text))
        if toc or ln.src in toc_lines:
            if toc:
                out.toc.append(_strip_inline(toc.group("title")))
            out.drop("toc", ln)
            continue
        if PAGE_NO_RE.match(text):
            out.drop("page_number", ln)
            continue
        text = SUP_RE.sub(r"[^\1]", text)
        text = HTML_TAG_RE.sub("", text)
        text = link_text(text)
        text = MD_ESCAPE_RE.sub(r"\1", text)
        text = BULLET_RE.sub("- ", text) if not text.startswith("**") else text
        if bullet_pending and not text.startswith("- "):
            text = "- " + text
        bullet_pending = False
        text = re.sub(r"[ ]{2,}(?=\S)", lambda m: m.group(0) if _is_mark_spacing(text) else " ", text)
        if re.fullmatch(r"[ xXK]*[xXK][ xXK]*", ln.text):
            text = ln.text.rstrip()  # leading blanks of a mark row are empty matrix cells
        ln.text = text.strip(" ") if "\t" in text else text if text.startswith(" ") else text.strip()
        if ln.text in ("-", "- "):
            continue
        kept.append(ln)

    kept = _extract_footnotes(kept, out)
    _rejoin_hyphenation(kept)
    out.lines = [ln for ln in kept if ln.text is not None]
    return out


def mostly_marks(text: str) -> bool:
    """ "X x x x", "PATRIARK34 X X", "12 3": matrix marks and numbers rather than words; never a title or a label.

    Words are letter runs of two or more ("Bilaga 1" and "1. Inledning" keep their word, "15-metoden" is one); noise is
    single letters, numbers and words with a glued number ("Freda32"). More noise than words, with at
    least one real mark among it, is a mark row; "HSL § 8 b" stays a (law) title.
    """
    tokens = re.sub(r"[*#\[\]^()|]", " ", text).split()
    words = sum(1 for t in tokens if re.fullmatch(r"(?:\d+-)?[^\W\d_]{2,}(?:[-/][^\W\d_]+)*[.,:;!?”\"]*", t))
    noise = sum(1 for t in tokens if re.fullmatch(r"[^\W\d_][.,:;]?|[\d.,:/–-]*\d[\d.,:/–-]*|[^\W\d_]+\d+[.,:;]?", t))
    marks = sum(1 for t in tokens if t in ("x", "X", "K") or re.fullmatch(r"[^\W\d_]+\d+[.,:;]?", t))
    return words == 0 or (noise > words and marks > 0)


def _is_mark_spacing(text: str) -> bool:
    """Spacing carries meaning in a flattened X/K matrix row ("x  x x"), so it is kept there."""
    return bool(re.search(r"(?:^|\s)[xXK](?:\s{1,2}[xXK]?)*\s*$", text))


def _strip_inline(text: str) -> str:
    text = HTML_TAG_RE.sub("", text)
    return re.sub(r"\*\*|__", "", text).strip()


def _is_garbage(text: str) -> bool:
    """Binary garbage from a broken font or an embedded object: mostly replacement and control characters."""
    bad = sum(
        1
        for ch in text
        if ch == "\ufffd" or (ord(ch) < 32 and ch != "\t") or 0xE000 <= ord(ch) <= 0xF8FF and ch not in "\uf0b7\uf0a7"
    )
    return bad >= 1 and bad >= 0.3 * len(text.replace(" ", ""))


def _norm(text: str) -> str:
    return re.sub(r"\d+", "#", text.strip().lower())


def _page_marks(lines: list[Line]) -> list[int]:
    return [i for i, ln in enumerate(lines) if ln.text.strip() and PAGE_NO_RE.match(ln.text.strip())]


def _running_lines(lines: list[Line]) -> dict[int, str]:
    """Running headers and footers in text without page info: short lines repeated at the same place
    relative to the page marks ("Sida 6 (25)", "2/5", "12").

    A line counts when its digit-normalised form occurs at least twice and most occurrences stand
    at one and the same distance from a page mark, as "Transaktion 0922…" and "Signerat JH, AE, CM"
    on every page of a signed PDF do; a phrase that only happens to repeat ("Se bilaga") stands at
    varying distances. List items and lead lines never count.
    """
    marks = _page_marks(lines)
    if len(marks) < 2:
        return {}
    offsets: dict[str, list[int | None]] = {}
    for i, ln in enumerate(lines):
        t = ln.text.strip()
        if not t or not _running_shape(t) or i in marks:
            continue
        nearest = min(marks, key=lambda p: abs(p - i))
        offset = i - nearest if abs(i - nearest) <= RUNNING_REACH else None
        offsets.setdefault(_norm(t), []).append(offset)
    drop: dict[int, str] = {}
    for key, found in offsets.items():
        placed = Counter(o for o in found if o is not None)
        if len(found) >= 2 and placed and placed.most_common(1)[0][1] >= max(2, 0.6 * len(found)):
            drop.update({ln.src: "footer" for ln in lines if ln.text.strip() and _norm(ln.text) == key})
    return drop


def _repeated_heading_blocks(lines: list[Line]) -> dict[int, str]:
    """A converter's running header without page marks: the same block of a heading and short lines
    under it ("# EXEMPELBY KOMMUN" / "Kommunledningsförvaltningen" / "Reviderad 2023-09-12") printed
    again and again, in the middle of a sentence where the page broke. A real heading repeats with
    different text under it."""
    blocks: dict[tuple[str, ...], list[list[Line]]] = {}
    for i, ln in enumerate(lines):
        if not ln.text.startswith("#"):
            continue
        block = [ln]
        for nxt in lines[i + 1 : i + 1 + BLOCK_LINES]:
            t = nxt.text.strip()
            if not t or t.startswith("#") or not _running_shape(t) or t[:1].islower() or t.endswith("."):
                break  # the text the page break cut goes on in lower case
            block.append(nxt)
        if len(block) >= 2:
            blocks.setdefault(tuple(_norm(b.text) for b in block), []).append(block)
    return {b.src: "footer" for found in blocks.values() if len(found) >= 2 for block in found for b in block}


def _running_shape(text: str) -> bool:
    """Short, and not a list item, a lead line or an appendix title ("Bilaga 2" tops its pages too).
    A converter may write a running header as a heading ("# EXEMPELBY KOMMUN"): its place tells."""
    return (
        len(re.findall(r"\w+", text)) <= 8  # words: a heading mark or a "•" between two names is none
        and not text.startswith("- ")
        and not text.endswith(":")
        and not BULLET_RE.match(text)
        and not re.match(r"(?:bilaga|appendix|kapitel|avsnitt|del)\s+\d", text, re.I)
    )


def _letterhead_lines(lines: list[Line]) -> dict[int, str]:
    """A letterhead block: the short label and value lines of an organisation's address box.

    Three or more of its labels (Postadress, Besöksadress, Telefon, Organisationsnr, Bankgiro …)
    within a few lines of each other make a block; it runs from the first label to the values
    after the last one. Such blocks sit at the foot of every letter in a committee bundle.
    """
    labels = [i for i, ln in enumerate(lines) if ln.text.strip() and _letterhead_label(ln.text.strip())]
    drop: dict[int, str] = {}
    group: list[int] = []

    def close(group: list[int]) -> None:
        words = sum(len(LETTERHEAD_WORD_RE.findall(lines[i].text)) for i in group)
        if words < 3:
            return
        end = group[-1]
        values = 0
        width = len(LETTERHEAD_WORD_RE.findall(lines[end].text))  # labels on one line: their values on one line too
        while end + 1 < len(lines) and values < 2:
            t = lines[end + 1].text.strip()
            if t and not _letterhead_value(t, width):
                break
            end += 1
            values += bool(t)
        for i in range(group[0], end + 1):
            if lines[i].text.strip() and (i in group or _letterhead_value(lines[i].text.strip(), width)):
                drop[lines[i].src] = "letterhead"

    for i in labels:
        if group and sum(1 for j in range(group[-1] + 1, i) if lines[j].text.strip()) > LETTERHEAD_GAP:
            close(group)
            group = []
        group.append(i)
    if group:
        close(group)
    return drop


def _letterhead_label(text: str) -> bool:
    """ "Postadress" alone (its value below), or with its value after a colon ("Telefon: 0470-410 00")."""
    if LETTERHEAD_LABEL_RE.fullmatch(text):
        return True
    inline = LETTERHEAD_INLINE_RE.match(text)
    return bool(inline) and _letterhead_value(inline.group("value"))


def _letterhead_value(text: str, labels: int = 1) -> bool:
    """An address, number, web or mail address: short (a few words for each label on the line above),
    and not a sentence."""
    return (
        len(text.split()) <= max(6, 4 * labels) and not text.endswith((".", ":")) and not text.startswith(("- ", "#"))
    )


def _signature_certificate(lines: list[Line]) -> dict[int, str]:
    """An e-signature service's certificate page appended after the document ("Verifikat", "Transaktion …",
    one "Signerade <date>" per signer): it is not part of the agreement and names private persons."""
    for i, ln in enumerate(lines):
        if ln.text.strip().lower() in ("verifikat", "signeringsverifikat", "verifikation"):
            rest = [x.text for x in lines[i + 1 : i + 40]]
            if (
                any(re.match(r"\s*transaktion\s+\d{6,}", t, re.I) for t in rest)
                and sum(bool(re.match(r"\s*signerade?\s+\d{4}-\d{2}-\d{2}", x.text, re.I)) for x in lines[i + 1 :]) >= 1
            ):
                return {x.src: "signature" for x in lines[i:] if x.text.strip()}
    return {}


def _toc_lines(lines: list[Line]) -> set[int]:
    """Lines of a table of contents that have no dot leader of their own.

    An entry may wrap ("… avvikelse- och" / "klagomålshantering ....... 22"): the first part goes with
    the dotted line after it when the continuation starts in lower case, the first part ends in a word
    that continues ("… mellan Regionen och" / "Kommunerna i länet ..... 3"), or it stands between two
    entries. The "Innehåll" heading right above the entries goes too.
    """
    nonblank = [i for i, ln in enumerate(lines) if ln.text.strip()]
    dotted = {i for i in nonblank if TOC_RE.match(HTML_TAG_RE.sub("", lines[i].text.strip()))}
    found: set[int] = set()
    for n, i in enumerate(nonblank):
        if i not in dotted or n == 0:
            continue
        before = nonblank[n - 1]
        first = lines[before].text.strip()
        wraps = (
            lines[i].text.strip()[:1].islower()
            or first.split()[-1].lower() in SUSPENDED_NEXT
            or first.endswith(("-", ","))
            or n >= 2
            and (nonblank[n - 2] in dotted or TOC_TITLE_RE.fullmatch(lines[nonblank[n - 2]].text.strip()))
        )
        if before not in dotted and wraps and len(first.split()) <= 20:
            found.add(lines[before].src)
        for j in nonblank[max(0, n - 3) : n]:
            if TOC_TITLE_RE.fullmatch(lines[j].text.strip()):
                found.add(lines[j].src)
    return found


def _extract_footnotes(lines: list[Line], out: CleanText) -> list[Line]:
    """Take footnote texts out of the running text; mark where they are referenced.

    A footnote starts with "1)", "[1]:" or "[^1]" at line start and runs until a
    blank-separated line that looks like body text, a page-break indent or the
    next footnote. Plain "1 text" lines count only when the glued marker "word1"
    occurs earlier, which keeps numbered prose out.
    """
    body: list[Line] = []
    i = 0
    expected = 1
    while i < len(lines):
        ln = lines[i]
        m = FOOTNOTE_RE.match(ln.text) or re.match(r"^\[\^(?P<md>\d{1,3})\]\s*(?P<text>\S.*)$", ln.text)
        num = None
        if m:
            num = next(g for g in (m.groupdict().get(k) for k in ("paren", "md", "sup")) if g)
            plain = m.groupdict().get("sup") is not None
            starts_ok = not m.group("text")[:1].islower()
            if not starts_ok or not expected <= int(num) <= expected + 3 or not any(b.text for b in body):
                num = None  # a footnote follows body text; "1) …" opening a document is its first point
            elif plain and not (int(num) <= expected + 2 and _referenced(body, num)):  # a lost note may be skipped
                num = None
        if num is None:
            body.append(ln)
            i += 1
            continue
        parts = [m.group("text")]
        j = i + 1
        while j < len(lines):
            nxt = lines[j]
            t = nxt.text
            if not t:
                if not out.double_spaced:
                    break
                j += 1
                continue
            if (
                t.startswith("#")
                or FOOTNOTE_RE.match(t)
                or re.match(r"^\[\^\d", t)
                or nxt.indent > ln.indent
                or (nxt.page != ln.page)
            ):
                break
            if parts[-1].rstrip().endswith(SENTENCE_END) and len(t) < 60:
                break
            if parts[-1].rstrip().endswith(SENTENCE_END) and not _looks_like_footnote_tail(t):
                break
            parts.append(t)
            j += 1
        text = " ".join(p.strip() for p in parts)
        text = re.sub(r"(\w)- (?=[a-zåäö])(?!och |eller )", r"\1", text)
        # two footnotes printed on one line: "59) Källa. 60) Källa"
        pieces = re.split(rf"\s({int(num) + 1})\)\s+", text, maxsplit=1)
        out.footnotes[num] = (pieces[0], ln.src)
        if len(pieces) == 3:
            num = pieces[1]
            out.footnotes[num] = (pieces[2], ln.src)
        expected = int(num) + 1
        i = j
    refs = set(out.footnotes)
    pending = sorted((int(n) for n in refs))  # numbers not yet seen referenced, in order
    for ln in body:
        if ln.text:
            ln.text = GLUED_RE.sub(lambda m: f" [^{m.group(1)}]" if m.group(1) in refs else m.group(0), ln.text)
            ln.text = _split_code_markers(ln.text, pending)
            ln.text = re.sub(r"\s?\[\^(\d+)\]", r" [^\1]", ln.text)
            for n in re.findall(r"\[\^(\d+)\]", ln.text):
                if int(n) in pending:
                    pending.remove(int(n))
    return body


CODE_GLUED_RE = re.compile(r"\b([A-ZÅÄÖ]{2,}-)(\d{2,4})(?=[\s.,;:)]|$)")


def _split_code_markers(text: str, pending: list[int]) -> str:
    """ "ICD-101" / "DSM-52": a marker glued to a code's number. Split only for the next footnote
    still waiting for its reference, so "ICD-10" alone, or with any other trailing digit, stays."""

    def fix(m: re.Match) -> str:
        digits = m.group(2)
        if not pending:
            return m.group(0)
        want = str(pending[0])
        if digits.endswith(want) and len(digits) > len(want):
            pending.pop(0)
            return f"{m.group(1)}{digits[: -len(want)]} [^{want}]"
        return m.group(0)

    return CODE_GLUED_RE.sub(fix, text)


def _referenced(body: list[Line], num: str) -> bool:
    pat = re.compile(rf"[a-zåäö”)]{num}(?:[\s.,;:)]|$)|\[\^{num}\]|\b[A-ZÅÄÖ]{{2,}}-\d+{num}(?:[\s.,;:)]|$)")
    return any(pat.search(ln.text) for ln in body[-400:])


def _looks_like_footnote_tail(text: str) -> bool:
    """A continuation after a finished sentence: long line, lowercase start or a source reference."""
    return text[:1].islower() or text.startswith(("Läs mer", "Källa", "http", "www"))


def _rejoin_hyphenation(lines: list[Line]) -> None:
    """Join "be-" + "handling" across a line end; keep suspended hyphens ("hälso- och")."""
    for i, ln in enumerate(lines):
        if not ln.text or "\t" in ln.text or not re.search(r"[a-zåäöA-ZÅÄÖ]-$", ln.text):
            continue
        j = i + 1
        while j < len(lines) and lines[j].text == "":
            j += 1
        if j >= len(lines) or lines[j].text is None:
            continue
        nxt = lines[j]
        first, _, rest = nxt.text.partition(" ")
        word_before = re.search(r"(\S+)-$", ln.text).group(1)
        if not first[:1].islower() or first.lower() in SUSPENDED_NEXT or nxt.text.startswith("- "):
            continue
        if word_before.isupper() or any(ch.isdigit() for ch in word_before):
            ln.text = ln.text + first  # "LVM-" + "vård" keeps its hyphen
        else:
            ln.text = ln.text[:-1] + first
        ln.src_end = nxt.src
        if rest.strip():
            nxt.text = rest.strip()
        else:
            nxt.text = None  # the line is used up; dropping it keeps blank-line structure intact
        if j > i + 1 and nxt.text is None:
            for k in range(i + 1, j):
                lines[k].text = None

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


@dataclass
class Line:
    text: str
    src: int  # 1-based line number in the source text
    page: int | None = None
    src_end: int | None = None  # last source line when words were pulled up from the next line
    indent: int = 0  # leading spaces in the source: a PDF-to-text page break shows as an indented line


@dataclass
class CleanText:
    lines: list[Line]  # blank lines kept (text ""), they separate cells and paragraphs
    footnotes: dict[str, tuple[str, int]] = field(default_factory=dict)  # number -> (text, source line)
    toc: list[str] = field(default_factory=list)  # titles listed in a table of contents
    double_spaced: bool = False  # blank line after nearly every line: blank lines are not paragraph breaks
    removed: Counter = field(default_factory=Counter)  # what was dropped, by reason


BULLET_RE = re.compile(r"^[\uf0b7\uf0a7\uf076\uf0d8\u2022\u25cf\u25aa\u25a0\u2023\u2043\u2219\u00b7\u25e6*-]\s+|^[\uf0b7\uf0a7\u2022\u25cf\u25aa]")
TOC_RE = re.compile(r"^(?P<title>.*?\S)\s*\.{4,}\s*(?:\t\s*)?(?:\*\*|</?b>)*\s*\d*\s*(?:\*\*|</?b>)*\s*$")
PAGE_NO_RE = re.compile(r"^(?:sid(?:a|an)?\s*)?\d{1,3}(?:\s*(?:\(\d{1,3}\)|/\s*\d{1,3}|av\s+\d{1,3}))?$", re.I)
HTML_TAG_RE = re.compile(r"</?(?:b|i|u|em|strong|span|font|br|p|div|a)(?:\s[^>]*)?/?>", re.I)
SUP_RE = re.compile(r"<sup>\s*(\d{1,3})\s*</sup>", re.I)
MD_ESCAPE_RE = re.compile(r"\\([\\_*\[\]()#+\-.!`{}<>|])")
MD_LINK_RE = re.compile(r"\[([^\]]*)\]\([^)]*\)")
MD_AUTOLINK_RE = re.compile(r"<(https?://[^>]+)>")
FOOTNOTE_RE = re.compile(r"^(?:(?P<paren>\d{1,3})\)|\[(?P<md>\d{1,3})\]:?|(?P<sup>\d{1,3})\u200b?(?=\s))\s+(?P<text>\S.*)$")
# "pengar1." / "handling”7." / "ansvarsområde4": a word that ends in a footnote number
GLUED_RE = re.compile(r"(?<=[a-zåäöé”\")])(\d{1,3})(?=[\s.,;:)]|$)")
# "---", "* * *", "___" and Markdown table rules ("|---|:--|", "---\t--\t---"): layout, never text
RULE_RE = re.compile(r"^\s*(?:(?:[-*_=]\s*){3,}|\|?\s*:?-{2,}:?\s*(?:[|\t]\s*:?-{2,}:?\s*)+\|?)$")
SUSPENDED_NEXT = {"och", "eller", "samt", "respektive", "resp.", "som", "till", "&", "o", "/"}
SENTENCE_END = (".", "!", "?", ":", ";")


def clean(raw: RawText) -> CleanText:
    """Why one function: the steps depend on each other's order (footers before footnotes, tags before markers)."""
    pages = raw.pages or [None] * len(raw.lines)
    lines = [
        Line(text=t.rstrip().replace("\u00a0", " "), src=i + 1, page=pages[i], indent=len(t) - len(t.lstrip(" ")))
        for i, t in enumerate(raw.lines)
    ]
    out = CleanText(lines=[])
    nonblank = [ln for ln in lines if ln.text.strip()]
    followed_by_blank = sum(1 for a, b in zip(lines, lines[1:]) if a.text.strip() and not b.text.strip())
    wrapped = bool(nonblank) and sum(len(ln.text) for ln in nonblank) / len(nonblank) < 110
    out.double_spaced = wrapped and followed_by_blank > 0.6 * len(nonblank)

    page_footer = _page_footer_lines(lines)
    kept: list[Line] = []
    for ln in lines:
        text = ln.text.strip(" ") if "\t" in ln.text else ln.text.strip()
        if ln.src in page_footer:
            out.removed["footer"] += 1
            continue
        if not text.strip():
            kept.append(Line("", ln.src, ln.page))
            continue
        if RULE_RE.match(text):
            out.removed["rule"] += 1
            kept.append(Line("", ln.src, ln.page))  # a rule separates like a blank line
            continue
        if _is_garbage(text):
            out.removed["garbage"] += 1
            continue
        toc = TOC_RE.match(HTML_TAG_RE.sub("", text))
        if toc:
            out.toc.append(_strip_inline(toc.group("title")))
            out.removed["toc"] += 1
            continue
        if PAGE_NO_RE.match(text):
            out.removed["page_number"] += 1
            continue
        text = SUP_RE.sub(r"[^\1]", text)
        text = HTML_TAG_RE.sub("", text)
        text = MD_LINK_RE.sub(r"\1", text)
        text = MD_AUTOLINK_RE.sub(r"\1", text)
        text = MD_ESCAPE_RE.sub(r"\1", text)
        text = BULLET_RE.sub("- ", text) if not text.startswith("**") else text
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
    """"X x x x", "PATRIARK34 X X", "12 3": matrix marks and numbers rather than words; never a title or a label.

    Words are letter runs of two or more ("Bilaga 1" and "1. Inledning" keep their word); noise is
    single letters, numbers and words with a glued number ("Freda32"). More noise than words, with at
    least one real mark among it, is a mark row; "HSL § 8 b" stays a (law) title.
    """
    tokens = re.sub(r"[*#\[\]^()|]", " ", text).split()
    words = sum(1 for t in tokens if re.fullmatch(r"[^\W\d_]{2,}(?:[-/][^\W\d_]+)*[.,:;!?”\"]*", t))
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
    bad = sum(1 for ch in text if ch == "\ufffd" or (ord(ch) < 32 and ch != "\t") or 0xE000 <= ord(ch) <= 0xF8FF and ch not in "\uf0b7\uf0a7")
    return bad >= 1 and bad >= 0.3 * len(text.replace(" ", ""))


def _norm(text: str) -> str:
    return re.sub(r"\d+", "#", text.strip().lower())


def _page_footer_lines(lines: list[Line]) -> set[int]:
    """Running footers in text without page info: short lines repeated near bare page-number lines.

    A line counts when its digit-normalised form occurs at least twice in the
    document and every occurrence sits within a few lines of a page number.
    """
    page_idx = [i for i, ln in enumerate(lines) if ln.text.strip() and PAGE_NO_RE.match(ln.text.strip())]
    if len(page_idx) < 2:
        return set()
    near: dict[str, list[int]] = {}
    for p in page_idx:
        for j in range(max(0, p - 8), min(len(lines), p + 8)):
            t = lines[j].text.strip()
            if t and len(t.split()) <= 8 and j != p:
                near.setdefault(_norm(t), []).append(j)
    counts = Counter(_norm(ln.text) for ln in lines if ln.text.strip())
    drop = set()
    for key, idx in near.items():
        uniq = sorted(set(idx))
        if len(uniq) >= 2 and counts[key] == len(uniq):
            drop.update(lines[j].src for j in uniq)
    return drop


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
            if not starts_ok or not expected <= int(num) <= expected + 3:
                num = None
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
            if t.startswith("#") or FOOTNOTE_RE.match(t) or re.match(r"^\[\^\d", t) or nxt.indent > ln.indent or (nxt.page != ln.page):
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
    """"ICD-101" / "DSM-52": a marker glued to a code's number. Split only for the next footnote
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

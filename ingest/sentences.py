"""Sentence ends in Swedish text: the passages are cut at them, and search weighs a question's words
by the sentence they meet in. Both sides use it, so it stands alone (no reader imports)."""

from __future__ import annotations

import re

SENTENCE_RE = re.compile(r"(?<=[.!?])\s+(?=[A-ZÅÄÖ0-9\"”(–-])")
ABBREVIATIONS = {
    "t.ex",
    "bl.a",
    "m.m",
    "kap",
    "nr",
    "dvs",
    "inkl",
    "ca",
    "s.k",
    "resp",
    "jfr",
    "enl",
    "st",
    "f.d",
    "p.g.a",
    "m.fl",
    "o.s.v",
    "osv",
    "d.v.s",
    "fr.o.m",
    "t.o.m",
    "s",
    "jan",
    "feb",
    "aug",
    "sept",
    "okt",
    "nov",
    "dec",
    "ex",
    "prop",
    "SFS",
    "u.å",
}


def split_sentences(text: str) -> list[str]:
    """Sentence ends, except after abbreviations like "t.ex." or "14 kap."."""
    out: list[str] = []
    for piece in SENTENCE_RE.split(text):
        prev = out[-1] if out else ""
        last_word = prev.rsplit(" ", 1)[-1].rstrip(".") if prev else ""
        if prev and (
            last_word in ABBREVIATIONS or last_word.lower() in ABBREVIATIONS or re.fullmatch(r"\d{1,2}", last_word)
        ):
            out[-1] = f"{prev} {piece}"
        else:
            out.append(piece)
    return out

"""Abbreviations a text spells out: "samordnad individuell plan (SIP)" or "SIP (samordnad
individuell plan)", found in each passage when its words are counted (index/text/passage_words.py) and
mined over the corpus into the vocabulary's expansions (index/text/vocabulary.py)."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable

from index.text.analyzer import STOPWORDS


# "(SIP)" after its expansion, or "SIP (samordnad individuell plan)".
PARENS_RE = re.compile(r"\(([^()\n]{2,80})\)")
_SHORT_FORM = re.compile(r"^[A-ZÅÄÖ][A-ZÅÄÖa-zåäö0-9]{1,9}$")
CLAUSE_END_RE = re.compile(r"[.;:!?()\[\]]|\n\s*\n")


def is_short_form(token: str) -> bool:
    """An abbreviation: one word, mostly capitals ("SIP", "LARO", "SoL")."""
    return bool(_SHORT_FORM.match(token)) and sum(c.isupper() for c in token) * 2 > len(token)


def long_form(short: str, text: str) -> str | None:
    """The shortest tail of `text` whose letters spell `short` in order (Schwartz & Hearst, 2003).

    The first letter of the abbreviation must begin a word; the others may sit inside words,
    as Swedish compounds demand ("läkemedelsassisterad behandling ... (LARO)").
    """
    words = text.split()[-min(len(short) + 5, 2 * len(short)) :]
    candidate = " ".join(words)
    s, pos = len(short) - 1, len(candidate) - 1
    while s >= 0:
        char = short[s].lower()
        if not char.isalnum():
            s -= 1
            continue
        while pos >= 0 and (candidate[pos].lower() != char or (s == 0 and pos > 0 and candidate[pos - 1].isalnum())):
            pos -= 1
        if pos < 0:
            return None
        pos -= 1
        s -= 1
    found = candidate[candidate.rfind(" ", 0, pos + 1) + 1 :]
    if len(found) <= len(short) or short.lower() in re.findall(r"[^\W_]+", found.lower()):
        return None
    return found


def defined_abbreviations(text: str) -> list[tuple[str, str]]:
    """The abbreviations a text defines, each with its expansion: "(SIP)" after its long form,
    or "SIP (samordnad individuell plan)"."""
    found = []
    for match in PARENS_RE.finditer(text):
        inside = match.group(1).strip()
        before = CLAUSE_END_RE.split(text[max(0, match.start() - 200) : match.start()])[-1]
        if is_short_form(inside):
            short, expansion = inside, long_form(inside, before)
        elif before.split() and is_short_form(before.split()[-1]) and len(inside.split()) > 1:
            short = before.split()[-1]
            expansion = long_form(short, inside)
        else:
            continue
        if expansion:
            found.append((short, " ".join(unicodedata.normalize("NFKC", expansion).lower().split())))
    return found


def mine_abbreviations(
    definitions: Iterable[tuple[str, str]], written: Callable[[str], tuple[int, int]], expansions_kept: int
) -> dict[str, dict[str, int]]:
    """The corpus's abbreviations with their most frequent expansions (`expansions_kept` of them,
    `IndexParams.abbreviation_expansions`) and how often each was seen.

    `written(word)` says how often the corpus writes a word in all and how often in capitals:
    "LAG" (lokala arbetsgrupper) is also the ordinary word "lag", so an abbreviation is kept only
    where the corpus writes it mostly in capitals.
    """
    found: dict[str, Counter[str]] = {}
    for short, expansion in definitions:
        found.setdefault(short, Counter())[expansion] += 1
    kept = {}
    for short, expansions in found.items():
        total, capitals = written(short.lower())
        if short.lower() not in STOPWORDS and total - capitals <= capitals:
            kept[short] = dict(expansions.most_common(expansions_kept))
    return kept

"""The excerpt a result shows: the sentences that match the question, with their neighbours.

A whole passage per result made result pages 8,000–19,000 px tall; the excerpt keeps
what matched in view and "Visa hela stycket" fetches the rest.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# A sentence ends at . ! ? or : before a capital, a digit or a bullet, or at a line break.
_BOUNDARY = re.compile(r"(?<=[.!?:])[ \t]+(?=[A-ZÅÄÖ0-9•–-])|\n+")
BEST_SENTENCES = 2  # matching sentences kept, each with one neighbour on either side
SHORT = 320  # characters: a passage this short is shown whole


@dataclass
class Piece:
    """A run of consecutive sentences, with the highlights inside it (offsets within `text`)."""

    text: str
    highlights: list[tuple[int, int]]


@dataclass
class Excerpt:
    pieces: list[Piece]
    starts_inside: bool  # text left out before the first piece
    ends_inside: bool  # text left out after the last piece
    whole: bool  # nothing was left out


def sentence_bounds(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence, in order; together they cover every non-blank character."""
    bounds, start = [], 0
    for boundary in _BOUNDARY.finditer(text):
        if text[start : boundary.start()].strip():
            bounds.append((start, boundary.start()))
        start = boundary.end()
    if text[start:].strip():
        bounds.append((start, len(text)))
    return bounds


def excerpt(text: str, highlights: list[tuple[int, int]]) -> Excerpt:
    """The sentences with the most highlighted words, each with its neighbours; the first sentences when none match."""
    bounds = sentence_bounds(text)
    if len(text) <= SHORT or len(bounds) <= 3:
        return Excerpt([Piece(text, highlights)], False, False, True)
    counts = [sum(1 for s, _ in highlights if start <= s < end) for start, end in bounds]
    best = sorted((i for i, n in enumerate(counts) if n), key=lambda i: (-counts[i], i))[:BEST_SENTENCES] or [0]
    keep = sorted({j for i in best for j in (i - 1, i, i + 1) if 0 <= j < len(bounds)})
    if len(keep) == len(bounds):
        return Excerpt([Piece(text, highlights)], False, False, True)
    runs: list[list[int]] = []
    for i in keep:
        if runs and runs[-1][-1] == i - 1:
            runs[-1].append(i)
        else:
            runs.append([i])
    pieces = []
    for run in runs:
        start, end = bounds[run[0]][0], bounds[run[-1]][1]
        inside = [(s - start, e - start) for s, e in highlights if start <= s and e <= end]
        pieces.append(Piece(text[start:end], inside))
    return Excerpt(pieces, keep[0] > 0, keep[-1] < len(bounds) - 1, False)

"""One vector per responsibility statement, so the answer card can match a question to it by meaning.

A question in other words than the document ("vem skickar hem den som kommer full till jobbet")
covers few of a statement's words, yet says the same. Each responsibility statement is embedded at
ingest, with its heading and lead, as the encoder embeds passages (and in the same content-keyed
cache); a generation keeps them in two arrays beside its other indexes, in the order of
`Passage.responsibility`, read memory-mapped. Guideline recommendations are not: several share one
sentence ("AUDIT (prio 1) och DUDIT (prio 3)"), so their meanings cannot tell them apart, and on the
development questions the card named fewer levels right with them.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ingest.model import Responsibility

VECTORS, ROWS = "statements.npy", "statement_rows.npy"


def statement_texts(section_path: list[str], text: str, responsibility: list[Responsibility]) -> list[str]:
    """What is embedded for each statement of a passage: its heading, its lead and its own words."""
    heading = section_path[-1] if section_path else ""
    out = []
    for record in responsibility:
        source = heading if record.heading else text
        own = source[record.start : record.end or len(source)]
        out.append(" ".join(part for part in (heading if not record.heading else "", record.lead or "", own) if part))
    return out


class StatementVectors:
    """A generation's statement vectors by passage row id."""

    def __init__(self, vectors: np.ndarray, rows: np.ndarray):
        self._vectors = vectors  # float16, one row per statement
        self._rows = rows  # (rowid, first statement, count), sorted by rowid

    @classmethod
    def build(cls, per_passage: list[tuple[int, np.ndarray]], dimension: int) -> "StatementVectors":
        """`per_passage`: (row id, its statements' vectors) in any order; passages without statements
        may be left out."""
        per_passage = sorted((rowid, v) for rowid, v in per_passage if len(v))
        rows = np.zeros((len(per_passage), 3), dtype="int64")
        first = 0
        for i, (rowid, vectors) in enumerate(per_passage):
            rows[i] = (rowid, first, len(vectors))
            first += len(vectors)
        matrix = np.concatenate([v for _, v in per_passage]) if per_passage else np.zeros((0, dimension))
        return cls(matrix.astype("float16"), rows)

    @classmethod
    def load(cls, folder: Path) -> "StatementVectors":
        return cls(np.load(folder / VECTORS, mmap_mode="r"), np.load(folder / ROWS))

    def save(self, folder: Path) -> None:
        for name, array in ((VECTORS, self._vectors), (ROWS, self._rows)):
            tmp = folder / (name + ".tmp")
            with open(tmp, "wb") as handle:
                np.save(handle, array)
            os.replace(tmp, folder / name)

    def of(self, rowid: int) -> np.ndarray | None:
        """The passage's statement vectors in order, or None when it has none stored."""
        at = int(np.searchsorted(self._rows[:, 0], rowid))
        if at == len(self._rows) or self._rows[at, 0] != rowid:
            return None
        _, first, count = self._rows[at]
        return np.asarray(self._vectors[first : first + count], dtype="float32")

"""Every passage's words, counted once and carried from one index generation to the next.

The analyzer learns its compounds from the whole corpus, so a passage's analysed terms change as
the corpus grows; its words do not. They are counted when a passage is first seen and kept with
the generation by the hash of the text, so the next generation takes an unchanged passage's words
from the last one instead of tokenising it again, and everything after counting (document
frequencies, the analysis of each distinct word, BM25 weights) is sparse-matrix arithmetic.
"""

from __future__ import annotations

import hashlib
import json
from array import array
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from index.text.analyzer import STOPWORDS, WORD_RE, Analyzer
from index.text.abbreviations import CLAUSE_END_RE, PARENS_RE, defined_abbreviations

FOLDER = "words"  # inside a generation's lexical folder
FORMAT = 1  # raise when counting changes in a way the fingerprint below cannot see


def counting_rules() -> str:
    """A fingerprint of how words are counted: words counted under other rules are not reused."""
    rules = [str(FORMAT), WORD_RE.pattern, " ".join(sorted(STOPWORDS)), PARENS_RE.pattern, CLAUSE_END_RE.pattern]
    return hashlib.sha256("\x00".join(rules).encode()).hexdigest()


def text_hash(text: str) -> int:
    """64 bits of BLAKE2b: a passage is reused only when its text is the same."""
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "little")


@dataclass
class PassageWords:
    hashes: np.ndarray  # uint64, one per passage, in passage order
    words: list[str]  # the columns
    counts: sp.csr_matrix  # passages × words: occurrences (stop words left out, as Analyzer.words)
    capitals: sp.csr_matrix  # passages × words: occurrences written in capitals
    definitions: dict[int, list[tuple[str, str]]]  # passage → abbreviations it defines

    def __len__(self) -> int:
        return len(self.hashes)

    @classmethod
    def count(cls, texts: Iterable[str], previous: "PassageWords | None" = None) -> "PassageWords":
        """Count each text's words, in one pass over a stream of texts; texts `previous` already
        counted are taken from it. Memory grows with the counts, not with the texts."""
        reuse = {int(h): row for row, h in enumerate(previous.hashes)} if previous else {}
        words = list(previous.words) if previous else []
        column = {word: i for i, word in enumerate(words)}
        hashes = array("Q")
        source = array("q")  # per passage: its row in `previous`, or -1 - its row among the new ones
        new = _Rows(), _Rows()  # counts and capitals of the passages counted now
        definitions: dict[int, list[tuple[str, str]]] = {}
        for position, text in enumerate(texts):
            digest = text_hash(text)
            hashes.append(digest)
            row = reuse.get(digest)
            if row is not None:
                source.append(row)
                if row in previous.definitions:
                    definitions[position] = previous.definitions[row]
                continue
            source.append(-1 - new[0].rows)
            counts, capitals = Analyzer.count_words(text)
            for rows, counted in zip(new, (counts, capitals)):
                rows.add({column.setdefault(w, len(column)): n for w, n in counted.items()})
            defined = defined_abbreviations(text)
            if defined:
                definitions[position] = defined
        words.extend(list(column)[len(words) :])
        width = len(words)
        order = np.frombuffer(source, dtype=np.int64) if source else np.zeros(0, np.int64)
        matrices = []
        for which, rows in zip(("counts", "capitals"), new):
            fresh = rows.matrix(width)
            if previous is None:
                matrices.append(fresh)
                continue
            old = getattr(previous, which)
            old = sp.csr_matrix((old.data, old.indices, old.indptr), shape=(old.shape[0], width))
            stacked = sp.vstack([old, fresh], format="csr")
            kept = np.where(order >= 0, order, old.shape[0] - 1 - order)
            del old, fresh  # the last generation's copy: peak memory is two matrices, not three
            matrices.append(stacked[kept])
            del stacked
        found = cls(np.frombuffer(hashes, dtype=np.uint64).copy(), words, *matrices, definitions)
        return found._without_unused_words()

    def _without_unused_words(self) -> "PassageWords":
        """Drop the words of passages that are gone, so the columns do not grow generation after generation."""
        used = np.bincount(self.counts.indices, minlength=len(self.words)) > 0
        if used.all():
            return self
        remap = np.cumsum(used) - 1
        words = [word for word, keep in zip(self.words, used) if keep]

        def narrowed(matrix: sp.csr_matrix) -> sp.csr_matrix:
            return sp.csr_matrix(
                (matrix.data, remap[matrix.indices].astype(np.int32), matrix.indptr),
                shape=(matrix.shape[0], len(words)),
            )

        return PassageWords(self.hashes, words, narrowed(self.counts), narrowed(self.capitals), self.definitions)

    def document_frequencies(self) -> np.ndarray:
        """For each word, the number of passages it occurs in."""
        return np.bincount(self.counts.indices, minlength=len(self.words))

    def written(self) -> Callable[[str], tuple[int, int]]:
        """How often the corpus writes a word in all and how often in capitals ("LAG" or "lag")."""
        totals = np.asarray(self.counts.sum(axis=0)).ravel()
        capitals = np.asarray(self.capitals.sum(axis=0)).ravel()
        column = {word: i for i, word in enumerate(self.words)}

        def written(word: str) -> tuple[int, int]:
            i = column.get(word)
            return (0, 0) if i is None else (int(totals[i]), int(capitals[i]))

        return written

    def all_definitions(self) -> Iterable[tuple[str, str]]:
        """Every abbreviation definition, in passage order."""
        for position in sorted(self.definitions):
            yield from self.definitions[position]

    # -- persistence --------------------------------------------------------------------

    def save(self, directory: Path) -> None:
        folder = Path(directory) / FOLDER
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "rules.txt").write_text(counting_rules())
        np.save(folder / "hashes.npy", self.hashes)
        (folder / "words.json").write_text(json.dumps(self.words, ensure_ascii=False), encoding="utf-8")
        sp.save_npz(folder / "counts.npz", self.counts, compressed=False)
        sp.save_npz(folder / "capitals.npz", self.capitals, compressed=False)
        defined = [[row, short, long] for row, pairs in sorted(self.definitions.items()) for short, long in pairs]
        (folder / "definitions.json").write_text(json.dumps(defined, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, directory: Path) -> "PassageWords | None":
        """The words saved with a generation; None when it has none, or counted them by other rules."""
        folder = Path(directory) / FOLDER
        rules = folder / "rules.txt"
        if not rules.exists() or rules.read_text() != counting_rules():
            return None
        definitions: dict[int, list[tuple[str, str]]] = {}
        for row, short, long in json.loads((folder / "definitions.json").read_text(encoding="utf-8")):
            definitions.setdefault(row, []).append((short, long))
        return cls(
            np.load(folder / "hashes.npy"),
            json.loads((folder / "words.json").read_text(encoding="utf-8")),
            sp.load_npz(folder / "counts.npz").tocsr(),
            sp.load_npz(folder / "capitals.npz").tocsr(),
            definitions,
        )


class _Rows:
    """A CSR matrix built a row at a time, in compact arrays rather than Python lists."""

    def __init__(self):
        self.indptr = array("q", [0])
        self.indices = array("i")
        self.data = array("i")

    @property
    def rows(self) -> int:
        return len(self.indptr) - 1

    def add(self, row: dict[int, int]) -> None:
        self.indices.extend(row.keys())
        self.data.extend(row.values())
        self.indptr.append(len(self.indices))

    def matrix(self, width: int) -> sp.csr_matrix:
        matrix = sp.csr_matrix(
            (
                np.frombuffer(self.data, dtype=np.int32) if self.data else np.zeros(0, np.int32),
                np.frombuffer(self.indices, dtype=np.int32) if self.indices else np.zeros(0, np.int32),
                np.frombuffer(self.indptr, dtype=np.int64),
            ),
            shape=(self.rows, width),
        )
        matrix.sort_indices()
        return matrix

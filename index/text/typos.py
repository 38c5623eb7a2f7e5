"""Typo candidates without scanning the vocabulary: deletion neighbourhoods of word ends.

Two words within k edits (insertions, deletions, substitutions, two neighbours swapped) can both be
cut down to a common string by deleting k letters from each, and so can their first p letters,
and their last p letters, when both words have at least p (symmetric deletion, as in SymSpell;
Garbe 2012). The index holds, for every corpus word, each string its first p letters make with k
deleted and the same for its last p letters. A typo's candidates are the words
that share a string with it at both ends: a few lookups and one intersection instead of a pass
over millions of words, after which rapidfuzz measures the exact distance on a handful of words.
Words are numbered shortest first, so a possible length is a range of numbers. Built with each
generation in vectorised passes and saved as arrays that a server maps instead of rebuilding.
"""

from __future__ import annotations

from itertools import combinations
from pathlib import Path

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import OSA

_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)
_ENDS = ("first", "last")
_ARRAYS = ("keys", "offsets", "postings")


def _deletions(width: int, edits: int) -> np.ndarray:
    """The columns kept when `edits` of `width` letters are deleted, one row per choice.

    Exactly `edits`: two ends that meet after fewer deletions still meet after more of the same."""
    return np.array([[c for c in range(width) if c not in removed] for removed in combinations(range(width), edits)])


def _hash(codes: np.ndarray) -> np.ndarray:
    """One 64-bit key per row of code points (collisions only add candidates)."""
    key = np.full(codes.shape[:-1], codes.shape[-1] + 1, dtype=np.uint64)
    for column in range(codes.shape[-1]):
        key = key * _MULTIPLIER + codes[..., column]
    return key


class _Neighbourhood:
    """Deletion strings of one end of the words → the numbers of the words that make them."""

    def __init__(self, keys: np.ndarray, offsets: np.ndarray, postings: np.ndarray):
        self.keys, self.offsets, self.postings = keys, offsets, postings

    @classmethod
    def build(cls, blocks: list[tuple[int, np.ndarray]], kept: np.ndarray) -> "_Neighbourhood":
        """`blocks`: (first word number, code points of each word's end) for runs of words."""
        keys, numbers = [], []
        for first, codes in blocks:
            block = _hash(codes[:, kept])  # words × deletion strings
            keys.append(block.ravel())
            numbers.append(np.repeat(np.arange(first, first + len(codes), dtype=np.int32), len(kept)))
        key_of = np.concatenate(keys) if keys else np.zeros(0, np.uint64)
        number_of = np.concatenate(numbers) if numbers else np.zeros(0, np.int32)
        del keys, numbers
        by_key = np.argsort(key_of, kind="stable")  # numbers were ascending, and stay so within a key
        key_of, number_of = key_of[by_key], number_of[by_key]
        del by_key
        distinct = np.ones(len(key_of), bool)  # "aab" less either "a" is one string
        distinct[1:] = (key_of[1:] != key_of[:-1]) | (number_of[1:] != number_of[:-1])
        key_of, number_of = key_of[distinct], number_of[distinct]
        keys, first = np.unique(key_of, return_index=True)
        return cls(keys, np.append(first, len(key_of)).astype(np.int64), number_of)

    def lists(self, codes: np.ndarray, kept: np.ndarray, low: np.int32, high: np.int32) -> list[np.ndarray]:
        """Per deletion string of these code points, the numbers in [low, high) of the words sharing it."""
        wanted = np.unique(_hash(codes[kept]))
        if not len(self.keys):
            return []
        slots = np.minimum(np.searchsorted(self.keys, wanted), len(self.keys) - 1)
        found = []
        for slot in slots[self.keys[slots] == wanted].tolist():
            postings = self.postings[self.offsets[slot] : self.offsets[slot + 1]]
            found.append(postings[np.searchsorted(postings, low) : np.searchsorted(postings, high)])
        return found


class TypoIndex:
    """For each number of edits, the deletion neighbourhoods of the words' first and last letters."""

    def __init__(self, words: list[str], ends: dict[int, int], order, starts, neighbourhoods):
        self.words = words  # the vocabulary, in the caller's order
        self.ends = ends  # edits → letters taken from each end (p)
        self.order = order  # word number → index into `words`
        self.starts = starts  # words of length n are numbered from starts[n]
        self.neighbourhoods = neighbourhoods  # (edits, "first" | "last") → _Neighbourhood

    @classmethod
    def build(cls, words: list[str], ends: dict[int, int]) -> "TypoIndex":
        """`ends` maps each number of edits to be looked up to p, which must not exceed the length of
        the shortest typo corrected with that many edits less those edits (so that a typo and any
        word within reach both have p letters). Words without a letter are left out: none is a typo
        of a word."""
        lengths = np.fromiter((len(w) for w in words), np.int64, len(words))
        lettered = np.fromiter((any(c.isalpha() for c in w) for w in words), bool, len(words))
        order = np.flatnonzero(lettered)
        order = order[np.argsort(lengths[order], kind="stable")]
        sorted_lengths = lengths[order]
        longest = int(sorted_lengths[-1]) if len(order) else 0
        starts = np.searchsorted(sorted_lengths, np.arange(longest + 2)).astype(np.int32)
        blocks: dict[int, list[tuple[int, np.ndarray]]] = {}
        for n in range(1, longest + 1):  # the words of one length as one array of code points
            first, last = int(starts[n]), int(starts[n + 1])
            if first == last:
                continue
            text = np.array([words[i] for i in order[first:last].tolist()], dtype=f"<U{n}")
            blocks[n] = [(first, text.view(np.uint32).reshape(last - first, n).astype(np.uint64))]
        neighbourhoods = {}
        for edits, width in ends.items():
            kept = _deletions(width, edits)
            runs = [(first, codes) for n, found in blocks.items() if n >= width for first, codes in found]
            neighbourhoods[edits, "first"] = _Neighbourhood.build([(f, c[:, :width]) for f, c in runs], kept)
            neighbourhoods[edits, "last"] = _Neighbourhood.build([(f, c[:, -width:]) for f, c in runs], kept)
        return cls(words, dict(ends), order.astype(np.int32), starts, neighbourhoods)

    def candidates(self, word: str, edits: int) -> list[str]:
        """Every indexed word that could be within `edits` edits of `word` (and a few that are not)."""
        width = self.ends[edits]
        if len(word) - edits < width:
            raise ValueError(f"'{word}' is too short to look up with {edits} edits")
        last = len(self.starts) - 1
        low = np.int32(self.starts[min(max(len(word) - edits, width), last)])
        high = np.int32(self.starts[min(len(word) + edits + 1, last)])
        codes = np.frombuffer(word.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
        kept = _deletions(width, edits)
        ends = [
            self.neighbourhoods[edits, end].lists(codes[:width] if end == "first" else codes[-width:], kept, low, high)
            for end in _ENDS
        ]
        fewer, more = sorted(ends, key=lambda lists: sum(len(x) for x in lists))
        if not fewer or not more:
            return []
        # The end with fewer holders gives the candidates; the other end marks whom it holds.
        marked = np.zeros(int(high - low), bool)
        for postings in more:
            marked[postings - low] = True
        numbers = np.concatenate(fewer)
        numbers = np.unique(numbers[marked[numbers - low]])
        return [self.words[i] for i in self.order[numbers].tolist()]

    def within(self, word: str, edits: int) -> list[tuple[str, int]]:
        """The indexed words within `edits` edits of `word` (optimal string alignment), with their distance."""
        found = process.extract(word, self.candidates(word, edits), scorer=OSA.distance, score_cutoff=edits, limit=None)
        return [(candidate, distance) for candidate, distance, _ in found]

    # -- persistence --------------------------------------------------------------------

    def save(self, directory: Path) -> None:
        directory = Path(directory)
        np.save(directory / "typos-order.npy", self.order)
        np.save(directory / "typos-starts.npy", self.starts)
        np.save(directory / "typos-ends.npy", np.array(sorted(self.ends.items()), dtype=np.int64).reshape(-1, 2))
        for (edits, end), neighbourhood in self.neighbourhoods.items():
            for name in _ARRAYS:
                np.save(directory / f"typos-{edits}-{end}-{name}.npy", getattr(neighbourhood, name))

    @classmethod
    def load(cls, directory: Path, words: list[str]) -> "TypoIndex | None":
        """The saved index over these words, mapped rather than read; None when none was saved."""
        directory = Path(directory)
        if not (directory / "typos-ends.npy").exists():
            return None
        ends = {int(e): int(w) for e, w in np.load(directory / "typos-ends.npy")}
        neighbourhoods = {
            (edits, end): _Neighbourhood(
                *(np.load(directory / f"typos-{edits}-{end}-{name}.npy", mmap_mode="r") for name in _ARRAYS)
            )
            for edits in ends
            for end in _ENDS
        }
        order = np.load(directory / "typos-order.npy", mmap_mode="r")
        return cls(words, ends, order, np.load(directory / "typos-starts.npy"), neighbourhoods)

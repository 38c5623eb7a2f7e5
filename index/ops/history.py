"""Versions of a document and what changed between them, read from the Store.

Chunks are never deleted: each carries the first and last version it belonged
to, so any version's passages can be rebuilt and compared. Editors and readers
care most about who became responsible for what, so those changes are called out.
"""

from __future__ import annotations

import difflib
import re

from rapidfuzz import fuzz

from index.storage import Passage, Store, Version

CHANGED_THRESHOLD = 60  # rapidfuzz ratio (0-100) above which a removed+added pair is one edited passage
CLOSEST_THRESHOLD = 40  # below this an old passage has no current counterpart worth pointing to

PRINCIPAL_LABELS = {"region": "region", "kommun": "kommun", "gemensamt": "gemensamt", None: "ej angivet"}


def versions(store: Store, doc_id: str) -> list[Version]:
    """Newest first."""
    return store.versions(doc_id)


def passages_of_version(store: Store, doc_id: str, version: int) -> list[Passage]:
    """The passages the document had in `version`, in reading order."""
    return [
        p for p in store.document_passages(doc_id, active_only=False) if p.first_version <= version <= p.last_version
    ]


def diff(store: Store, doc_id: str, old: int, new: int) -> dict:
    """Added, removed and changed passages between two versions, with responsibility and priority changes."""
    before = passages_of_version(store, doc_id, old)
    after = passages_of_version(store, doc_id, new)
    before_ids = {p.chunk_id for p in before}
    after_ids = {p.chunk_id for p in after}
    removed = [p for p in before if p.chunk_id not in after_ids]
    added = [p for p in after if p.chunk_id not in before_ids]

    candidates = sorted(
        (
            (fuzz.ratio(r.text, a.text), i, j)
            for i, r in enumerate(removed)
            for j, a in enumerate(added)
            if r.section_path == a.section_path
        ),
        reverse=True,
    )
    paired_removed: set[int] = set()
    paired_added: set[int] = set()
    changed = []
    for score, i, j in candidates:
        if score < CHANGED_THRESHOLD or i in paired_removed or j in paired_added:
            continue
        paired_removed.add(i)
        paired_added.add(j)
        old_passage, new_passage = removed[i], added[j]
        changed.append(
            {
                "section": new_passage.section,
                "old": old_passage,
                "new": new_passage,
                "similarity": round(score),
                "words": word_diff(old_passage.text, new_passage.text),
                "notes": _tag_changes([old_passage], [new_passage]),
            }
        )
    changed.sort(key=lambda c: c["new"].position)
    return {
        "doc_id": doc_id,
        "from": old,
        "to": new,
        "added": [c for j, c in enumerate(added) if j not in paired_added],
        "removed": [c for i, c in enumerate(removed) if i not in paired_removed],
        "changed": changed,
        "notes": _tag_changes(before, after),
    }


def word_diff(old: str, new: str) -> list[tuple[str, str]]:
    """(op, text) runs with op in same | removed | added, word by word, for showing an edit inline."""
    a, b = re.findall(r"\S+\s*", old), re.findall(r"\S+\s*", new)
    runs: list[tuple[str, str]] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            runs.append(("same", "".join(a[i1:i2])))
            continue
        if i2 > i1:
            runs.append(("removed", "".join(a[i1:i2])))
        if j2 > j1:
            runs.append(("added", "".join(b[j1:j2])))
    return runs


def _tag_changes(before: list[Passage], after: list[Passage]) -> list[str]:
    """Lines like 'Abstinensvård: region → gemensamt' for responsibilities and priorities that differ."""
    principal = lambda p: PRINCIPAL_LABELS.get(p, p)  # noqa: E731
    return _changes(
        _responsibilities(before),
        _responsibilities(after),
        principal,
        changed="{name}: {old} → {new}",
        added="Nytt ansvar – {name}: {new}",
        removed="Ansvar borttaget – {name}: {old}",
    ) + _changes(
        _priorities(before),
        _priorities(after),
        str,
        changed="Prioritet för {name}: {old} → {new}",
        added="Ny rekommendation – {name}: {new}",
        removed="Rekommendation borttagen – {name}: {old}",
    )


def _changes(old: dict, new: dict, label, *, changed: str, added: str, removed: str) -> list[str]:
    """Notes for values under the same key that differ, and for keys only one side has."""
    notes = []
    for key in sorted(old.keys() & new.keys()):
        (name, before), (_, after) = old[key], new[key]
        if before != after:
            notes.append(changed.format(name=name, old=label(before), new=label(after)))
    notes += [added.format(name=new[k][0], new=label(new[k][1])) for k in sorted(new.keys() - old.keys())]
    notes += [removed.format(name=old[k][0], old=label(old[k][1])) for k in sorted(old.keys() - new.keys())]
    return notes


def _key(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.casefold()))


def _responsibilities(passages: list[Passage]) -> dict[str, tuple[str, str | None]]:
    """Activity → principal; the strongest statement (X before K) wins when a version says it twice."""
    out: dict[str, tuple[str, str | None]] = {}
    for passage in passages:
        for r in sorted(passage.responsibility, key=lambda r: r.strength != "X"):
            out.setdefault(_key(r.activity), (r.activity, r.principal))
    return out


def _priorities(passages: list[Passage]) -> dict[str, tuple[str, str]]:
    out: dict[str, tuple[str, str]] = {}
    for passage in passages:
        for p in passage.priority:
            label = p.label + (f" ({p.level})" if p.level else "")
            out.setdefault(_key(p.recommendation), (p.recommendation, label))
    return out


def closest_current(store: Store, passage: Passage) -> Passage | None:
    """For a superseded passage, the most similar passage the document has now."""
    if passage.active:
        return passage
    best, best_score = None, 0.0
    for candidate in store.document_passages(passage.doc_id):
        score = fuzz.ratio(passage.text, candidate.text)
        if candidate.section_path == passage.section_path:
            score += 10  # an edit usually stays in its section
        if score > best_score:
            best, best_score = candidate, score
    if best is None or best_score < CLOSEST_THRESHOLD:
        return None
    return best

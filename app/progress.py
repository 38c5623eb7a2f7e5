"""An ingest's progress and its summary in words a person follows, the same for `kb ingest` and the admin pages.

A run reads documents (every file it was given, also those it then finds unchanged) and writes their
passages (stycken). Only a passage with new text is embedded: as one or more windows of at most 60
words, and each of its responsibility statements on its own, so the embedding counts these text
pieces (textbitar), not passages. The line shown while a run works and the summary after it use the
same words and the same numbers.
"""

from __future__ import annotations

from pathlib import Path

from index.building.indexer import EMBEDDING, READING, FileResult, Progress


def _n(n: int) -> str:
    """A number as Swedish writes it: 1 899."""
    return f"{n:,}".replace(",", " ")


def _count(n: int, one: str, many: str) -> str:
    return f"{_n(n)} {one if n == 1 else many}"


def progress_line(step: Progress) -> str:
    """What the run is doing now, in one line."""
    if step.stage == READING:
        return f"Läser dokument {step.done} av {step.total}: {step.item}"
    if step.stage == EMBEDDING:
        return f"Bäddar in stycken med ny text: textbit {_n(step.done)} av {_n(step.total)}"
    return "Bygger sökindexet"


def summary(files: list[FileResult], windows: int) -> str:
    """The run in the progress's numbers: documents read and what became of them, passages, new ones, windows."""
    missing = [f for f in files if f.outcome == "failed" and not Path(f.path).exists()]  # named, never read
    files = [f for f in files if f not in missing]
    outcomes = {
        o: sum(1 for f in files if f.outcome == o)
        for o in ("new", "revised", "unchanged", "skipped", "failed", "retired")
    }
    read = len(files) - outcomes["retired"]
    parts = [
        _count(outcomes["new"], "nytt dokument", "nya dokument"),
        _count(outcomes["revised"], "ny version", "nya versioner"),
        _count(outcomes["unchanged"], "oförändrat", "oförändrade"),
    ]
    parts += [_count(outcomes["skipped"], "överhoppat", "överhoppade")] if outcomes["skipped"] else []
    parts += [f"{outcomes['failed']} med fel"] if outcomes["failed"] else []
    out = f"{_count(read, 'dokument läst', 'dokument lästa')}: {', '.join(parts)}."
    if outcomes["retired"]:
        gone = _count(outcomes["retired"], "dokument borttaget", "dokument borttagna")
        out += f" {gone} ur sökningen (filen finns inte längre)."
    if missing:
        out += f" {_count(len(missing), 'angiven sökväg', 'angivna sökvägar')} finns inte."
    written = [f for f in files if f.outcome in ("new", "revised")]
    if written:
        passages = sum(f.report.get("chunks", 0) for f in written)
        fresh = sum(f.embedded for f in written)
        out += (
            f" De nya och ändrade dokumenten har {_count(passages, 'stycke', 'stycken')}, varav {_n(fresh)} med ny text"
        )
        out += f" som bäddades in ({_count(windows, 'textbit', 'textbitar')})." if fresh else "."
    return out


def masked_at_rest(rewritten: int) -> str:
    """What a re-index did to the files an older data dir kept as they came (index/building/indexer.py), or nothing."""
    if not rewritten:
        return ""
    return f" {_count(rewritten, 'sparad fil', 'sparade filer')} med personuppgifter byttes mot maskade kopior."

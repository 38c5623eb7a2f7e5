"""Where a generation's index files live, and the checksum that proves a copy is whole.

The files sit in KB_SHARED_DIR/generations/N, a folder every server reads.
The writer records N and the checksum in the database in the same commit as
the passages; a server loads N only when the files it sees match.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path


def generation_dir(shared_dir: Path, generation: int) -> Path:
    return Path(shared_dir) / "generations" / str(generation)


def digest(folder: Path) -> str:
    """sha256 over every file's relative path and bytes, in a fixed order."""
    total = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        total.update(path.relative_to(folder).as_posix().encode() + b"\0")
        with path.open("rb") as handle:
            while block := handle.read(1 << 20):
                total.update(block)
    return total.hexdigest()


def generation_encoder(shared_dir: Path, generation: int) -> str | None:
    """The encoder a generation's vectors were made with (`info.json`), None when it does not say."""
    info = generation_dir(shared_dir, generation) / "info.json"
    try:
        return json.loads(info.read_text()).get("model")
    except (OSError, ValueError):
        return None

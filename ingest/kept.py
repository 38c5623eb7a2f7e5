"""The kept copy of a source file: the text its reader extracted, with personal data masked.

What is kept at rest instead of the file itself, and what `kb ingest --rebuild`, a re-read after an
editor marked a missed name, and publishing a draft read again: every line exactly as the reader
gave it (Markdown marks, tab-separated table rows, line breaks inside a Word paragraph) with the
page of each line of a PDF, so reading the copy gives the passages, line numbers and pages that
reading the file gave. It carries the checksum of the original bytes, so a file is still known as
unchanged by the bytes it had. JSON, because it keeps a line as it was whatever it holds.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from ingest.model import IngestError, RawText

KEPT_SUFFIX = ".kept.json"
_KIND = "kb-kept-text"
_FORMAT_VERSION = 1


def is_kept(path: Path) -> bool:
    return path.name.endswith(KEPT_SUFFIX)


def document_id(path: Path) -> str:
    """A document is named by its file: "avtal.pdf" and its kept copy "avtal.kept.json" are both "avtal"."""
    return path.name[: -len(KEPT_SUFFIX)] if is_kept(path) else path.stem


def dump_kept(raw: RawText, content_hash: str) -> bytes:
    """The copy's bytes; written unescaped (UTF-8), so what it holds is what a search of the disk finds."""
    data = {
        "kind": _KIND,
        "version": _FORMAT_VERSION,
        "content_hash": content_hash,
        "format": raw.format,
        "page_count": raw.page_count,
        "pages": raw.pages,
        "dropped": raw.dropped,
        "lines": raw.lines,
    }
    return json.dumps(data, ensure_ascii=False, indent=0).encode("utf-8")


def load_kept(data: bytes) -> tuple[RawText, str]:
    """The text as its reader gave it, and the checksum of the original bytes. Raises IngestError."""
    try:
        kept = json.loads(data.decode("utf-8"))
        if kept.get("kind") != _KIND or kept.get("version") != _FORMAT_VERSION:
            raise ValueError("inte en sparad kopia")
        dropped = (
            {int(line): str(reason) for line, reason in kept["dropped"].items()}
            if kept["dropped"] is not None
            else None
        )
        raw = RawText(
            [str(line) for line in kept["lines"]], str(kept["format"]), kept["pages"], kept["page_count"], dropped
        )
        return raw, str(kept["content_hash"])
    except (UnicodeDecodeError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise IngestError(f"den sparade kopian kan inte läsas: {exc}") from None


def original_hash(path: Path, content: bytes) -> str:
    """The checksum a version is known by: of the original bytes, also when what is read is the kept copy.
    Raises IngestError for a kept copy that cannot be read."""
    return load_kept(content)[1] if is_kept(path) else hashlib.sha256(content).hexdigest()

"""One file in, one fully understood document out: parsed, described and tagged."""

from __future__ import annotations

from pathlib import Path

from ingest.manifest import meta_for
from ingest.model import DocumentMeta, ParsedDocument
from ingest.parse import parse_file
from ingest.redact import RedactionPolicy
from ingest.responsibility import tag_document

MANIFEST_NAME = "manifest.toml"


def source_files(folder: Path) -> list[Path]:
    """Every file an editor put in a folder, except the manifest and hidden files.

    Files of unknown type are included on purpose: the reader refuses them by
    name, so the editor sees why they were not indexed.
    """
    return sorted(
        p for p in folder.rglob("*") if p.is_file() and p.name != MANIFEST_NAME and not p.name.startswith(".")
    )


def ingest_file(
    path: Path,
    manifest: dict[str, DocumentMeta],
    doc_id: str | None = None,
    policy: RedactionPolicy = RedactionPolicy(),
) -> ParsedDocument:
    """Raises ingest.model.IngestError with a one-line reason when the file cannot be used.

    `doc_id` overrides the file name, for re-reading a kept copy of a source.
    """
    document = parse_file(path, policy)
    if doc_id:
        document.doc_id = doc_id
    document.meta = meta_for(document.doc_id, document.text, manifest, document.head)
    if document.meta.in_scope:
        for chunk in document.chunks:
            chunk.on_topic = True
        document.report.off_topic = 0
    tag_document(document)
    return document

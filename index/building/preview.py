"""A draft's own copy of the corpus: an uploaded file read where only its editor can search it.

An upload is not read into the corpus at once. Its file is read, by the same Indexer as
`kb ingest`, into a copy of the searchable corpus (a SQLite database and an index generation
in KB_SHARED_DIR/drafts/<id>/), so its editor sees how it was read and what it would change
in search before anyone else sees it. From then on the draft is its masked copy, as every
version is kept: publishing reads that copy into the real corpus; discarding deletes the copy.
Nothing else reads the copy: search, the pages, the API and every other editor see the corpus as it was.
"""

from __future__ import annotations

import contextlib
import dataclasses
import shutil
from collections.abc import Callable
from pathlib import Path

from index.building.indexer import FileResult, Indexer, Progress, kept_file, let_go, original_file, write_file
from index.config import Settings
from index.retrieve.search import Searcher
from index.storage import Store
from ingest.kept import KEPT_SUFFIX, document_id, is_kept, original_hash
from ingest.model import IngestError

DRAFTS_FOLDER = "drafts"


def preview_settings(settings: Settings, draft_id: str) -> Settings:
    """Settings of the draft's copy: its own SQLite database and generations, in its folder of the shared folder."""
    folder = settings.shared_dir / DRAFTS_FOLDER / draft_id
    # the upload's original is dealt with once, by read_draft, never kept again in the copy
    return dataclasses.replace(settings, data_dir=folder, shared_dir=folder, database_url="", keep_originals=False)


def has_preview(settings: Settings, draft_id: str) -> bool:
    """Whether the copy is here (a backup restored elsewhere holds the draft but not its copy)."""
    copy = preview_settings(settings, draft_id)
    return copy.db_path.is_file() and (copy.shared_dir / "generations").is_dir()


def read_draft(
    settings: Settings,
    store: Store,
    embedder,
    draft_id: str,
    path: Path,
    chosen: dict,
    who: str,
    progress: Callable[[Progress], None],
) -> tuple[FileResult, Path]:
    """Read the uploaded file into a fresh copy of the corpus, with the metadata its editor chose.

    Returns the file's result, "new" or "revised", or "unchanged" when the file is the document's
    current version byte for byte; and the file the draft is kept as from then on: a file read
    gives way to its masked copy beside it (ingest/kept.py), so the upload's personal data is not
    kept, unless KB_KEEP_ORIGINALS moves the original to originals/. Raises IngestError when the file
    cannot be read, WriterBusy when an ingest holds the corpus; then no copy is left.
    """
    drop_preview(settings, draft_id)
    copy_settings = preview_settings(settings, draft_id)
    copy = Store(copy_settings)
    doc_id = document_id(path)
    try:
        store.copy_corpus_to(copy)
        if chosen:
            copy.choose_meta(doc_id, chosen, who)
        result = Indexer(copy_settings, embedder).ingest([path], who=who, progress=progress, isolated=True).files[0]
    except BaseException:
        copy.db.close()
        drop_preview(settings, draft_id)
        raise
    copy.db.close()
    if result.outcome == "failed":
        drop_preview(settings, draft_id)
        raise IngestError(result.error or "okänt fel")
    if result.outcome == "unchanged":
        return result, path
    content_hash = original_hash(path, path.read_bytes())
    masked = path.with_name(doc_id + KEPT_SUFFIX)
    write_file(masked, kept_file(copy_settings.shared_dir, content_hash).read_bytes())
    if masked != path:
        let_go(settings, path, content_hash)
    return result, masked


def drop_upload(settings: Settings, store: Store, file: Path) -> None:
    """A thrown-away draft's upload goes: its folder (the masked copy and any manifest), the document's
    folder if that was all it had, and its original in originals/ unless a version was read from those bytes."""
    if is_kept(file) and file.is_file():
        content_hash = original_hash(file, file.read_bytes())
        original = original_file(settings.shared_dir, content_hash)
        if original is not None and not store.has_version(content_hash):
            original.unlink()
    shutil.rmtree(file.parent, ignore_errors=True)
    with contextlib.suppress(OSError):
        file.parent.parent.rmdir()


def preview_searcher(settings: Settings, draft_id: str, embedder) -> Searcher:
    """A searcher over the draft's copy, sharing the server's model."""
    searcher = Searcher(preview_settings(settings, draft_id), embedder)
    searcher.load()
    return searcher


def keep_vectors(settings: Settings, store: Store, draft_id: str, doc_id: str, dimension: int) -> None:
    """The draft's vectors into the corpus's cache, so publishing embeds nothing again."""
    copy = Store(preview_settings(settings, draft_id))
    try:
        keys = [key for passage in copy.document_passages(doc_id) for key in passage.embed_keys]
        vectors = copy.cached_vectors(keys, dimension)
    finally:
        copy.db.close()
    if vectors:
        store.put_vectors(list(vectors), list(vectors.values()))


def drop_preview(settings: Settings, draft_id: str) -> None:
    shutil.rmtree(preview_settings(settings, draft_id).data_dir, ignore_errors=True)

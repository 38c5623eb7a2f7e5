"""A draft's own copy of the corpus: an uploaded file read where only its editor can search it.

An upload is not read into the corpus at once. Its file is read, by the same Indexer as
`kb ingest`, into a copy of the searchable corpus (a SQLite database and an index generation
in KB_SHARED_DIR/drafts/<id>/), so its editor sees how it was read and what it would change
in search before anyone else sees it. Publishing reads the kept file into the real corpus;
discarding deletes the copy. Nothing else reads the copy: search, the pages, the API and
every other editor see the corpus as it was.
"""

from __future__ import annotations

import dataclasses
import shutil
from collections.abc import Callable
from pathlib import Path

from index.build import FileResult, Indexer, Progress
from index.config import Settings
from index.search import Searcher
from index.storage import Store
from ingest.model import IngestError

DRAFTS_FOLDER = "drafts"


def preview_settings(settings: Settings, draft_id: str) -> Settings:
    """Settings of the draft's copy: its own SQLite database and generations, in its folder of the shared folder."""
    folder = settings.shared_dir / DRAFTS_FOLDER / draft_id
    return dataclasses.replace(settings, data_dir=folder, shared_dir=folder, database_url="")


def has_preview(settings: Settings, draft_id: str) -> bool:
    """Whether the copy is here (a backup restored elsewhere holds the draft but not its copy)."""
    copy = preview_settings(settings, draft_id)
    return copy.db_path.is_file() and (copy.shared_dir / "generations").is_dir()


def read_draft(
    settings: Settings, store: Store, embedder, draft_id: str, path: Path, chosen: dict, who: str,
    progress: Callable[[Progress], None],
) -> FileResult:
    """Read the uploaded file into a fresh copy of the corpus, with the metadata its editor chose.

    Returns the file's result: "new" or "revised", or "unchanged" when the file is the document's
    current version byte for byte. Raises IngestError when the file cannot be read, WriterBusy
    when an ingest holds the corpus; then no copy is left.
    """
    drop_preview(settings, draft_id)
    copy_settings = preview_settings(settings, draft_id)
    copy = Store(copy_settings)
    try:
        store.copy_corpus_to(copy)
        if chosen:
            copy.choose_meta(path.stem, chosen, who)
        result = Indexer(copy_settings, embedder).ingest([path], who=who, progress=progress, isolated=True).files[0]
    except BaseException:
        copy.db.close()
        drop_preview(settings, draft_id)
        raise
    copy.db.close()
    if result.outcome == "failed":
        drop_preview(settings, draft_id)
        raise IngestError(result.error or "okänt fel")
    return result


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

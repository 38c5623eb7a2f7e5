"""Editor actions on the index that are not a file ingest: retiring a document.

Retiring must look like any other ingest to readers: the document's passages
leave search in the same commit that switches to a generation built without
them, under the same writer lock, so search never sees a half state. It
reuses the Indexer's own generation steps so both paths build identical indexes.
"""

from __future__ import annotations

from index.build import Indexer, writer_lock
from index.store import transaction


def retire(indexer: Indexer, doc_id: str) -> int:
    """Take a document out of search (history kept); returns the new generation. Raises WriterBusy."""
    store = indexer.store
    with writer_lock(indexer.settings.data_dir):
        document = store.document(doc_id)
        if document is None:
            raise KeyError(doc_id)
        current = store.generation()
        generation = current + 1
        db = store.connection()
        with transaction(db):
            store.retire(db, doc_id)
            indexer._build_generation(generation)
            store.set_generation(db, generation)
        indexer._drop_old_generations(keep={generation, current})
    return generation

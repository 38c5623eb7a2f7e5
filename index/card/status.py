"""One derived status for a document, everywhere it is shown: the card, results, passages, admin."""

from __future__ import annotations

from datetime import date

from index.storage.records import Document

STATUS_LABELS = {
    "gällande": "gällande",
    "utgången": "giltighetstiden har gått ut",
    "förslag": "förslag",
    "remiss": "remiss",
    "upphävd": "upphävd",
}


def document_status(document: Document, today: str | None = None) -> str:
    """gällande | utgången | förslag | remiss | upphävd: the editor's status, unless its validity has run out."""
    status = document.status or "gällande"
    valid_to = document.valid_to
    if status == "gällande" and valid_to and valid_to < (today or date.today().isoformat()):
        return "utgången"
    return status

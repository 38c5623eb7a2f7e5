"""The drafts table: uploads read but not yet published, each visible to the editor who uploaded it."""

from __future__ import annotations

import json

from index.storage.database import Database
from index.storage.records import Draft


class Drafts:
    def __init__(self, db: Database, absolute, relative):
        self.db = db
        self._absolute, self._relative = absolute, relative  # the store's path rules for the kept file

    def add(self, draft: Draft) -> None:
        self.db.run(
            "INSERT INTO drafts (id, doc_id, target_version, file_name, file, chosen, uploaded_by, changes) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                draft.id,
                draft.doc_id,
                draft.target_version,
                draft.file_name,
                self._relative(draft.file),
                json.dumps(draft.chosen, ensure_ascii=False),
                draft.uploaded_by,
                json.dumps(draft.changes, ensure_ascii=False),
            ),
        )

    def get(self, draft_id: str) -> Draft | None:
        row = self.db.one("SELECT * FROM drafts WHERE id = ?", (draft_id,))
        return self._draft(row) if row else None

    def of_document(self, doc_id: str) -> Draft | None:
        row = self.db.one("SELECT * FROM drafts WHERE doc_id = ? ORDER BY uploaded_at DESC LIMIT 1", (doc_id,))
        return self._draft(row) if row else None

    def by(self, editor: str) -> list[Draft]:
        rows = self.db.query("SELECT * FROM drafts WHERE uploaded_by = ? ORDER BY uploaded_at DESC, id", (editor,))
        return [self._draft(row) for row in rows]

    def set_changes(self, draft_id: str, changes: list[dict]) -> None:
        self.db.run("UPDATE drafts SET changes = ? WHERE id = ?", (json.dumps(changes, ensure_ascii=False), draft_id))

    def remove(self, draft_id: str) -> None:
        self.db.run("DELETE FROM drafts WHERE id = ?", (draft_id,))

    def _draft(self, row: dict) -> Draft:
        return Draft(
            id=row["id"],
            doc_id=row["doc_id"],
            target_version=row["target_version"],
            file_name=row["file_name"],
            file=self._absolute(row["file"]),
            chosen=json.loads(row["chosen"]),
            uploaded_by=row["uploaded_by"],
            uploaded_at=row["uploaded_at"],
            changes=json.loads(row["changes"]),
        )

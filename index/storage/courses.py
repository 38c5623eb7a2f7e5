"""The courses tables: a trainer's passages in order, with notes, as typed records."""

from __future__ import annotations

from index.storage.database import Database, utc_now
from index.storage.records import Course, CourseItem


def _course(row: dict | None) -> Course | None:
    return Course(**(row | {"published": bool(row["published"])})) if row else None


class Courses:
    def __init__(self, db: Database):
        self.db = db

    def create(self, slug: str, title: str, description: str, owner: str) -> Course:
        """Under `slug`, or `slug-2`, `slug-3` … when it is taken."""
        with self.db.transaction(lock="kb-courses"):
            taken = {
                row["slug"]
                for row in self.db.query("SELECT slug FROM courses WHERE slug = ? OR slug LIKE ?", (slug, f"{slug}-%"))
            }
            base, n = slug, 2
            while slug in taken:
                slug, n = f"{base}-{n}", n + 1
            course_id = self.db.insert(
                "INSERT INTO courses (slug, title, description, owner) VALUES (?, ?, ?, ?)",
                (slug, title, description, owner),
            )
        return self.get(str(course_id))

    def get(self, key: str) -> Course | None:
        """By id or by slug: both links keep working."""
        if key.isdigit():
            return _course(self.db.one("SELECT * FROM courses WHERE id = ?", (int(key),)))
        return _course(self.db.one("SELECT * FROM courses WHERE slug = ?", (key,)))

    def owned_by(self, owner: str) -> list[Course]:
        rows = self.db.query("SELECT * FROM courses WHERE owner = ? ORDER BY updated_at DESC, id DESC", (owner,))
        return [_course(r) for r in rows]

    def published(self) -> list[Course]:
        return [_course(r) for r in self.db.query("SELECT * FROM courses WHERE published = 1 ORDER BY title")]

    def update(self, course_id: int, title: str, description: str, published: bool) -> None:
        self.db.run(
            "UPDATE courses SET title = ?, description = ?, published = ?, updated_at = ? WHERE id = ?",
            (title, description, int(published), utc_now(), course_id),
        )

    def items(self, course_id: int) -> list[CourseItem]:
        rows = self.db.query("SELECT * FROM course_items WHERE course_id = ? ORDER BY position, id", (course_id,))
        return [CourseItem(**r) for r in rows]

    def add(self, course_id: int, chunk_id: str) -> int:
        with self.db.transaction(lock="kb-courses"):
            last = self.db.value(
                "SELECT coalesce(max(position), 0) FROM course_items WHERE course_id = ?", (course_id,)
            )
            item_id = self.db.insert(
                "INSERT INTO course_items (course_id, position, chunk_id) VALUES (?, ?, ?)",
                (course_id, last + 1, chunk_id),
            )
            self._touch(course_id)
        return item_id

    def move(self, course_id: int, item_id: int, step: int) -> None:
        """Swap with the neighbour; positions are rewritten 1..n so they never collide."""
        with self.db.transaction(lock="kb-courses"):
            ids = [
                r["id"]
                for r in self.db.query(
                    "SELECT id FROM course_items WHERE course_id = ? ORDER BY position, id", (course_id,)
                )
            ]
            if item_id not in ids:
                return
            i = ids.index(item_id)
            j = i + step
            if 0 <= j < len(ids):
                ids[i], ids[j] = ids[j], ids[i]
            self.db.many(
                "UPDATE course_items SET position = ? WHERE id = ?", [(n, id_) for n, id_ in enumerate(ids, 1)]
            )
            self._touch(course_id)

    def set_note(self, course_id: int, item_id: int, note: str) -> None:
        with self.db.transaction():
            self.db.run("UPDATE course_items SET note = ? WHERE id = ? AND course_id = ?", (note, item_id, course_id))
            self._touch(course_id)

    def remove(self, course_id: int, item_id: int) -> None:
        with self.db.transaction():
            self.db.run("DELETE FROM course_items WHERE id = ? AND course_id = ?", (item_id, course_id))
            self._touch(course_id)

    def _touch(self, course_id: int) -> None:
        self.db.run("UPDATE courses SET updated_at = ? WHERE id = ?", (utc_now(), course_id))

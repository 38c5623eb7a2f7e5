"""Every table and every line of SQL: the corpus, accounts, courses, the audit log and migrations.

SQLite by default, PostgreSQL when KB_DATABASE_URL names a server. Nothing
outside this package speaks SQL (tests/test_storage.py checks).
"""

from index.storage.database import WriterBusy
from index.storage.generations import digest, generation_dir, generation_encoder
from index.storage.records import AuditEntry, Course, CourseItem, Document, NewPassage, Passage, User, Version
from index.storage.store import Store

__all__ = [
    "AuditEntry",
    "Course",
    "CourseItem",
    "Document",
    "NewPassage",
    "Passage",
    "Store",
    "User",
    "Version",
    "WriterBusy",
    "digest",
    "generation_dir",
    "generation_encoder",
]

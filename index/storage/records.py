"""What the storage layer hands out about accounts and courses: typed records, not rows."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class User:
    name: str
    role: str  # editor | trainer


@dataclass(frozen=True)
class AuditEntry:
    at: str
    who: str | None
    action: str
    detail: str


@dataclass(frozen=True)
class Course:
    id: int
    slug: str
    title: str
    description: str
    owner: str
    published: bool
    created_at: str
    updated_at: str


@dataclass(frozen=True)
class CourseItem:
    id: int
    course_id: int
    position: int
    chunk_id: str
    note: str
    added_at: str

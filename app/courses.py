"""Courses: trainers collect passages with notes and publish them as a read-only page with a stable link.

A course item keeps only the chunk_id. Chunks are never deleted, so an item always
resolves; when its passage left the current version of the document, the course
says so and points to the closest current passage instead of a dead link.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from app.auth import check_csrf, current_user, require_role
from index.ops.history import closest_current
from index.retrieve.search import Searcher
from index.card.status import STATUS_LABELS, document_status
from index.storage import Course, CourseItem, Document, Passage, Store, User
from ingest.model import TableData

COURSE_ROLES = ("trainer", "editor")
MATRIX_LEGEND = "X = verksamheten ansvarar. K = kan utföras, men då i samverkan med en annan aktör."
MAX_TITLE = 200
MAX_TEXT = 4000


def can_edit_courses(user: User | None) -> bool:
    return user is not None and user.role in COURSE_ROLES


def can_edit(user: User | None, course: Course) -> bool:
    """Trainers edit their own courses; editors, who answer for the whole site, edit any."""
    return can_edit_courses(user) and (user.role == "editor" or user.name == course.owner)


def editable_courses(store: Store, user: User | None) -> list[Course]:
    """The courses the menu offers to add a passage to: the user's own."""
    return store.courses.owned_by(user.name) if can_edit_courses(user) else []


def slugify(title: str) -> str:
    """A readable link part: lower-case ASCII words; never only digits, which would read as an id."""
    ascii_ = unicodedata.normalize("NFKD", title.lower()).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_).strip("-")[:60].strip("-") or "kurs"
    return f"kurs-{slug}" if slug.isdigit() else slug


def resolve_items(store: Store, items: list[CourseItem]) -> list[dict]:
    """Each item with its passage, its document, and the current passage when it has changed."""
    resolved = []
    for item in items:
        passage = store.passage(item.chunk_id)
        document = store.document(passage.doc_id) if passage else None
        current = None
        if passage is not None and not passage.active:
            current = closest_current(store, passage)
        resolved.append(asdict(item) | {"passage": passage, "document": document, "current": current})
    return resolved


def markdown_of(course: Course, items: list[dict], base_url: str) -> str:
    """The course as Markdown: each passage quoted, cited and permalinked, with the trainer's note.

    `base_url` is KB_BASE_URL, or empty for links relative to the site.
    """
    lines = [f"# {course.title}", ""]
    if course.description:
        lines += [course.description, ""]
    lines += [f"Kursens länk: {base_url}/courses/{course.slug}", ""]
    for number, item in enumerate(items, 1):
        passage, document = item["passage"], item["document"]
        if passage is None:
            lines += [f"## {number}. Avsnittet finns inte längre", ""]
            continue
        heading = passage.section or document.title
        lines += [f"## {number}. {heading}", ""]
        status = document_status(document)
        if status != "gällande" or passage.proposal:
            lines += [f"*{STATUS_LABELS[status] if status != 'gällande' else 'förslag'}*", ""]
        lines += [f"> {line}" if line.strip() else ">" for line in quoted_lines(passage)]
        if is_matrix(passage.table):
            lines += ["", MATRIX_LEGEND]
        lines += [
            "",
            f"Källa: {citation(passage, document)}. Permanent länk: {base_url}/passage/{passage.chunk_id}",
            "",
        ]
        if not passage.active:
            lines.append("*Avsnittet har ändrats i en nyare version.*")
            if item["current"]:
                lines.append(f"Gällande avsnitt: {base_url}/passage/{item['current'].chunk_id}")
            lines.append("")
        if item["note"]:
            lines += [f"Anteckning: {item['note']}", ""]
    return "\n".join(lines)


def is_matrix(table: TableData | None) -> bool:
    """A passage's table is a responsibility matrix: rows of X and K marks, which need the legend beside them."""
    return table is not None and table.kind != "recommendations"


def quoted_lines(passage: Passage) -> list[str]:
    """The passage's lines for a Markdown quote; a table's rows as a list, so viewers do not run them together."""
    lines = passage.text.splitlines()
    if not passage.table:
        return lines
    return lines[:1] + [f"- {line}" if line.strip() else line for line in lines[1:]]


def citation(passage: Passage, document: Document) -> str:
    parts = [document.title]
    if document.region:
        parts.append(document.region)
    if passage.section:
        parts.append(passage.section)
    if passage.page:
        parts.append(f"s. {passage.page}")
    elif passage.line_start:
        parts.append(f"rad {passage.line_start}–{passage.line_end}")
    return ", ".join(parts)


class CourseSite:
    """What the course pages work with: the store's courses and passages, the address links in exports
    are made with (the configured one, else relative: never the request's Host header, which anyone can
    set) and the page templates. One per app, in `app.state.courses`."""

    def __init__(self, searcher: Searcher, templates: Jinja2Templates):
        self.store = searcher.store
        self.courses = searcher.store.courses
        self.base_url = searcher.settings.base_url
        self.templates = templates
        templates.env.globals.update(citation=citation, is_matrix=is_matrix, matrix_legend=MATRIX_LEGEND)

    def editable(self, course_id: int, user: User) -> Course:
        course = self.courses.get(str(course_id))
        if course is None:
            raise HTTPException(404, "Kursen finns inte.")
        if not can_edit(user, course):
            raise HTTPException(403, "Du kan bara ändra dina egna kurser.")
        return course

    def readable(self, request: Request, key: str) -> Course:
        """Published courses are public; a draft is seen only by those who may edit it."""
        course = self.courses.get(key)
        if course is None or not (course.published or can_edit(current_user(request), course)):
            raise HTTPException(404, "Kursen finns inte eller är inte publicerad.")
        return course

    def render(self, request: Request, template: str, context: dict, **kwargs):
        user = current_user(request)
        base = {"user": user, "my_courses": editable_courses(self.store, user)}
        return self.templates.TemplateResponse(request, template, base | context, **kwargs)


def back_to_edit(course_id: int, anchor: str = "", **query) -> RedirectResponse:
    suffix = "?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else ""
    return RedirectResponse(f"/courses/{course_id}/edit{suffix}{anchor}", status_code=303)


def site_of(request: Request) -> CourseSite:
    return request.app.state.courses


SiteDep = Annotated[CourseSite, Depends(site_of)]
EDITOR = Depends(require_role(*COURSE_ROLES))
router = APIRouter(include_in_schema=False)


@router.get("/courses", response_class=HTMLResponse)
def course_list(site: SiteDep, request: Request):
    return site.render(request, "courses.html", {"published": site.courses.published()})


@router.post("/courses")
def create_course(
    site: SiteDep,
    request: Request,
    title: str = Form(""),
    description: str = Form(""),
    csrf: str = Form(""),
    user=EDITOR,
):
    check_csrf(request, csrf)
    title = title.strip()[:MAX_TITLE]
    if not title:
        return site.render(
            request,
            "courses.html",
            {"published": site.courses.published(), "error": "Ge kursen ett namn."},
            status_code=422,
        )
    course = site.courses.create(slugify(title), title, description.strip()[:MAX_TEXT], user.name)
    return back_to_edit(course.id)


@router.post("/courses/add")
def add_item(
    site: SiteDep,
    request: Request,
    course_id: int = Form(...),
    chunk_id: str = Form(...),
    csrf: str = Form(""),
    user=EDITOR,
):
    check_csrf(request, csrf)
    course = site.editable(course_id, user)
    if site.store.passage(chunk_id) is None:
        raise HTTPException(404, "Avsnittet finns inte.")
    item_id = site.courses.add(course.id, chunk_id)
    if request.headers.get("HX-Request"):  # added from a search result: say so there and stay
        return site.templates.TemplateResponse(request, "_course_added.html", {"course": course})
    return back_to_edit(course.id, f"#item-{item_id}", added=item_id)


@router.get("/courses/{course_id}/edit", response_class=HTMLResponse)
def edit_course(site: SiteDep, request: Request, course_id: int, added: int | None = None, user=EDITOR):
    course = site.editable(course_id, user)
    items = resolve_items(site.store, site.courses.items(course.id))
    return site.render(request, "course_edit.html", {"course": course, "items": items, "added": added})


@router.post("/courses/{course_id}/settings")
def save_settings(
    site: SiteDep,
    request: Request,
    course_id: int,
    title: str = Form(""),
    description: str = Form(""),
    published: str = Form(""),
    csrf: str = Form(""),
    user=EDITOR,
):
    check_csrf(request, csrf)
    course = site.editable(course_id, user)
    site.courses.update(
        course.id, title.strip()[:MAX_TITLE] or course.title, description.strip()[:MAX_TEXT], bool(published)
    )
    return back_to_edit(course.id, saved=1)


@router.post("/courses/{course_id}/items/{item_id}/move")
def move_item(
    site: SiteDep,
    request: Request,
    course_id: int,
    item_id: int,
    direction: str = Form(...),
    csrf: str = Form(""),
    user=EDITOR,
):
    check_csrf(request, csrf)
    course = site.editable(course_id, user)
    site.courses.move(course.id, item_id, -1 if direction == "up" else 1)
    return back_to_edit(course.id, f"#item-{item_id}")


@router.post("/courses/{course_id}/items/{item_id}/note")
def save_note(
    site: SiteDep,
    request: Request,
    course_id: int,
    item_id: int,
    note: str = Form(""),
    csrf: str = Form(""),
    user=EDITOR,
):
    check_csrf(request, csrf)
    course = site.editable(course_id, user)
    site.courses.set_note(course.id, item_id, note.strip()[:MAX_TEXT])
    return back_to_edit(course.id, f"#item-{item_id}")


@router.post("/courses/{course_id}/items/{item_id}/remove")
def remove_item(site: SiteDep, request: Request, course_id: int, item_id: int, csrf: str = Form(""), user=EDITOR):
    check_csrf(request, csrf)
    course = site.editable(course_id, user)
    site.courses.remove(course.id, item_id)
    return back_to_edit(course.id)


# Declared before /courses/{key} so "3.md" is an export, not a slug.
@router.get("/courses/{key}.md")
def course_markdown(site: SiteDep, request: Request, key: str):
    course = site.readable(request, key)
    items = resolve_items(site.store, site.courses.items(course.id))
    body = markdown_of(course, items, site.base_url)
    return Response(
        body,
        media_type="text/markdown; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{course.slug}.md"'},
    )


@router.get("/courses/{key}/print", response_class=HTMLResponse)
def course_print(site: SiteDep, request: Request, key: str):
    course = site.readable(request, key)
    items = resolve_items(site.store, site.courses.items(course.id))
    return site.templates.TemplateResponse(
        request, "course_print.html", {"course": course, "items": items, "base_url": site.base_url}
    )


@router.get("/courses/{key}", response_class=HTMLResponse)
def course_page(site: SiteDep, request: Request, key: str):
    course = site.readable(request, key)
    items = resolve_items(site.store, site.courses.items(course.id))
    return site.render(
        request,
        "course.html",
        {"course": course, "items": items, "editable": can_edit(current_user(request), course)},
    )

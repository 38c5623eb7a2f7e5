"""axe-core on every kind of page, on a desktop and on a phone, in Debian's Chromium.

A violation of impact serious or critical fails the test, and so does a page wider than
the window (a phone user would have to scroll sideways).
"""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe

from app.courses import is_matrix, slugify
from tests.browser import (  # noqa: F401
    QUESTION,
    browser_context_args,
    browser_type_launch_args,
    login,
    page,
    pytestmark,
    server,
    shots,
)
from tests.ui_fixtures import NORRBOTTEN, ui_base  # noqa: F401

BLOCKING = ("serious", "critical")
WIDTHS = {"desktop": (1280, 800), "phone": (360, 740)}


def pages(course_id: int, slug: str, chunk_id: str, draft: str) -> list[str]:
    """One address of every kind of page: search, reading, courses, editors' pages with a draft, the 404 page."""
    return [
        "/",
        f"/?q={QUESTION}",
        f"/passage/{chunk_id}",
        f"/documents/{NORRBOTTEN}?passage={chunk_id}#c-{chunk_id}",
        f"/documents/{NORRBOTTEN}/versions",
        "/login",
        "/courses",
        f"/courses/{course_id}/edit",
        f"/courses/{slug}",
        f"/courses/{slug}/print",
        "/admin",
        "/admin/upload",
        f"/admin/documents/{NORRBOTTEN}",
        f"/admin/documents/{NORRBOTTEN}/reading",
        "/admin/jobs",
        "/admin/audit",
        draft,
        f"{draft}?q=vem+ansvarar+för+naloxon",
        "/finns-inte",
    ]


def matrix_chunk(store) -> str:
    """A passage of the Norrbotten responsibility matrix: rows of X and K marks."""
    found = [p.chunk_id for p in store.document_passages(NORRBOTTEN) if is_matrix(p.table)]
    assert found, "Norrbottens ansvarsmatris saknas i indexet"
    return found[0]


def upload_draft(page, server: str, name: str) -> str:
    """Upload a file through the form, as an editor does; the address of the draft it becomes."""
    page.goto(server + "/admin/upload")
    text = "# Rutin för naloxon\n\n## Ansvar\n\nRegionen ansvarar för utdelning av naloxon.\n"
    page.set_input_files("#file", files=[{"name": name, "mimeType": "text/markdown", "buffer": text.encode()}])
    page.get_by_role("button", name="Ladda upp och läs som utkast").click()
    link = page.get_by_role("link", name="Granska utkastet")
    link.wait_for(timeout=240_000)
    return link.get_attribute("href")


@pytest.mark.parametrize("screen", WIDTHS)
def test_no_serious_violations_and_no_sideways_scroll(shots, server, screen):  # noqa: F811
    width, height = WIDTHS[screen]
    page = shots.open(viewport={"width": width, "height": height})
    login(page, server, "redaktor")
    store = server.store
    chunk_id = matrix_chunk(store)
    courses = store.courses
    title = f"Tillgänglighet {screen}"
    course = courses.create(slugify(title), title, "Kurs för axe.", "redaktor")
    courses.add(course.id, chunk_id)
    courses.add(course.id, chunk_id)
    courses.update(course.id, course.title, course.description, True)

    draft = upload_draft(page, server, f"naloxon-{screen}.md")

    axe = Axe()
    problems = []
    for path in pages(course.id, course.slug, chunk_id, draft):
        page.goto(server + path)
        page.wait_for_load_state("networkidle")
        result = axe.run(page)
        for violation in result.response["violations"]:
            if violation["impact"] in BLOCKING:
                targets = [node["target"] for node in violation["nodes"]][:3]
                problems.append(f"{path}: {violation['id']} ({violation['impact']}) {targets}")
        wide = page.evaluate("document.documentElement.scrollWidth")
        if wide > width:
            problems.append(f"{path}: {wide} px bred i ett {width} px fönster")
    assert not problems, "\n".join(problems)

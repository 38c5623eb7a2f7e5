"""Staff and trainers in a real browser: Debian's Chromium, headless, against a real uvicorn server.

Screenshots of failing tests are kept under test-results/.
"""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser import (  # noqa: F401
    QUESTION,
    browser_context_args,
    browser_type_launch_args,
    page,
    pytestmark,
    search,
    server,
    shots,
)
from tests.ui_fixtures import PASSWORD, ui_base  # noqa: F401


def test_search_shows_the_answer_card_and_filters_by_region(page, server):
    page.goto(server + "/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    search(page, server, QUESTION)
    card = page.locator(".answer")
    assert card.is_visible()
    assert card.locator("h2").inner_text().startswith("Ansvarig huvudman:")
    assert page.locator(".result mark").count() > 0

    page.locator("#filters summary").click()  # the filters are folded until opened
    page.select_option("#region", "Dalarna")
    page.wait_for_url(re.compile(r"region=Dalarna"))
    expect(page.locator(".result .meta").first).to_contain_text("Dalarna")
    metas = page.locator(".result .meta").all_inner_texts()
    own = ["Dalarna" in m for m in metas]
    assert own[0] and own == sorted(own, reverse=True)
    for result in page.locator(".result.other-region").all():
        assert "Annat län" in result.inner_text()
    assert any(c["name"] == "kb_region" and c["value"] == "Dalarna" for c in page.context.cookies())

    page.reload()  # the choice is remembered
    assert page.locator("#region").input_value() == "Dalarna"


def test_search_without_javascript(shots, server):
    page = shots.open(java_script_enabled=False)
    page.goto(server + "/")
    page.fill("#q", "LARO ansvar")
    page.press("#q", "Enter")
    page.wait_for_url(re.compile(r"q=LARO"))
    assert page.locator(".result").count() >= 3


def test_passage_copy_link_and_document_reader(page, server):
    search(page, server, "sprututbyte")
    page.locator(".result h3 a").first.click()
    page.wait_for_url(re.compile(r"/passage/"))
    chunk_id = page.url.rsplit("/", 1)[1]
    button = page.get_by_role("button", name="Kopiera länk")
    button.click()
    page.get_by_text("Länken är kopierad").first.wait_for()
    assert page.evaluate("navigator.clipboard.readText()") == f"{server}/passage/{chunk_id}"

    page.locator(".facts a").first.click()
    page.wait_for_url(re.compile(rf"passage={chunk_id}#c-{chunk_id}$"))
    cited = page.locator(f"#c-{chunk_id}")
    assert "cited" in cited.get_attribute("class")
    assert cited.is_visible() and page.locator(".chunk.cited").count() == 1
    box, viewport = cited.bounding_box(), page.viewport_size
    assert 0 <= box["y"] < viewport["height"]  # scrolled to the cited passage
    first_heading = page.locator(".toc a").first.get_attribute("href")
    assert page.locator(first_heading).count() == 1


def test_trainer_builds_and_publishes_a_course(page, server):
    page.goto(server + "/courses")
    page.get_by_role("link", name="Logga in").first.click()
    page.fill("#name", "utbildare")
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    page.wait_for_url(re.compile(r"/courses$"))

    page.fill("#title", "Abstinens i praktiken")
    page.get_by_role("button", name="Skapa kurs").click()
    page.wait_for_url(re.compile(r"/courses/\d+/edit"))
    course_id = re.search(r"/courses/(\d+)/edit", page.url).group(1)

    chosen = []
    for query in ("abstinensbehandling", "LARO ansvar"):
        search(page, server, query)
        result = page.locator(".result").nth(len(chosen))
        chosen.append(result.locator("h3 a").get_attribute("href").rsplit("/", 1)[1])
        result.get_by_role("button", name="Lägg till").click()
        result.get_by_role("status").filter(has_text="Tillagd i kursen Abstinens i praktiken").wait_for()
    page.goto(f"{server}/courses/{course_id}/edit")

    def order() -> list[str]:
        return [
            h.rsplit("/", 1)[1]
            for h in page.locator(".course-item .item-title a").evaluate_all(
                "els => els.map(e => e.getAttribute('href'))"
            )
        ]

    assert order() == chosen
    page.get_by_role("button", name="Flytta upp avsnitt 2").click()
    page.wait_for_load_state()
    assert order() == chosen[::-1]

    page.fill("#note-" + page.locator(".course-item").first.get_attribute("id").split("-")[1], "Diskutera i grupp.")
    page.get_by_role("button", name="Spara anteckningen").first.click()
    page.wait_for_load_state()
    page.check("#published")
    page.get_by_role("button", name="Spara", exact=True).click()
    page.get_by_text("Kursen är sparad.").wait_for()

    markdown = page.request.get(f"{server}/courses/{course_id}.md")
    assert markdown.headers["content-type"].startswith("text/markdown")
    assert (
        f"Permanent länk: /passage/{chosen[1]}" in markdown.text()
        and "Anteckning: Diskutera i grupp." in markdown.text()
    )
    public = page.locator(".permalink a").get_attribute("href")

    page.get_by_role("button", name="Logga ut").click()
    page.wait_for_url(server + "/")
    page.goto(server + public)
    assert page.locator("h1").inner_text() == "Abstinens i praktiken"
    assert "Diskutera i grupp." in page.locator(".note").first.inner_text()
    assert page.locator("main form").count() == 0
    page.get_by_role("link", name="Utskriftsvänlig version").click()
    page.get_by_role("link", name=f"/passage/{chosen[0]}").click()  # relative permalinks lead back here
    assert page.url == f"{server}/passage/{chosen[0]}"


def test_phone_screen_has_no_horizontal_scroll(shots, server):
    page = shots.open(viewport={"width": 360, "height": 740})
    search(page, server, QUESTION)
    assert page.locator(".answer").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.locator(".result h3 a").first.click()
    page.wait_for_url(re.compile(r"/passage/"))
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

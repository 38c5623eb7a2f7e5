"""Staff and trainers in a real browser: Debian's Chromium, headless, against a real uvicorn server.

Screenshots of failing tests are kept under test-results/.
"""

from __future__ import annotations

import re
import socket
import threading
import time
from pathlib import Path

import pytest
import uvicorn

from app.auth import add_user
from app.web import create_app
from index.config import PROJECT_DIR
from index.search import Searcher
from tests.ui_fixtures import PASSWORD, clone, ui_base  # noqa: F401

CHROMIUM = Path("/usr/bin/chromium")
RESULTS_DIR = PROJECT_DIR / "test-results"
QUESTION = "vem ansvarar för abstinensbehandling"

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="Debians chromium saknas (/usr/bin/chromium); `apt-get install chromium` (CI gör det)"
)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "headless": True,
        "args": [
            "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "permissions": ["clipboard-read", "clipboard-write"], "locale": "sv-SE"}


@pytest.fixture(scope="module")
def server(ui_base, tmp_path_factory, embedder):  # noqa: F811
    """uvicorn in a background thread on a free port, over its own copy of the real index."""
    workspace = clone(ui_base, tmp_path_factory.mktemp("browser"))
    app = create_app(workspace.settings, Searcher(workspace.settings, embedder))
    add_user(app.state.searcher.store, "utbildare", "trainer", PASSWORD)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    uv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not uv.started:
        assert time.monotonic() < deadline, "servern startade inte"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    uv.should_exit = True
    thread.join(timeout=10)


class Shots:
    """Pages of one test: screenshots kept under test-results/ if it fails, own contexts closed after."""

    def __init__(self, browser):
        self.browser, self.pages, self.contexts = browser, [], []

    def keep(self, page):
        self.pages.append(page)
        return page

    def open(self, **context_args):
        context = self.browser.new_context(**context_args)
        self.contexts.append(context)
        return self.keep(context.new_page())


@pytest.fixture
def shots(browser, request):
    shots = Shots(browser)
    failed_before = request.session.testsfailed
    yield shots
    if request.session.testsfailed > failed_before:
        RESULTS_DIR.mkdir(exist_ok=True)
        name = re.sub(r"[^\w.-]+", "_", request.node.nodeid)
        for number, page in enumerate(shots.pages):
            page.screenshot(path=str(RESULTS_DIR / f"{name}-{number}.png"), full_page=True)
    for context in shots.contexts:
        context.close()


@pytest.fixture
def page(page, shots):
    return shots.keep(page)


def search(page, base: str, query: str) -> None:
    page.goto(base + "/")
    page.fill("#q", query)
    page.wait_for_url(re.compile(r"\?q="))
    page.locator(".result").first.wait_for()


def test_search_shows_the_answer_card_and_filters_by_region(page, server):
    page.goto(server + "/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    search(page, server, QUESTION)
    card = page.locator(".answer")
    assert card.is_visible()
    assert card.locator("h2").inner_text().startswith("Ansvarig huvudman:")
    assert page.locator(".result mark").count() > 0

    page.select_option("#region", "Dalarna")
    page.wait_for_url(re.compile(r"region=Dalarna"))
    page.wait_for_function("document.querySelector('.result .meta').textContent.includes('Dalarna')")
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
        page.wait_for_url(re.compile(rf"/courses/{course_id}/edit"))
        assert page.get_by_role("status").first.inner_text() == "Avsnittet har lagts till i kursen."

    def order() -> list[str]:
        return [h.rsplit("/", 1)[1] for h in page.locator(".course-item .item-title a").evaluate_all("els => els.map(e => e.getAttribute('href'))")]

    assert order() == chosen
    page.get_by_role("button", name="Flytta avsnitt 2 uppåt").click()
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
    assert f"Permanent länk: /passage/{chosen[1]}" in markdown.text() and "Anteckning: Diskutera i grupp." in markdown.text()
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

"""Debian's Chromium, headless, against a real uvicorn server over a copy of the real index: the
fixtures every browser test module shares. Screenshots of failing tests are kept under test-results/.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from app.auth import add_user
from app.web import create_app
from index.config import PROJECT_DIR
from index.retrieve.search import Searcher
from tests.servers import thread_server
from tests.ui_fixtures import PASSWORD, clone

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
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "permissions": ["clipboard-read", "clipboard-write"], "locale": "sv-SE"}


class Server(str):
    """The server's base URL, with the store behind it for tests that arrange data first."""

    store = None


@pytest.fixture(scope="module")
def server(ui_base, tmp_path_factory, embedder):  # noqa: F811
    """uvicorn in a background thread on a free port, over its own copy of the real index."""
    workspace = clone(ui_base, tmp_path_factory.mktemp("browser"))
    app = create_app(workspace.settings, Searcher(workspace.settings, embedder))
    add_user(app.state.searcher.store, "utbildare", "trainer", PASSWORD)
    add_user(app.state.searcher.store, "redaktor", "editor", PASSWORD)
    with thread_server(app) as url:
        base = Server(url)
        base.store = app.state.searcher.store
        yield base


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


def wait_for_cookie(page, name: str, value: str, timeout: float = 10.0) -> None:
    """Until the page has set this cookie. Polled from here: the pages' CSP forbids the string
    evaluation that `page.wait_for_function` falls back to while it waits."""
    deadline = time.monotonic() + timeout
    while not any(c["name"] == name and c["value"] == value for c in page.context.cookies()):
        assert time.monotonic() < deadline, f"kakan {name}={value} sattes inte"
        page.wait_for_timeout(50)


def login(page, base: str, name: str) -> None:
    """Sign in through the login form, as a person does."""
    page.goto(base + "/login")
    page.fill("#name", name)
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    page.wait_for_load_state()

"""/docs in Debian's Chromium: Swedish titles, and axe-core finds nothing serious or critical,
neither on the page as it opens nor with an operation tried out."""

from __future__ import annotations

from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe

from app.web import create_app
from index.config import Settings
from index.retrieve.search import Searcher
from tests.conftest import CORPUS
from tests.servers import thread_server

CHROMIUM = Path("/usr/bin/chromium")
SEARCH = "[id='operations-sök-api_search_api_search_get']"

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="Debians chromium saknas (/usr/bin/chromium); `apt-get install chromium` (CI gör det)"
)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """pytest-playwright's browser, so this test shares its event loop with the other browser tests."""
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM), "headless": True, "args": ["--no-sandbox"]}


def serious(page) -> list[str]:
    # Swagger UI's buttons fade between colours (0.3 s); axe must see where they end, not a frame between.
    for _ in range(50):
        if not page.evaluate("() => document.getAnimations().some(a => a.playState === 'running')"):
            break
        page.wait_for_timeout(100)
    violations = Axe().run(page).response["violations"]
    return [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']]}"
        for v in violations
        if v["impact"] in ("serious", "critical")
    ]


def test_docs_are_swedish_and_pass_axe(tmp_path, embedder, browser):
    """The page needs no index: it documents the API, and a tried-out call answers 503 just as well."""
    settings = Settings.from_env(data_dir=tmp_path / "data", corpus_dir=CORPUS)
    with thread_server(create_app(settings, Searcher(settings, embedder))) as base:
        page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="sv-SE")
        try:
            outside = []
            page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(base) else None)
            page.goto(base + "/docs")
            page.wait_for_selector(".opblock-summary-description")
            summaries = page.locator(".opblock-summary-description").all_inner_texts()
            assert "Sök i dokumenten" in summaries and "Kontrollera att tjänsten är redo" in summaries
            assert not any(s.startswith(("Api ", "Healthz")) for s in summaries) and all(summaries)
            assert serious(page) == []

            operation = page.locator(SEARCH)
            operation.locator(".opblock-summary-control").click()
            operation.locator("button.try-out__btn").click()
            operation.locator('input[placeholder="q"]').fill("vem ansvarar för LARO")
            operation.locator("button.execute").click()
            operation.locator(".responses-wrapper .live-responses-table").wait_for()
            assert serious(page) == []
            assert outside == []  # everything is served from here: no CDN on an offline intranet
        finally:
            page.close()

"""Fixtures that build a real index of the real corpus once per test session.

Everything runs for real: SQLite, PostgreSQL (tests/postgres.py), FAISS, the bundled encoder.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
# FastAPI's test client addresses the app as "testserver"; real servers in tests are reached at 127.0.0.1.
os.environ.setdefault("KB_ALLOWED_HOSTS", "testserver, localhost, 127.0.0.1")

from index.config import PROJECT_DIR, Settings  # noqa: E402

CORPUS = PROJECT_DIR / "corpus"
# Test files that start `kb serve` processes or a browser: left out of `make test-fast` with the model tests.
_SERVER_FILES = {"test_server.py", "test_replicas.py"}
_BROWSER_FILES = {"test_browser.py"}
_BROWSER_FIXTURES = {"page", "browser", "context"}  # Playwright's: a test that takes one drives Chromium
DEV_QUESTIONS = PROJECT_DIR.parent / "shared" / "eval" / "dev.jsonl"


@pytest.fixture(scope="session")
def embedder():
    from index.retrieve.embedder import load_encoder

    encoder = load_encoder(Settings.from_env())
    embed = encoder.embed_passages
    vectors: dict = {}

    def remembered(passages: list[str], progress: bool = False):
        """The real model, remembering each passage's vector for the session: the many small indexes the
        tests build re-embed the same corpus files, and once is enough (each index's own cache still
        decides what it embeds, so what a run reports as embedded is unchanged)."""
        missing = [p for p in dict.fromkeys(passages) if p not in vectors]
        vectors.update(zip(missing, embed(missing, progress)))
        return np.stack([vectors[p] for p in passages]) if passages else embed([])

    encoder.embed_passages = remembered
    return encoder


def read_jsonl(path: Path) -> list[dict]:
    """A question file as it is, one object per line: for sets that `load_questions` would refuse
    (no gold passage, as off-corpus questions have none)."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def make_settings(data_dir: Path, **overrides) -> Settings:
    return Settings.from_env(data_dir=data_dir, corpus_dir=CORPUS, **overrides)


@pytest.fixture(params=["sqlite", "postgresql"])
def backend_settings(request, tmp_path) -> Settings:
    """Settings over an empty database of each backend: SQLite in the data dir, a fresh PostgreSQL database."""
    if request.param == "sqlite":
        yield make_settings(tmp_path / "data")
        return
    from tests.postgres import fresh_database

    with fresh_database() as url:
        yield make_settings(tmp_path / "data", database_url=url)


@pytest.fixture(scope="session")
def settings(tmp_path_factory) -> Settings:
    return make_settings(tmp_path_factory.mktemp("data"))


@pytest.fixture(scope="session")
def ingest_run(settings, embedder):
    from index.building.indexer import Indexer

    return Indexer(settings, embedder).ingest([CORPUS])


@pytest.fixture(scope="session")
def searcher(settings, embedder, ingest_run):
    from index.retrieve.search import Searcher

    searcher = Searcher(settings, embedder)
    searcher.load()
    return searcher


@pytest.fixture(scope="session")
def client(settings, searcher):
    from fastapi.testclient import TestClient

    from app.web import create_app

    with TestClient(create_app(settings, searcher)) as client:
        yield client


def pytest_collection_modifyitems(items):
    """Marks for `make test-fast`, which leaves out what builds or searches an index with the embedding model
    (the corpus index among them), starts servers or a browser."""
    for item in items:
        name = item.path.name
        if "embedder" in item.fixturenames:
            item.add_marker(pytest.mark.model)
        if name in _SERVER_FILES:
            item.add_marker(pytest.mark.servers)
        if any("shared" in str(mark.kwargs.get("reason", "")) for mark in item.iter_markers("skipif")):
            item.add_marker(pytest.mark.shared)  # needs ../shared; skipped, with the reason, where it is missing
        parametrized = set(item.callspec.params) if hasattr(item, "callspec") else set()
        if name in _BROWSER_FILES or _BROWSER_FIXTURES & (set(item.fixturenames) - parametrized):
            item.add_marker(pytest.mark.browser)

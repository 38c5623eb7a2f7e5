"""Two `kb serve` processes on one PostgreSQL database, each with its own data dir and one shared folder.

What one server does, the other sees: an uploaded document becomes searchable
through both once its generation is committed, an account and its session work
on both, a course made through one is shown by the other. And only one of them
writes at a time.
"""

from __future__ import annotations

import re
import shutil
from contextlib import ExitStack

import httpx
import pytest

from app.auth import add_user
from index.building.indexer import Indexer
from index.storage import Store
from tests.conftest import CORPUS, make_settings
from tests.postgres import fresh_database
from tests.servers import kb_serve
from tests.test_admin import NEW_DOC_MD, publish, wait_for
from tests.test_auth import PASSWORD


@pytest.fixture(scope="module")
def replicas(tmp_path_factory, embedder):
    root = tmp_path_factory.mktemp("replicas")
    with fresh_database() as url, ExitStack() as servers:
        shared = root / "shared"
        first = make_settings(root / "a", database_url=url, shared_dir=shared)
        (root / "korpus").mkdir()
        shutil.copy(CORPUS / "norrbotten-handlingsplan-2021.md", root / "korpus")
        Indexer(first, embedder).ingest([root / "korpus"])
        add_user(Store(first), "rut", "editor", PASSWORD)
        env = {"KB_DATABASE_URL": url, "KB_SHARED_DIR": str(shared)}
        bases = []
        for name in ("a", "b"):
            (root / f"tmp-{name}").mkdir()
            bases.append(servers.enter_context(kb_serve(root / name, root / f"tmp-{name}", **env)))
        yield bases, first


def csrf(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def sign_in(client: httpx.Client, base: str = "") -> None:
    form = {"name": "rut", "password": PASSWORD, "next": "/admin", "csrf": csrf(client.get(f"{base}/login").text)}
    assert client.post(f"{base}/login", data=form).status_code == 303


def found(base: str, query: str) -> set[str]:
    response = httpx.get(f"{base}/api/search", params={"q": query}, timeout=60)
    assert response.status_code == 200, response.text
    return {r["doc_id"] for r in response.json()["results"]}


def test_an_upload_through_one_server_is_searchable_through_the_other(replicas):
    (one, other), _ = replicas
    assert httpx.get(f"{one}/healthz").json() == httpx.get(f"{other}/healthz").json()
    with httpx.Client(base_url=one, timeout=60) as client:
        sign_in(client)
        response = client.post(
            "/admin/upload",
            params={"csrf": csrf(client.get("/admin/upload").text)},
            files={"file": ("laro-rutin.md", NEW_DOC_MD.encode())},
            data={"title": "Samverkansrutin LARO", "region": "Dalarna"},
        )
        drafted = wait_for(client, response)
    question = "läkemedelsassisterad behandling vid opioidberoende"
    assert "laro-rutin" not in found(one, question) | found(other, question)  # a draft until it is published
    with httpx.Client(
        base_url=other, timeout=60
    ) as client:  # the editor's draft, read from PostgreSQL, on either server
        sign_in(client)
        assert "publicerad" in publish(client, drafted)
    assert "laro-rutin" in found(one, question)
    assert "laro-rutin" in found(other, question)
    assert httpx.get(f"{one}/healthz").json() == httpx.get(f"{other}/healthz").json()


def test_an_account_its_session_and_a_course_are_the_same_on_both(replicas):
    (one, other), _ = replicas
    with httpx.Client(timeout=60) as client:
        sign_in(client, one)
        assert client.get(f"{other}/admin").status_code == 200  # the cookie from one server is good on the other
        form = {"title": "Delad kurs", "description": "", "csrf": csrf(client.get(f"{one}/courses").text)}
        created = client.post(f"{one}/courses", data=form)
        assert created.status_code == 303
        course = re.fullmatch(r"/courses/(\d+)/edit", created.headers["location"]).group(1)
        assert "Delad kurs" in client.get(f"{other}/courses/{course}/edit").text
    with httpx.Client(timeout=60) as elsewhere:  # a fresh sign-in on the other server
        sign_in(elsewhere, other)
        assert "Delad kurs" in elsewhere.get(f"{one}/courses/{course}/edit").text


def test_one_writer_at_a_time_across_servers(replicas):
    """While another process holds the writer lock, an upload through either server waits its turn."""
    (one, other), settings = replicas
    with httpx.Client(base_url=other, timeout=60) as client, Store(settings).writer_lock():
        sign_in(client)
        response = client.post(
            "/admin/upload",
            params={"csrf": csrf(client.get("/admin/upload").text)},
            files={"file": ("annan-rutin.md", NEW_DOC_MD.replace("Testlän", "Annat län").encode())},
        )
        assert "En annan indexering pågår redan" in wait_for(client, response)

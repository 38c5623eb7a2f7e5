"""Trainers build, reorder, annotate, publish and export courses; links survive document revisions."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from app.auth import add_user
from app.courses import slugify
from app.web import create_app
from index.config import Settings
from index.retrieve.search import Searcher
from tests.ui_fixtures import (  # noqa: F401
    NORRBOTTEN,
    PASSWORD,
    clone,
    csrf_of,
    login,
    revise_norrbotten,
    ui_base,
)


@pytest.fixture(scope="module")
def workspace(ui_base, tmp_path_factory):  # noqa: F811
    return clone(ui_base, tmp_path_factory.mktemp("courses"))


@pytest.fixture(scope="module")
def app(workspace, embedder):
    app = create_app(workspace.settings, Searcher(workspace.settings, embedder))
    store = app.state.searcher.store
    add_user(store, "tränare", "trainer", PASSWORD)
    add_user(store, "annan", "trainer", PASSWORD)
    add_user(store, "redaktör", "editor", PASSWORD)
    return app


@pytest.fixture
def anonymous(app):
    with TestClient(app, follow_redirects=False) as client:
        yield client


@pytest.fixture
def trainer(app):
    with TestClient(app, follow_redirects=False) as client:
        login(client, "tränare")
        yield client


def passages(client, query: str, k: int = 3) -> list[dict]:
    return client.get("/api/search", params={"q": query, "k": k}).json()["results"]


def create_course(client, title: str) -> int:
    token = csrf_of(client.get("/courses").text)
    response = client.post("/courses", data={"title": title, "csrf": token})
    assert response.status_code == 303
    return int(re.match(r"/courses/(\d+)/edit", response.headers["location"]).group(1))


def add(client, course_id: int, chunk_id: str) -> int:
    token = csrf_of(client.get(f"/passage/{chunk_id}").text)
    response = client.post("/courses/add", data={"course_id": course_id, "chunk_id": chunk_id, "csrf": token})
    assert response.status_code == 303
    return int(re.search(r"#item-(\d+)", response.headers["location"]).group(1))


def item_order(client, course_id: int) -> list[int]:
    return [
        int(i)
        for i in re.findall(r'<li class="course-item" id="item-(\d+)">', client.get(f"/courses/{course_id}/edit").text)
    ]


def test_slugs_are_readable_and_never_look_like_ids():
    assert slugify("Introduktion för nyanställda") == "introduktion-for-nyanstallda"
    assert slugify("2024") == "kurs-2024"
    assert slugify("!!!") == "kurs"


def test_editing_needs_a_trainer_or_editor(anonymous):
    assert anonymous.get("/courses").status_code == 200
    response = anonymous.post("/courses", data={"title": "x"})
    assert response.status_code == 303 and response.headers["location"].startswith("/login")
    assert "Ny kurs" not in anonymous.get("/courses").text


def test_forms_without_csrf_token_are_refused(trainer):
    assert trainer.post("/courses", data={"title": "Utan kod"}).status_code == 403
    assert trainer.post("/courses", data={"title": "Fel kod", "csrf": "x"}).status_code == 403


def test_build_reorder_annotate_publish_and_read(app, trainer, anonymous):
    course_id = create_course(trainer, "Introduktion för nyanställda")
    first, second = passages(trainer, "vem ansvarar för abstinensbehandling", 2)
    a = add(trainer, course_id, first["chunk_id"])
    b = add(trainer, course_id, second["chunk_id"])
    assert item_order(trainer, course_id) == [a, b]
    edit = trainer.get(f"/courses/{course_id}/edit").text
    assert edit.count('name="csrf"') == edit.count("<form")  # every form carries the token
    token = csrf_of(edit)

    trainer.post(f"/courses/{course_id}/items/{b}/move", data={"direction": "up", "csrf": token})
    assert item_order(trainer, course_id) == [b, a]
    trainer.post(f"/courses/{course_id}/items/{b}/move", data={"direction": "up", "csrf": token})
    assert item_order(trainer, course_id) == [b, a]  # the first stays first
    trainer.post(f"/courses/{course_id}/items/{b}/move", data={"direction": "down", "csrf": token})
    assert item_order(trainer, course_id) == [a, b]
    note = "Fråga gruppen: <b>vem</b> gör vad?"
    trainer.post(f"/courses/{course_id}/items/{a}/note", data={"note": note, "csrf": token})

    slug = "introduktion-for-nyanstallda"
    assert anonymous.get(f"/courses/{slug}").status_code == 404  # a draft is not public
    trainer.post(
        f"/courses/{course_id}/settings",
        data={"title": "Introduktion (ny titel)", "description": "Första veckan.", "published": "1", "csrf": token},
    )
    page = anonymous.get(f"/courses/{slug}")  # the link survives the new title
    assert page.status_code == 200
    assert "Introduktion (ny titel)" in page.text and "Första veckan." in page.text
    assert "Fråga gruppen: &lt;b&gt;vem&lt;/b&gt; gör vad?" in page.text
    assert page.text.index(first["chunk_id"]) < page.text.index(second["chunk_id"])
    assert "Redigera kursen" not in page.text and "<form" not in page.text.split("<main")[1]
    assert anonymous.get(f"/courses/{course_id}").status_code == 200  # by id too
    assert slug in anonymous.get("/courses").text

    markdown = anonymous.get(f"/courses/{course_id}.md")
    assert markdown.status_code == 200 and markdown.headers["content-type"].startswith("text/markdown")
    text = markdown.text
    assert text.startswith("# Introduktion (ny titel)\n")
    assert f"Permanent länk: /passage/{first['chunk_id']}" in text  # relative: KB_BASE_URL is not set
    assert f"Källa: {first['title']}, {first['region']}" in text
    assert "Anteckning: Fråga gruppen: <b>vem</b> gör vad?" in text
    assert text.index("## 1.") < text.index("## 2.")

    printed = anonymous.get(f"/courses/{slug}/print").text
    assert f'href="/passage/{second["chunk_id"]}"' in printed and "Källa:" in printed

    trainer.post(f"/courses/{course_id}/items/{b}/remove", data={"csrf": token})
    assert item_order(trainer, course_id) == [a]


def test_only_the_owner_or_an_editor_edits(app, trainer):
    course_id = create_course(trainer, "Min kurs")
    with TestClient(app, follow_redirects=False) as other:
        login(other, "annan")
        assert other.get(f"/courses/{course_id}/edit").status_code == 403
        token = csrf_of(other.get("/courses").text)
        chunk_id = passages(other, "LARO", 1)[0]["chunk_id"]
        response = other.post("/courses/add", data={"course_id": course_id, "chunk_id": chunk_id, "csrf": token})
        assert response.status_code == 403
        assert other.get(f"/courses/{course_id}").status_code == 404  # someone else's draft
    with TestClient(app, follow_redirects=False) as editor:
        login(editor, "redaktör")
        assert editor.get(f"/courses/{course_id}/edit").status_code == 200


def test_trainer_adds_from_results_and_passage_pages(trainer):
    course_id = create_course(trainer, "Från träfflistan")
    results = trainer.get("/", params={"q": "LARO ansvar"}).text
    assert results.count('action="/courses/add"') >= 3
    assert f'<option value="{course_id}">Från träfflistan</option>' in results
    chunk_id = passages(trainer, "LARO ansvar", 1)[0]["chunk_id"]
    assert 'action="/courses/add"' in trainer.get(f"/passage/{chunk_id}").text


def test_course_survives_a_revision(app, trainer, anonymous, workspace, embedder):
    old = next(c for c in trainer.get(f"/api/documents/{NORRBOTTEN}").json()["chunks"] if "barnmedicinska" in c["text"])
    course_id = create_course(trainer, "Ungdomar")
    add(trainer, course_id, old["chunk_id"])
    token = csrf_of(trainer.get(f"/courses/{course_id}/edit").text)
    trainer.post(f"/courses/{course_id}/settings", data={"title": "Ungdomar", "published": "1", "csrf": token})
    assert "har ändrats" not in anonymous.get(f"/courses/{course_id}").text

    revise_norrbotten(workspace, embedder)
    page = anonymous.get(f"/courses/{course_id}").text
    assert "Avsnittet har ändrats i en nyare version" in page
    current = re.search(r'<a href="/passage/([0-9a-f]+)">Läs det gällande avsnittet', page).group(1)
    assert current != old["chunk_id"]
    assert "ungdomsmottagningen i Kiruna" in anonymous.get(f"/api/passages/{current}").json()["text"]
    markdown = anonymous.get(f"/courses/{course_id}.md").text
    assert "*Avsnittet har ändrats i en nyare version.*" in markdown
    assert f"Gällande avsnitt: /passage/{current}" in markdown


def test_exports_link_to_the_configured_address_never_to_the_requests_host(
    app, trainer, anonymous, workspace, embedder
):
    course_id = create_course(trainer, "Länkar")
    chunk_id = passages(trainer, "LARO ansvar", 1)[0]["chunk_id"]
    add(trainer, course_id, chunk_id)
    token = csrf_of(trainer.get(f"/courses/{course_id}/edit").text)
    trainer.post(f"/courses/{course_id}/settings", data={"title": "Länkar", "published": "1", "csrf": token})
    for path in (f"/courses/{course_id}.md", f"/courses/{course_id}/print"):
        refused = anonymous.get(path, headers={"Host": "evil.example"})  # not an allowed host (KB_ALLOWED_HOSTS)
        assert refused.status_code == 400 and "evil.example" not in refused.text
        exported = anonymous.get(path)
        assert exported.status_code == 200
        assert f"/passage/{chunk_id}" in exported.text

    configured = Settings.from_env(  # the service also answers under an internal name
        data_dir=workspace.settings.data_dir,
        corpus_dir=workspace.corpus,
        base_url="https://kb.region.se",
        allowed_hosts=("kb.region.se", "intern.region.se"),
    )
    with TestClient(create_app(configured, Searcher(configured, embedder))) as client:
        for path in (f"/courses/{course_id}.md", f"/courses/{course_id}/print"):
            exported = client.get(path, headers={"Host": "intern.region.se"}).text
            assert f"https://kb.region.se/passage/{chunk_id}" in exported and "intern.region.se" not in exported

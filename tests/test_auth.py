"""Accounts, sessions, CSRF and the login rate limit, on a real app over an empty temp data dir."""

from __future__ import annotations

import re
import stat

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from app.auth import add_user
from index.store import Store
from tests.conftest import make_settings

PASSWORD = "korrekt-hast-batteri"


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def login(client: TestClient, name: str, password: str = PASSWORD, next_: str = "/admin"):
    token = csrf_of(client.get("/login").text)
    return client.post(
        "/login", data={"name": name, "password": password, "next": next_, "csrf": token}, follow_redirects=False
    )


@pytest.fixture()
def app_env(tmp_path, embedder, monkeypatch):
    from app.web import create_app
    from index.search import Searcher

    monkeypatch.delenv("KB_SECRET_KEY", raising=False)
    settings = make_settings(tmp_path / "data")
    store = Store(settings.db_path)
    add_user(store, "rut", "editor", PASSWORD)
    add_user(store, "tage", "trainer", PASSWORD)
    with TestClient(create_app(settings, Searcher(settings, embedder))) as client:
        yield client, store, settings


def test_passwords_are_stored_as_argon2_hashes(app_env):
    _, store, _ = app_env
    stored = store.connection().execute("SELECT password_hash FROM users WHERE name = 'rut'").fetchone()[0]
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored


def test_anonymous_editor_page_redirects_to_login(app_env):
    client, _, _ = app_env
    response = client.get("/admin/audit", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2Fadmin%2Faudit"


def test_login_sets_a_safe_cookie_and_logout_ends_the_session(app_env):
    client, _, _ = app_env
    response = login(client, "rut", next_="/admin/audit")
    assert response.status_code == 303 and response.headers["location"] == "/admin/audit"
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    page = client.get("/admin/audit")
    assert page.status_code == 200 and "inloggning" in page.text
    client.post("/logout", data={"csrf": csrf_of(page.text)}, follow_redirects=False)
    assert client.get("/admin", follow_redirects=False).status_code == 303


def test_next_never_leaves_the_site(app_env):
    client, _, _ = app_env
    assert login(client, "rut", next_="//evil.example/x").headers["location"] == "/admin"


def test_trainer_cannot_reach_editor_pages_or_actions(app_env):
    client, _, _ = app_env
    assert login(client, "tage", next_="").headers["location"] == "/courses"
    assert client.get("/admin").status_code == 403
    token = csrf_of(client.get("/login").text)
    response = client.post("/admin/reindex", data={"csrf": token}, follow_redirects=False)
    assert response.status_code == 403
    assert "behörighet" in response.text


def test_forged_forms_are_refused(app_env):
    client, store, _ = app_env
    login(client, "rut")
    assert client.post("/admin/reindex", data={}, follow_redirects=False).status_code == 403
    assert client.post("/admin/reindex", data={"csrf": "x" * 64}, follow_redirects=False).status_code == 403
    # a token from an anonymous page is not accepted once signed in
    anonymous = TestClient(client.app).get("/login").text
    assert client.post("/admin/reindex", data={"csrf": csrf_of(anonymous)}, follow_redirects=False).status_code == 403
    actions = [r[0] for r in store.connection().execute("SELECT action FROM audit_log")]
    assert "omindexering" not in actions
    # the login form itself needs the token too
    response = client.post("/login", data={"name": "rut", "password": PASSWORD}, follow_redirects=False)
    assert response.status_code == 403


def test_failed_logins_are_rate_limited_per_name(app_env):
    client, _, _ = app_env
    for _ in range(5):
        assert login(client, "rut", "fel-lösenord").status_code == 401
    blocked = login(client, "rut")  # even the right password waits
    assert blocked.status_code == 429
    assert "För många misslyckade inloggningar" in blocked.text


def test_failed_logins_are_rate_limited_per_address(app_env):
    client, _, _ = app_env
    for number in range(5):
        assert login(client, f"gissning{number}", "fel").status_code == 401
    assert login(client, "tage").status_code == 429


def test_secret_key_is_generated_once_and_private(app_env):
    client, _, settings = app_env
    login(client, "rut")
    key = settings.data_dir / "secret.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600


def test_cli_adds_a_user_with_password_from_stdin(tmp_path, monkeypatch):
    from app.auth import verify_user
    from app.cli import cli

    monkeypatch.setenv("KB_DATA_DIR", str(tmp_path))
    result = CliRunner().invoke(cli, ["user", "add", "greta", "--role", "editor", "--password-stdin"], input="ett-langt-losenord\n")
    assert result.exit_code == 0, result.output
    assert verify_user(Store(tmp_path / "kb.sqlite"), "greta", "ett-langt-losenord") == {"name": "greta", "role": "editor"}
    refused = CliRunner().invoke(cli, ["user", "add", "greta", "--role", "admin", "--password-stdin"], input="ett-langt-losenord\n")
    assert refused.exit_code == 2

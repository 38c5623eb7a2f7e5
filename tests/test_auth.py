"""Accounts, sessions, CSRF and the login rate limit, on a real app over an empty temp data dir."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from app.auth import add_user
from index.config import Settings
from index.storage import Store, User
from tests.conftest import CORPUS, make_settings

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
    from index.retrieve.search import Searcher

    monkeypatch.delenv("KB_SECRET_KEY", raising=False)
    settings = make_settings(tmp_path / "data")
    store = Store(settings)
    add_user(store, "rut", "editor", PASSWORD)
    add_user(store, "tage", "trainer", PASSWORD)
    with TestClient(create_app(settings, Searcher(settings, embedder))) as client:
        yield client, store, settings


def test_passwords_are_stored_as_argon2_hashes(app_env):
    _, store, _ = app_env
    stored = store.db.value("SELECT password_hash FROM users WHERE name = 'rut'")
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
    actions = [r["action"] for r in store.db.query("SELECT action FROM audit_log")]
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
    for number in range(20):  # many names tried from one address
        assert login(client, f"gissning{number}", "fel").status_code == 401
    assert login(client, "tage").status_code == 429


def test_the_secret_key_is_made_once_and_kept_in_the_database(app_env):
    client, store, settings = app_env
    assert login(client, "rut").status_code == 303
    assert not (settings.data_dir / "secret.key").exists()
    assert Store(settings).accounts.secret() == store.accounts.secret()  # another server: the same key
    assert client.get("/admin", follow_redirects=False).status_code == 200


def test_a_secret_key_file_of_an_older_release_is_adopted(tmp_path, monkeypatch):
    monkeypatch.delenv("KB_SECRET_KEY", raising=False)
    settings = make_settings(tmp_path)
    (tmp_path / "secret.key").write_text("gammal-nyckel\n")
    assert Store(settings).accounts.secret() == "gammal-nyckel"


def test_a_secret_key_set_in_the_environment_signs_the_sessions_and_is_never_printed(tmp_path, monkeypatch):
    from app.auth import secret_key

    monkeypatch.setenv("KB_SECRET_KEY", " vald-av-it-avdelningen ")
    settings = Settings.from_env(data_dir=tmp_path)
    assert secret_key(Store(settings)) == "vald-av-it-avdelningen"
    assert "vald-av-it-avdelningen" not in repr(settings)
    monkeypatch.delenv("KB_SECRET_KEY")
    unset = Settings.from_env(data_dir=tmp_path)
    assert secret_key(Store(unset)) == Store(unset).accounts.secret() != "vald-av-it-avdelningen"


def test_cli_adds_a_user_with_password_from_stdin(tmp_path, monkeypatch):
    from app.auth import verify_user
    from app.cli import cli

    monkeypatch.setenv("KB_DATA_DIR", str(tmp_path))
    result = CliRunner().invoke(
        cli, ["user", "add", "greta", "--role", "editor", "--password-stdin"], input="ett-langt-losenord\n"
    )
    assert result.exit_code == 0, result.output
    assert verify_user(Store(make_settings(tmp_path)), "greta", "ett-langt-losenord") == User("greta", "editor")
    refused = CliRunner().invoke(
        cli, ["user", "add", "greta", "--role", "admin", "--password-stdin"], input="ett-langt-losenord\n"
    )
    assert refused.exit_code == 2


def client_from(app, address: str) -> TestClient:
    """A browser at another address; the app sees it as the connecting client."""
    return TestClient(app, client=(address, 50000))


def failures(store) -> list[dict]:
    return store.db.query("SELECT key, at FROM login_failures ORDER BY at")


def test_wrong_passwords_from_one_address_do_not_lock_the_owner_out(app_env):
    client, store, _ = app_env
    attacker = client_from(client.app, "203.0.113.9")
    statuses = [login(attacker, "rut", "fel-lösenord").status_code for _ in range(8)]
    assert statuses == [401] * 5 + [429] * 3
    assert login(client_from(client.app, "198.51.100.7"), "rut").status_code == 303  # the owner, elsewhere


def test_the_wait_doubles_with_each_failure_after_the_free_ones(app_env):
    client, store, _ = app_env
    attacker = client_from(client.app, "203.0.113.9")
    for _ in range(5):
        login(attacker, "rut", "fel-lösenord")
    blocked = login(attacker, "rut", "fel-lösenord")
    assert blocked.status_code == 429 and "Vänta 30 sekunder" in blocked.text

    def let_time_pass(seconds: float) -> None:
        store.db.run("UPDATE login_failures SET at = at - ?", (seconds,))

    let_time_pass(31)
    assert login(attacker, "rut", "fel-lösenord").status_code == 401  # one more try after the wait
    assert "Vänta en minut" in login(attacker, "rut", "fel-lösenord").text  # and now twice as long
    let_time_pass(61)
    assert login(attacker, "rut", "fel-lösenord").status_code == 401
    assert "Vänta 2 minuter" in login(attacker, "rut", "fel-lösenord").text


def test_a_browser_that_signed_in_before_is_not_blocked_by_failures_elsewhere(app_env):
    client, store, _ = app_env
    laptop = client_from(client.app, "198.51.100.7")
    assert login(laptop, "rut").status_code == 303
    laptop.post("/logout", data={"csrf": csrf_of(laptop.get("/admin").text)})
    for number in range(25):
        login(client_from(client.app, f"203.0.113.{number}"), "rut", "fel-lösenord")
    assert login(laptop, "rut").status_code == 303  # the owner's own browser signs in at once


def test_many_addresses_cannot_keep_the_owner_out(app_env):
    """Four addresses with five failures each used to lock the name for every browser without the device
    cookie, for up to 15 minutes and as long as the attacker went on."""
    client, store, _ = app_env
    attackers = [client_from(client.app, f"203.0.113.{number}") for number in range(4)]
    for attacker in attackers:
        assert [login(attacker, "rut", "fel-lösenord").status_code for _ in range(5)] == [401] * 5
    # the account is under attack: a new address gets one wrong guess, then waits
    newcomer = client_from(client.app, "203.0.113.200")
    assert [login(newcomer, "rut", "fel-lösenord").status_code for _ in range(2)] == [401, 429]

    owner = client_from(client.app, "192.0.2.1")  # a new browser, no device cookie
    assert login(owner, "rut").status_code == 303
    assert not [row for row in failures(store) if row["key"] == "name:rut"]  # the right password cleared the account
    fresh = client_from(client.app, "203.0.113.201")
    assert [login(fresh, "rut", "fel-lösenord").status_code for _ in range(5)] == [401] * 5


def test_a_copied_session_cookie_stops_working_at_logout(app_env):
    client, _, _ = app_env
    login(client, "rut")
    copied = client.cookies.get("kb_session")
    thief = TestClient(client.app, cookies={"kb_session": copied})
    assert thief.get("/admin", follow_redirects=False).status_code == 200
    client.post("/logout", data={"csrf": csrf_of(client.get("/admin").text)})
    assert thief.get("/admin", follow_redirects=False).status_code == 303


def test_a_new_password_ends_every_session_of_the_account(app_env, monkeypatch):
    from app.cli import cli

    client, _, settings = app_env
    login(client, "rut")
    assert client.get("/admin", follow_redirects=False).status_code == 200
    monkeypatch.setenv("KB_DATA_DIR", str(settings.data_dir))
    result = CliRunner().invoke(
        cli, ["user", "add", "rut", "--role", "editor", "--password-stdin"], input="ett-nytt-losenord\n"
    )
    assert result.exit_code == 0, result.output
    assert client.get("/admin", follow_redirects=False).status_code == 303


def test_an_overlong_login_name_is_refused_and_neither_stored_nor_shown(app_env):
    client, store, _ = app_env
    name = "å" * 65
    response = login(client, name, "fel")
    assert response.status_code == 400 and "högst 64 tecken" in response.text
    assert name not in response.text
    assert failures(store) == []
    assert store.db.value("SELECT count(*) FROM audit_log WHERE detail LIKE ?", (f"%{name}%",)) == 0
    huge = login(client, "x" * 900_000, "fel")
    assert huge.status_code == 413 and "x" * 1000 not in huge.text
    assert failures(store) == []


@pytest.mark.parametrize("header", ["Origin", "Referer"])
def test_a_form_posted_from_another_site_is_refused_even_with_a_valid_token(app_env, header):
    client, store, _ = app_env
    token = csrf_of(client.get("/login").text)
    foreign = "https://evil.example" + ("/sida" if header == "Referer" else "")
    response = client.post(
        "/login",
        data={"name": "rut", "password": PASSWORD, "next": "/admin", "csrf": token},
        headers={header: foreign},
        follow_redirects=False,
    )
    assert response.status_code == 403 and "annan webbplats (evil.example)" in response.text
    assert "kb_session" not in response.headers.get("set-cookie", "")
    own = client.post(
        "/login",
        data={"name": "rut", "password": PASSWORD, "next": "/admin", "csrf": token},
        headers={header: "http://testserver" + ("/login" if header == "Referer" else "")},
        follow_redirects=False,
    )
    assert own.status_code == 303


def test_secure_cookies_and_hsts_when_the_setting_says_so(tmp_path, embedder, monkeypatch):
    from app.web import create_app
    from index.retrieve.search import Searcher

    monkeypatch.delenv("KB_SECRET_KEY", raising=False)
    for secure in (False, True):
        settings = Settings.from_env(data_dir=tmp_path / str(secure), corpus_dir=CORPUS, secure_cookies=secure)
        add_user(Store(settings), "rut", "editor", PASSWORD)
        scheme = "https" if secure else "http"  # a browser sends a Secure cookie back over TLS only
        with TestClient(
            create_app(settings, Searcher(settings, embedder)), base_url=f"{scheme}://testserver"
        ) as client:
            response = login(client, "rut")
            cookies = response.headers.get_list("set-cookie")
            region = client.get("/", params={"region": "Dalarna"}).headers.get_list("set-cookie")
        assert len(cookies) == 2 and region
        for cookie in cookies + region:
            assert ("; secure" in cookie.lower()) is secure, cookie
        assert ("strict-transport-security" in response.headers) is secure


def test_only_the_services_own_host_names_are_answered(tmp_path, embedder, monkeypatch):
    """`Host: evil.example` came back in the redirect from /admin/ to /admin: a link to any site the sender named."""
    from urllib.parse import urlsplit

    from app.guard import AllowedHosts
    from app.web import create_app
    from index.config import _hosts
    from index.retrieve.search import Searcher

    monkeypatch.delenv("KB_ALLOWED_HOSTS", raising=False)
    settings = make_settings(tmp_path / "data", base_url="https://kb.region.se")
    app = create_app(settings, Searcher(settings, embedder))
    with TestClient(app, base_url="http://evil.example") as evil:
        refused = evil.get("/admin/", follow_redirects=False)
        assert refused.status_code == 400 and "location" not in refused.headers
        assert (
            "Tjänsten svarar inte på den adress" in refused.text
            and "evil.example" not in refused.text
            and "KB_ALLOWED_HOSTS" in refused.text
        )
        assert evil.get("/healthz").status_code in (200, 503)  # a load balancer asks by address
    for base in ("http://127.0.0.1:8000", "http://localhost", "http://[::1]:8000", "https://kb.region.se"):
        with TestClient(app, base_url=base) as own:
            moved = own.get("/admin/", follow_redirects=False)
            assert moved.status_code == 307 and urlsplit(moved.headers["location"]).hostname == urlsplit(base).hostname
    domain = AllowedHosts(
        None, make_settings(tmp_path / "d", allowed_hosts=_hosts("KB_ALLOWED_HOSTS", "*.region.se, 10.0.0.5"))
    )
    assert domain.allows("kb.region.se") and domain.allows("10.0.0.5")
    assert (
        not domain.allows("region.se")
        and not domain.allows("kb.region.se.evil.example")
        and not domain.allows("localhost")
    )


def test_a_login_forms_token_works_only_in_the_browser_that_fetched_it(app_env):
    """The anonymous token was good in any browser for an hour: an attacker's own token, posted from a page of
    theirs, signed a victim's browser in to the attacker's account (login CSRF)."""
    client, _, _ = app_env
    attacker, victim = TestClient(client.app), TestClient(client.app)
    token = csrf_of(attacker.get("/login").text)
    form = {"name": "rut", "password": PASSWORD, "next": "/admin", "csrf": token}
    forged = victim.post("/login", data=form, follow_redirects=False)
    assert forged.status_code == 403 and "kb_session" not in forged.cookies
    assert "säkerhetskod" in forged.text
    assert attacker.post("/login", data=form, follow_redirects=False).status_code == 303  # in its own browser it works

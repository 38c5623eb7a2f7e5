"""Editor and trainer accounts: argon2 passwords, signed session cookies, CSRF, audit log.

Accounts live in the corpus database so one backup of kb.sqlite keeps them.
A session is a signed cookie naming a session row in the database: logging out
or a new password deletes the row, so a copied cookie stops working at once.
The role is read from the database on every request.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import sqlite3
import time
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from itsdangerous import BadSignature, URLSafeTimedSerializer

from index.config import Settings
from index.store import transaction

ROLES = ("editor", "trainer")
ROLE_LABELS = {"editor": "redaktör", "trainer": "utbildare"}
ROLE_HOME = {"editor": "/admin", "trainer": "/courses"}
SESSION_COOKIE = "kb_session"
SESSION_MAX_AGE = 12 * 3600
# A browser where an account signed in before: its owner is not slowed by others' failures.
DEVICE_COOKIE = "kb_device"
DEVICE_MAX_AGE = 180 * 24 * 3600
ANONYMOUS_CSRF_MAX_AGE = 3600
MAX_NAME = 64
# Failed logins per key (see _limit_keys): this many are free, then each one doubles the wait.
FREE_FAILURES = {"device": 5, "pair": 5, "addr": 20, "name": 20}
FIRST_WAIT = 30  # seconds
LONGEST_WAIT = 15 * 60
FAILURE_MEMORY = 3600  # failures older than this are forgotten

SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    name TEXT PRIMARY KEY,
    role TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at TEXT NOT NULL DEFAULT (datetime('now'))
);
CREATE TABLE IF NOT EXISTS login_failures (key TEXT NOT NULL, at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS login_failures_key ON login_failures (key, at);
CREATE TABLE IF NOT EXISTS sessions (
    id TEXT PRIMARY KEY,  -- sha256 of the id in the cookie, so the table alone signs nobody in
    name TEXT NOT NULL,
    expires REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS sessions_name ON sessions (name);
CREATE TABLE IF NOT EXISTS audit_log (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL DEFAULT (datetime('now')),
    who TEXT,
    action TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT ''
);
"""

_UNSET = object()
_hasher = PasswordHasher()
# Verified against when the account does not exist, so a wrong name costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))


class AuthError(Exception):
    """Raised by the dependencies below; rendered as a redirect to the login page or an error page."""

    def __init__(self, status: int, message: str, location: str | None = None):
        super().__init__(message)
        self.status, self.message, self.location = status, message, location


# -- database ----------------------------------------------------------------


def _db(store_or_db) -> sqlite3.Connection:
    """Accept a Store (or anything with .connection()) or an open connection; make sure our tables exist."""
    db = store_or_db.connection() if hasattr(store_or_db, "connection") else store_or_db
    db.executescript(SCHEMA)
    return db


def add_user(store_or_db, name: str, role: str, password: str) -> bool:
    """Create the account or reset its password and role; True when it was new."""
    name = name.strip()
    if role not in ROLES:
        raise ValueError(f"okänd roll {role!r}; välj {' eller '.join(ROLES)}")
    if not name or len(name) > MAX_NAME:
        raise ValueError(f"namnet måste vara 1–{MAX_NAME} tecken")
    if len(password) < 10:
        raise ValueError("lösenordet måste vara minst 10 tecken")
    db = _db(store_or_db)
    existed = db.execute("SELECT 1 FROM users WHERE name = ?", (name,)).fetchone() is not None
    db.execute(
        "INSERT INTO users (name, role, password_hash) VALUES (?, ?, ?) "
        "ON CONFLICT (name) DO UPDATE SET role = excluded.role, password_hash = excluded.password_hash",
        (name, role, _hasher.hash(password)),
    )
    end_sessions(db, name)
    return not existed


def get_user(store_or_db, name: str) -> dict | None:
    row = _db(store_or_db).execute("SELECT name, role FROM users WHERE name = ?", (name,)).fetchone()
    return {"name": row[0], "role": row[1]} if row else None


def verify_user(store_or_db, name: str, password: str) -> dict | None:
    db = _db(store_or_db)
    row = db.execute("SELECT name, role, password_hash FROM users WHERE name = ?", (name.strip(),)).fetchone()
    try:
        _hasher.verify(row[2] if row else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    if row is None:
        return None
    if _hasher.check_needs_rehash(row[2]):
        db.execute("UPDATE users SET password_hash = ? WHERE name = ?", (_hasher.hash(password), row[0]))
    return {"name": row[0], "role": row[1]}


def audit(store_or_db, user: dict | str | None, action: str, detail: str = "") -> None:
    """Record an editor action; `user` is the current_user dict, a name, or None for the system."""
    who = user["name"] if isinstance(user, dict) else user
    _db(store_or_db).execute("INSERT INTO audit_log (who, action, detail) VALUES (?, ?, ?)", (who, action, detail))


def audit_entries(store_or_db, limit: int = 200) -> list[dict]:
    rows = _db(store_or_db).execute("SELECT at, who, action, detail FROM audit_log ORDER BY id DESC LIMIT ?", (limit,))
    return [dict(zip(("at", "who", "action", "detail"), row)) for row in rows]


# -- rate limit ----------------------------------------------------------------


def _limit_keys(request: Request, name: str) -> list[str]:
    """What a failed login counts against.

    A browser where this account signed in before counts only against itself,
    so nobody can lock the owner out by failing on purpose. Any other attempt
    counts against the name and address pair, the address (many names tried
    from one place) and the name (one name tried from many places), the last
    two with a higher allowance.
    """
    folded = name.casefold()
    device = _device(request)
    if device and device["name"].casefold() == folded:
        return [f"device:{device['id']}"]
    address = request.client.host if request.client else "okänd"
    return [f"pair:{folded}|{address}", f"addr:{address}", f"name:{folded}"]


def _wait(db: sqlite3.Connection, key: str, now: float) -> float:
    """Seconds until `key` may try again: nothing for the free failures, then 30 s doubling up to 15 min."""
    count, last = db.execute("SELECT count(*), max(at) FROM login_failures WHERE key = ?", (key,)).fetchone()
    excess = count - FREE_FAILURES[key.split(":", 1)[0]]
    if excess < 0:
        return 0.0
    return max(0.0, last + min(FIRST_WAIT * 2**excess, LONGEST_WAIT) - now)


def reserve_attempt(db: sqlite3.Connection, keys: list[str]) -> tuple[float, list[int]]:
    """Count the attempt as failed before the password is checked, in one transaction.

    Checking and counting together means simultaneous guesses cannot all pass
    the check before any of them is counted. Returns (seconds to wait, []) when
    refused, else (0, the rows to delete if the password turns out right).
    """
    now = time.time()
    with transaction(db):
        db.execute("DELETE FROM login_failures WHERE at < ?", (now - FAILURE_MEMORY,))
        wait = max(_wait(db, key, now) for key in keys)
        if wait > 0:
            return wait, []
        rows = [db.execute("INSERT INTO login_failures (key, at) VALUES (?, ?)", (key, now)).lastrowid for key in keys]
    return 0.0, rows


def _wait_text(seconds: float) -> str:
    minutes = round(seconds / 60)
    return f"{minutes} minuter" if minutes > 1 else "en minut" if minutes == 1 else f"{max(1, round(seconds))} sekunder"


# -- sessions and CSRF ---------------------------------------------------------


@lru_cache(maxsize=8)
def secret_key(data_dir: Path) -> str:
    """KB_SECRET_KEY, else a key generated once and kept (mode 0600) so sessions survive restarts."""
    if os.environ.get("KB_SECRET_KEY"):
        return os.environ["KB_SECRET_KEY"]
    path = Path(data_dir) / "secret.key"
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


def _settings(request: Request) -> Settings:
    return request.app.state.searcher.settings


def _serializer(request: Request, salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key(_settings(request).data_dir), salt=salt)


def _signed(request: Request, cookie: str, salt: str, max_age: int) -> dict | None:
    raw = request.cookies.get(cookie)
    if not raw:
        return None
    try:
        return _serializer(request, salt).loads(raw, max_age=max_age)
    except BadSignature:
        return None


def _device(request: Request) -> dict | None:
    return _signed(request, DEVICE_COOKIE, "device", DEVICE_MAX_AGE)


def _session_key(sid: str) -> str:
    return hashlib.sha256(sid.encode()).hexdigest()


def _session(request: Request) -> dict | None:
    """The signed-in session: {"sid", "name", "role"}, or None when absent, forged, expired or ended."""
    if getattr(request.state, "kb_session", _UNSET) is _UNSET:
        request.state.kb_session = None
        cookie = _signed(request, SESSION_COOKIE, "session", SESSION_MAX_AGE)
        if cookie and isinstance(cookie.get("sid"), str):
            row = _db(request.app.state.searcher.store).execute(
                "SELECT u.name, u.role FROM sessions s JOIN users u ON u.name = s.name WHERE s.id = ? AND s.expires > ?",
                (_session_key(cookie["sid"]), time.time()),
            ).fetchone()
            if row:
                request.state.kb_session = {"sid": cookie["sid"], "name": row[0], "role": row[1]}
    return request.state.kb_session


def start_session(db: sqlite3.Connection, name: str) -> str:
    """A new session row for the account; returns the id the cookie carries."""
    sid = secrets.token_urlsafe(32)
    now = time.time()
    db.execute("DELETE FROM sessions WHERE expires <= ?", (now,))
    db.execute("INSERT INTO sessions (id, name, expires) VALUES (?, ?, ?)", (_session_key(sid), name, now + SESSION_MAX_AGE))
    return sid


def end_sessions(store_or_db, name: str) -> None:
    """Sign the account out everywhere: after a new password, or when it is removed."""
    _db(store_or_db).execute("DELETE FROM sessions WHERE name = ?", (name,))


def current_user(request: Request) -> dict | None:
    """{"name", "role"} of the signed-in account, or None."""
    session = _session(request)
    return {"name": session["name"], "role": session["role"]} if session else None


def csrf_token(request: Request) -> str:
    """The token every form carries: bound to the session when signed in, short-lived when not."""
    session = _session(request)
    if session:
        key = secret_key(_settings(request).data_dir).encode()
        return hmac.new(key, f"csrf:{session['sid']}".encode(), hashlib.sha256).hexdigest()
    return _serializer(request, "csrf-anonymous").dumps("login")


def check_csrf(request: Request, token: str | None) -> None:
    """Raise a 403 for a form that did not come from one of our pages."""
    session = _session(request)
    if token and session:
        if hmac.compare_digest(token, csrf_token(request)):
            return
    elif token:
        try:
            _serializer(request, "csrf-anonymous").loads(token, max_age=ANONYMOUS_CSRF_MAX_AGE)
            return
        except BadSignature:
            pass
    raise AuthError(403, "Formuläret kunde inte godkännas (saknad eller ogiltig säkerhetskod). Ladda om sidan och försök igen.")


async def csrf_protect(request: Request) -> None:
    """Dependency for POST routes: reads the `csrf` form field."""
    form = await request.form()
    check_csrf(request, form.get("csrf"))


def safe_next(target: str | None) -> str:
    """Only paths on this site, never `//host` or `/\\host`; empty means the role's home page."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return ""


def require_role(*roles: str):
    """Dependency: the signed-in user if their role is one of `roles`."""

    def dependency(request: Request) -> dict:
        user = current_user(request)
        if user is None:
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            raise AuthError(303, "Logga in först.", f"/login?next={quote(target, safe='')}")
        if user["role"] not in roles:
            raise AuthError(403, "Ditt konto har inte behörighet till den här sidan.")
        return user

    return dependency


def auth_error_page(templates: Jinja2Templates):
    """Exception handler: redirect to login for people, an error page or JSON otherwise."""

    async def handler(request: Request, exc: AuthError) -> Response:
        wants_html = not request.url.path.startswith("/api/")
        if exc.location:
            if wants_html:
                return RedirectResponse(exc.location, status_code=303)
            return JSONResponse({"detail": exc.message}, status_code=401)
        if not wants_html:
            return JSONResponse({"detail": exc.message}, status_code=exc.status)
        return templates.TemplateResponse(
            request, "admin/error.html", {"status": exc.status, "message": exc.message}, status_code=exc.status
        )

    return handler


# -- pages -----------------------------------------------------------------------


def auth_router(templates: Jinja2Templates) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    def login_form(request: Request, next_: str, name: str = "", error: str = "", status: int = 200):
        return templates.TemplateResponse(
            request, "login.html", {"next": next_, "name": name, "error": error}, status_code=status
        )

    @router.get("/login", response_class=HTMLResponse)
    def login_page(request: Request, next: str = ""):
        return login_form(request, safe_next(next))

    @router.post("/login", response_class=HTMLResponse)
    def login(
        request: Request,
        name: str = Form(""),
        password: str = Form(""),
        next: str = Form(""),
        csrf: str = Form(""),
    ):
        check_csrf(request, csrf)
        name = name.strip()
        if len(name) > MAX_NAME:  # refused before it is counted, stored or shown again
            return login_form(request, safe_next(next), "", f"Namnet får vara högst {MAX_NAME} tecken.", 400)
        db = _db(request.app.state.searcher.store)
        keys = _limit_keys(request, name)
        wait, reserved = reserve_attempt(db, keys)
        if wait:
            return login_form(
                request, safe_next(next), name,
                f"För många misslyckade inloggningar. Vänta {_wait_text(wait)} och försök igen.", 429,
            )
        user = verify_user(db, name, password)
        address = request.client.host if request.client else "okänd"
        if user is None:
            audit(db, None, "inloggning misslyckades", f"{name} från {address}")
            return login_form(request, safe_next(next), name, "Fel namn eller lösenord.", 401)
        db.executemany("DELETE FROM login_failures WHERE rowid = ?", [(row,) for row in reserved])
        db.execute("DELETE FROM login_failures WHERE key = ?", (keys[0],))
        audit(db, user, "inloggning", f"från {address}")
        response = RedirectResponse(safe_next(next) or ROLE_HOME[user["role"]], status_code=303)
        sid = start_session(db, user["name"])
        secure = request.url.scheme == "https"
        response.set_cookie(
            SESSION_COOKIE, _serializer(request, "session").dumps({"sid": sid}), max_age=SESSION_MAX_AGE,
            httponly=True, samesite="lax", secure=secure,
        )
        device = _device(request)
        if not device or device["name"] != user["name"]:
            device = {"name": user["name"], "id": secrets.token_urlsafe(16)}
        response.set_cookie(
            DEVICE_COOKIE, _serializer(request, "device").dumps(device), max_age=DEVICE_MAX_AGE,
            httponly=True, samesite="lax", secure=secure,
        )
        return response

    @router.post("/logout")
    def logout(request: Request, csrf: str = Form("")):
        check_csrf(request, csrf)
        session = _session(request)
        if session:
            store = request.app.state.searcher.store
            _db(store).execute("DELETE FROM sessions WHERE id = ?", (_session_key(session["sid"]),))
            audit(store, session, "utloggning", "")
        response = RedirectResponse("/", status_code=303)
        response.delete_cookie(SESSION_COOKIE, httponly=True, samesite="lax")
        return response

    return router

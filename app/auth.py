"""Editor and trainer accounts: argon2 passwords, signed session cookies, CSRF, audit log.

Accounts, sessions and the signing key live in the shared database
(index/storage/accounts.py), so one backup keeps them and a login made through
one server is valid on every other. A session is a signed cookie naming a
session row: logging out or a new password deletes the row, so a copied cookie
stops working at once. The role is read from the database on every request.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
import time
from urllib.parse import quote

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from itsdangerous import BadSignature, URLSafeTimedSerializer

from index.storage import AuditEntry, Store, User

ROLES = ("editor", "trainer")
ROLE_LABELS = {"editor": "redaktör", "trainer": "utbildare"}
ROLE_HOME = {"editor": "/admin", "trainer": "/courses"}
SESSION_COOKIE = "kb_session"
SESSION_MAX_AGE = 12 * 3600
# A browser where an account signed in before: its owner is not slowed by others' failures.
DEVICE_COOKIE = "kb_device"
DEVICE_MAX_AGE = 180 * 24 * 3600
ANONYMOUS_CSRF_MAX_AGE = 3600
# The login form's token names this cookie's value, so it works only in the browser that fetched the form.
BROWSER_COOKIE = "kb_browser"
MAX_NAME = 64
# Failed logins per key (see _limit_keys): this many are free, then each one doubles the wait. The name's
# count never makes anyone wait: past it, the account is under attack and each address gets one free failure.
FREE_FAILURES = {"device": 5, "pair": 5, "addr": 20, "name": 20}
FREE_UNDER_ATTACK = 1
FIRST_WAIT = 30  # seconds
LONGEST_WAIT = 15 * 60
FAILURE_MEMORY = 3600  # failures older than this are forgotten

_UNSET = object()
_hasher = PasswordHasher()
# Verified against when the account does not exist, so a wrong name costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))


class AuthError(Exception):
    """Raised by the dependencies below; rendered as a redirect to the login page or an error page."""

    def __init__(self, status: int, message: str, location: str | None = None):
        super().__init__(message)
        self.status, self.message, self.location = status, message, location


# -- accounts ----------------------------------------------------------------


def add_user(store: Store, name: str, role: str, password: str) -> bool:
    """Create the account or reset its password and role; True when it was new. Its sessions end."""
    name = name.strip()
    if role not in ROLES:
        raise ValueError(f"okänd roll {role!r}; välj {' eller '.join(ROLES)}")
    if not name or len(name) > MAX_NAME:
        raise ValueError(f"namnet måste vara 1–{MAX_NAME} tecken")
    if len(password) < 10:
        raise ValueError("lösenordet måste vara minst 10 tecken")
    existed = store.accounts.exists(name)
    store.accounts.put(name, role, _hasher.hash(password))
    return not existed


def verify_user(store: Store, name: str, password: str) -> User | None:
    found = store.accounts.password_hash(name.strip())
    try:
        _hasher.verify(found[1] if found else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    if found is None:
        return None
    user, stored = found
    if _hasher.check_needs_rehash(stored):
        store.accounts.set_password_hash(user.name, _hasher.hash(password))
    return user


def audit(store: Store, user: User | str | None, action: str, detail: str = "") -> None:
    """Record an editor action; `user` is the current user, a name, or None for the system."""
    store.accounts.audit(user.name if isinstance(user, User) else user, action, detail)


def audit_entries(store: Store, limit: int = 200) -> list[AuditEntry]:
    return store.accounts.audit_entries(limit)


# -- rate limit ----------------------------------------------------------------


def _limit_keys(request: Request, name: str) -> list[str]:
    """What a failed login counts against.

    A browser where this account signed in before counts only against itself,
    so nobody can lock the owner out by failing on purpose. Any other attempt
    counts against the name and address pair, the address (many names tried
    from one place) and the name (one name tried from many places); see _wait.
    """
    folded = name.casefold()
    device = _device(request)
    if device and device["name"].casefold() == folded:
        return [f"device:{device['id']}"]
    address = request.client.host if request.client else "okänd"
    return [f"pair:{folded}|{address}", f"addr:{address}", f"name:{folded}"]


def _wait(counts: dict[str, tuple[int, float | None]], now: float) -> float:
    """Seconds until the attempt may be checked: for each key nothing for its free failures, then 30 s
    doubling up to 15 min; the longest of them.

    The name's own count never refuses: an attacker with a few addresses could raise it and keep the
    owner out of every new browser. Past its allowance the account is under attack, and every address
    gets one free failure instead of five, so guesses spread over many addresses are slowed while the
    owner's first try from anywhere is checked; the right password clears the account's count.
    """
    attacked = any(key.startswith("name:") and count >= FREE_FAILURES["name"] for key, (count, _) in counts.items())
    longest = 0.0
    for key, (count, last) in counts.items():
        kind = key.split(":", 1)[0]
        if kind == "name":
            continue
        excess = count - (FREE_UNDER_ATTACK if attacked and kind == "pair" else FREE_FAILURES[kind])
        if excess >= 0:
            longest = max(longest, last + min(FIRST_WAIT * 2**excess, LONGEST_WAIT) - now)
    return max(0.0, longest)


def reserve_attempt(store: Store, keys: list[str]) -> tuple[float, list[int]]:
    """Count the attempt as failed before the password is checked, in one transaction.

    Checking and counting together means simultaneous guesses cannot all pass
    the check before any of them is counted. Returns (seconds to wait, []) when
    refused, else (0, the rows to delete if the password turns out right).
    """
    now = time.time()
    return store.accounts.reserve_attempt(keys, now, now - FAILURE_MEMORY, lambda counts: _wait(counts, now))


def _wait_text(seconds: float) -> str:
    """Seconds rounded up, so nobody is told to wait less than they must (a slow server has used some)."""
    minutes = round(seconds / 60)
    return f"{minutes} minuter" if minutes > 1 else "en minut" if minutes == 1 else f"{math.ceil(seconds)} sekunder"


# -- sessions and CSRF ---------------------------------------------------------


def secret_key(store: Store) -> str:
    """KB_SECRET_KEY, else the key kept in the database, which every server sharing it uses."""
    return store.settings.secret_key or store.accounts.secret()


def _store(request: Request) -> Store:
    return request.app.state.searcher.store


def _serializer(request: Request, salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key(_store(request)), salt=salt)


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
    """The signed-in session: {"sid", "user"}, or None when absent, forged, expired or ended."""
    if getattr(request.state, "kb_session", _UNSET) is _UNSET:
        request.state.kb_session = None
        cookie = _signed(request, SESSION_COOKIE, "session", SESSION_MAX_AGE)
        if cookie and isinstance(cookie.get("sid"), str):
            user = _store(request).accounts.session_user(_session_key(cookie["sid"]), time.time())
            if user:
                request.state.kb_session = {"sid": cookie["sid"], "user": user}
    return request.state.kb_session


def start_session(store: Store, name: str) -> str:
    """A new session row for the account; returns the id the cookie carries."""
    sid = secrets.token_urlsafe(32)
    now = time.time()
    store.accounts.start_session(_session_key(sid), name, now, now + SESSION_MAX_AGE)
    return sid


def current_user(request: Request) -> User | None:
    """The signed-in account, or None."""
    session = _session(request)
    return session["user"] if session else None


def _browser_id(request: Request) -> str:
    """What an anonymous form's token is bound to: this browser's cookie, or a new value the response sets."""
    known = request.cookies.get(BROWSER_COOKIE, "")
    if 16 <= len(known) <= 64:
        return known
    if not getattr(request.state, "kb_browser", None):
        request.state.kb_browser = secrets.token_urlsafe(24)
    return request.state.kb_browser


def csrf_token(request: Request) -> str:
    """The token every form carries: bound to the session when signed in, else short-lived and bound to
    the browser, so a token fetched elsewhere cannot sign this browser in to someone else's account."""
    session = _session(request)
    if session:
        key = secret_key(_store(request)).encode()
        return hmac.new(key, f"csrf:{session['sid']}".encode(), hashlib.sha256).hexdigest()
    return _serializer(request, "csrf-anonymous").dumps(_browser_id(request))


def check_csrf(request: Request, token: str | None) -> None:
    """Raise a 403 for a form that did not come from one of our pages."""
    session = _session(request)
    if token and session:
        if hmac.compare_digest(token, csrf_token(request)):
            return
    elif token:
        try:
            bound = _serializer(request, "csrf-anonymous").loads(token, max_age=ANONYMOUS_CSRF_MAX_AGE)
        except BadSignature:
            bound = None
        if isinstance(bound, str) and hmac.compare_digest(bound, request.cookies.get(BROWSER_COOKIE, "")):
            return
    raise AuthError(
        403, "Formuläret kunde inte godkännas (saknad eller ogiltig säkerhetskod). Ladda om sidan och försök igen."
    )


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

    def dependency(request: Request) -> User:
        user = current_user(request)
        if user is None:
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            raise AuthError(303, "Logga in först.", f"/login?next={quote(target, safe='')}")
        if user.role not in roles:
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
        response = templates.TemplateResponse(
            request, "login.html", {"next": next_, "name": name, "error": error}, status_code=status
        )
        new = getattr(request.state, "kb_browser", None)  # the form's token named a browser id not yet set
        if new:
            response.set_cookie(
                BROWSER_COOKIE,
                new,
                max_age=ANONYMOUS_CSRF_MAX_AGE,
                httponly=True,
                samesite="lax",
                secure=request.url.scheme == "https",
            )
        return response

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
        store = _store(request)
        keys = _limit_keys(request, name)
        wait, reserved = reserve_attempt(store, keys)
        if wait:
            return login_form(
                request,
                safe_next(next),
                name,
                f"För många misslyckade inloggningar. Vänta {_wait_text(wait)} och försök igen.",
                429,
            )
        user = verify_user(store, name, password)
        address = request.client.host if request.client else "okänd"
        if user is None:
            audit(store, None, "inloggning misslyckades", f"{name} från {address}")
            return login_form(request, safe_next(next), name, "Fel namn eller lösenord.", 401)
        # the owner's right password clears the account's count and this browser's or address's, not the address's
        # failures for other names
        store.accounts.forget_failures(reserved, [key for key in keys if not key.startswith("addr:")])
        audit(store, user, "inloggning", f"från {address}")
        response = RedirectResponse(safe_next(next) or ROLE_HOME[user.role], status_code=303)
        sid = start_session(store, user.name)
        secure = request.url.scheme == "https"
        response.set_cookie(
            SESSION_COOKIE,
            _serializer(request, "session").dumps({"sid": sid}),
            max_age=SESSION_MAX_AGE,
            httponly=True,
            samesite="lax",
            secure=secure,
        )
        device = _device(request)
        if not device or device["name"] != user.name:
            device = {"name": user.name, "id": secrets.token_urlsafe(16)}
        response.set_cookie(
            DEVICE_COOKIE,
            _serializer(request, "device").dumps(device),
            max_age=DEVICE_MAX_AGE,
            httponly=True,
            samesite="lax",
            secure=secure,
        )
        return response

    @router.post("/logout")
    def logout(request: Request, csrf: str = Form("")):
        check_csrf(request, csrf)
        session = _session(request)
        if session:
            store = _store(request)
            store.accounts.end_session(_session_key(session["sid"]))
            audit(store, session["user"], "utloggning", "")
        response = RedirectResponse("/", status_code=303)
        response.delete_cookie(SESSION_COOKIE, httponly=True, samesite="lax")
        return response

    return router

"""What every request passes before the application sees it.

These are plain ASGI middleware, not Starlette's BaseHTTPMiddleware, because
they must act before the body is read: a request refused here costs the
server its headers only, whoever sends it and however large it claims to be.
"""

from __future__ import annotations

import html
import ipaddress
import json
from collections.abc import Callable
from urllib.parse import urlsplit

from index.config import Settings

# Every form but the upload is a few fields of text; 4 000 characters of Swedish URL-encoded stay far below.
FORM_LIMIT = 64 * 1024
# Room for the multipart headers and the other fields of the upload form.
UPLOAD_OVERHEAD = 64 * 1024
UPLOAD_PATH = "/admin/upload"

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
HSTS = "max-age=31536000"
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def _header(scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return value.decode("latin-1")
    return None


async def refuse(scope, send, status: int, message: str) -> None:
    """A short Swedish answer: JSON for the API, a page for people."""
    if scope["path"].startswith("/api/"):
        body, kind = json.dumps({"detail": message}, ensure_ascii=False).encode(), b"application/json"
    else:
        body = (
            '<!doctype html><html lang="sv"><head><meta charset="utf-8"><title>Förfrågan nekad</title>'
            '<link rel="stylesheet" href="/static/style.css"></head><body><main id="main">'
            f'<h1>Förfrågan nekad</h1><p class="warning" role="alert">{html.escape(message)}</p>'
            '<p><a href="/">Till sökningen</a></p></main></body></html>'
        ).encode()
        kind = b"text/html; charset=utf-8"
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", kind),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class SecurityHeaders:
    """CSP and friends on every response; with KB_SECURE_COOKIES, HSTS and every cookie marked Secure."""

    def __init__(self, app, settings: Settings):
        self.app, self.secure = app, settings.secure_cookies

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                ours = [
                    (b"content-security-policy", CSP.encode()),
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"same-origin"),
                ]
                if self.secure:
                    ours.append((b"strict-transport-security", HSTS.encode()))
                headers = []
                for key, value in message.get("headers", []):
                    if self.secure and key.lower() == b"set-cookie" and not _is_secure(value):
                        value += b"; Secure"
                    if key.lower() not in {name for name, _ in ours}:
                        headers.append((key, value))
                message = message | {"headers": headers + ours}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _is_secure(cookie: bytes) -> bool:
    return any(part.strip().lower() == b"secure" for part in cookie.split(b";")[1:])


class AllowedHosts:
    """Answer only requests addressed to one of the service's own names (KB_ALLOWED_HOSTS).

    The Host header is the sender's to choose, and what is built from it (the
    redirect from /admin/ to /admin, absolute links) would send people to any
    site the sender names. /healthz answers whatever the Host, for load balancers
    that ask a server by its address.
    """

    def __init__(self, app, settings: Settings):
        self.app = app
        self.exact = {h for h in settings.hosts if not h.startswith("*.")}
        self.domains = tuple(h[1:] for h in settings.hosts if h.startswith("*."))  # ".region.se"

    def allows(self, host: str) -> bool:
        return host in self.exact or (host.endswith(self.domains) and bool(self.domains))

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and scope["path"] != "/healthz":
            host = _host_name(_header(scope, b"host") or "")
            if not self.allows(host):
                return await refuse(
                    scope,
                    send,
                    400,
                    "Tjänsten svarar inte på den adress som begäran skickades till. Den som driftar tjänsten "
                    "lägger till adressens namn i KB_ALLOWED_HOSTS.",
                )
        await self.app(scope, receive, send)


def _host_name(header: str) -> str:
    """The name in a Host header, without its port: "KB.region.se:8000" → "kb.region.se", "[::1]:80" → "::1"."""
    header = header.strip().lower()
    if header.startswith("["):
        return header[1 : header.find("]")] if "]" in header else header
    return header.rsplit(":", 1)[0].rstrip(".") if header.count(":") == 1 else header.rstrip(".")


class ProxyHeaders:
    """Believe X-Forwarded-For and X-Forwarded-Proto only from the proxies named in KB_TRUSTED_PROXIES.

    Anyone can send these headers; believed from anyone, they let a client pick
    its own address and walk past the login limits.
    """

    def __init__(self, app, settings: Settings):
        self.app, self.trusted = app, settings.trusted_proxies

    def _is_trusted(self, host: str) -> bool:
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            return False
        return any(address in network for network in self.trusted)

    async def __call__(self, scope, receive, send):
        client = scope.get("client")
        if scope["type"] == "http" and self.trusted and client and self._is_trusted(client[0]):
            scope = dict(scope)
            forwarded = [a.strip() for a in (_header(scope, b"x-forwarded-for") or "").split(",") if a.strip()]
            # The nearest address no trusted proxy owns is the client; a client cannot forge what our proxies add.
            for address in reversed(forwarded):
                if not self._is_trusted(address):
                    break
            if forwarded:
                scope["client"] = (address, 0)
            proto = (_header(scope, b"x-forwarded-proto") or "").split(",")[-1].strip().lower()
            if proto in ("http", "https"):
                scope["scheme"] = proto
        await self.app(scope, receive, send)


class BodyTooLarge(Exception):
    """Raised into the application when a body grows past its route's limit."""


class BodyLimit:
    """Refuse a body larger than its route allows: by Content-Length before reading, else while reading."""

    def __init__(self, app, limit_for: Callable[[str], int]):
        self.app, self.limit_for = app, limit_for

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        limit = self.limit_for(scope["path"])
        message = f"Förfrågan är för stor (högst {_size(limit)})."
        declared = _header(scope, b"content-length")
        if declared is not None and (not declared.strip().isdigit() or int(declared) > limit):
            return await refuse(scope, send, 413, message)
        received = 0
        exceeded = started = False

        async def counting_receive():
            nonlocal received, exceeded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    exceeded = True
                    raise BodyTooLarge()
            return message

        async def guarded_send(message):
            nonlocal started
            if exceeded and not started:
                return  # the application answered the broken body; our answer replaces it
            started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except BodyTooLarge:
            pass
        if exceeded and not started:
            await refuse(scope, send, 413, message)


class SameOrigin:
    """A second layer under the CSRF token: a form posted from another site is refused before it is read.

    The Origin header (else the Referer) must name this site: the Host the
    browser addressed, or KB_BASE_URL. A request carrying neither is left to the
    token, as some privacy tools strip both.
    """

    def __init__(self, app, settings: Settings):
        self.app = app
        self.base = urlsplit(settings.base_url).netloc.lower() if settings.base_url else ""

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and scope["method"] in UNSAFE_METHODS:
            source = _header(scope, b"origin") or _header(scope, b"referer")
            if source is not None:
                netloc = urlsplit(source).netloc.lower() if source != "null" else ""
                own = {(_header(scope, b"host") or "").lower(), self.base} - {""}
                if netloc not in own:
                    shown = netloc or "okänd"
                    return await refuse(
                        scope,
                        send,
                        403,
                        f"Formuläret skickades från en annan webbplats ({shown}) och godtas inte. "
                        "Öppna sidan på den här webbplatsen och försök igen.",
                    )
        await self.app(scope, receive, send)


def _size(n: int) -> str:
    return f"{n / 2**20:.0f} MB" if n >= 2**20 else f"{n // 1024} kB"


def body_limits(settings: Settings) -> Callable[[str], int]:
    """The largest body each path accepts: the upload form its file size and some room, everything else a form."""
    upload = settings.max_upload + UPLOAD_OVERHEAD
    return lambda path: upload if path == UPLOAD_PATH else FORM_LIMIT

"""Hostile requests against `kb serve` itself, started as an operator starts it, over a copy of the real index."""

from __future__ import annotations

import re
import socket
import sqlite3
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

from app.auth import add_user
from index.storage import Store
from tests.conftest import make_settings
from tests.servers import kb_serve, raw_request
from tests.ui_fixtures import _copy_data_dir

PASSWORD = "korrekt-hast-batteri"
GIGABYTE = 2**30
# The start of a well-formed upload form: a server that reads bodies before checking anything keeps reading.
FILE_PART = (
    b'--x\r\nContent-Disposition: form-data; name="file"; filename="stor.txt"\r\n'
    b"Content-Type: text/plain\r\n\r\n" + b"a" * 2**20
)


@pytest.fixture(scope="module")
def served(settings, ingest_run, tmp_path_factory):
    root = tmp_path_factory.mktemp("served")
    _copy_data_dir(settings.data_dir, root / "data")
    add_user(Store(make_settings(root / "data")), "rut", "editor", PASSWORD)
    (root / "tmp").mkdir()
    with kb_serve(root / "data", root / "tmp") as base:
        yield base, root / "data", root / "tmp"


@pytest.fixture
def server(served):
    """Each test starts with no failed logins on record."""
    base, data, tmp = served
    with sqlite3.connect(data / "kb.sqlite") as db:
        db.execute("DELETE FROM login_failures")
    return base, data, tmp


def login_token(client: httpx.Client) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text).group(1)


def signed_in(base: str) -> httpx.Client:
    client = httpx.Client(base_url=base)
    response = client.post("/login", data={"name": "rut", "password": PASSWORD, "csrf": login_token(client)})
    assert response.status_code == 303, response.text
    return client


def largest_file(folder) -> int:
    return max((p.stat().st_size for p in folder.rglob("*") if p.is_file()), default=0)


@pytest.mark.parametrize(("size", "status"), [(GIGABYTE, 413), (15 * 2**20, 303)])
def test_an_anonymous_upload_is_refused_before_its_body_is_read(server, size, status):
    """A gigabyte is refused for its size, a file within the limit for want of a session: both unread."""
    base, _, tmp = server
    head = (
        "POST /admin/upload HTTP/1.1\nHost: 127.0.0.1\n"
        "Content-Type: multipart/form-data; boundary=x\n"
        f"Content-Length: {size}\n"
    )
    answer, headers, _, seconds = raw_request(base, head, FILE_PART)  # a megabyte of what was promised
    assert answer == status
    if status == 303:
        assert headers["location"].startswith("/login")
    assert seconds < 5
    assert largest_file(tmp) < 2**20, "nothing of the body was spooled to disk"
    assert httpx.get(base + "/courses", timeout=5).status_code == 200


def test_a_body_larger_than_its_route_allows_is_refused_by_its_declared_length(server):
    base, _, _ = server
    for path in ("/login", "/courses", "/logout"):
        head = (
            f"POST {path} HTTP/1.1\nHost: 127.0.0.1\nContent-Type: "
            f"application/x-www-form-urlencoded\nContent-Length: {GIGABYTE}\n"
        )
        status, _, body, seconds = raw_request(base, head, b"name=")
        assert status == 413 and "för stor" in body.decode(), path
        assert seconds < 5


def test_a_signed_in_upload_larger_than_the_limit_is_refused_unread(server):
    base, _, tmp = server
    client = signed_in(base)
    token = re.search(r'name="csrf" value="([^"]+)"', client.get("/admin/upload").text).group(1)
    cookies = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
    head = (
        f"POST /admin/upload?csrf={quote(token)} HTTP/1.1\nHost: 127.0.0.1\nCookie: {cookies}\n"
        f"Content-Type: multipart/form-data; boundary=x\nContent-Length: {GIGABYTE}\n"
    )
    status, _, body, seconds = raw_request(base, head, FILE_PART)
    assert status == 413 and "högst 20 MB" in body.decode()
    assert seconds < 5 and largest_file(tmp) < 2**20


def test_a_chunked_body_is_cut_off_at_the_limit(server):
    """Without a declared length the server counts what arrives and answers once the limit is passed."""
    base, _, _ = server
    host, port = base.removeprefix("http://").split(":")
    chunk = b"a" * 16384
    sent = 0
    with socket.create_connection((host, int(port)), timeout=10) as connection:
        connection.sendall(
            b"POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\n\r\n"
        )
        connection.setblocking(False)
        answer = b""
        deadline = time.monotonic() + 20
        while b"\r\n\r\n" not in answer and time.monotonic() < deadline:
            try:
                if sent < 10 * 2**20:
                    connection.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                    sent += len(chunk)
            except (BlockingIOError, BrokenPipeError, ConnectionResetError):
                pass
            try:
                answer += connection.recv(65536)
            except BlockingIOError:
                time.sleep(0.01)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert sent < 2**20, "the server answered long before ten megabytes"


def test_forty_simultaneous_wrong_passwords_get_five_checks(server):
    base, data, _ = server
    with httpx.Client(base_url=base) as client:
        token = login_token(client)
        cookies = dict(client.cookies)  # the form's token is bound to this browser

    def attempt(_):
        with httpx.Client(base_url=base, timeout=60, cookies=cookies) as client:
            return client.post("/login", data={"name": "rut", "password": "fel-lösenord", "csrf": token}).status_code

    with ThreadPoolExecutor(40) as pool:
        statuses = list(pool.map(attempt, range(40)))
    assert statuses.count(401) == 5 and statuses.count(429) == 35, statuses
    with sqlite3.connect(data / "kb.sqlite") as db:
        checked = db.execute(
            "SELECT count(*) FROM audit_log WHERE action = 'inloggning misslyckades' AND detail LIKE 'rut %'"
        )
        assert checked.fetchone()[0] >= 5


def test_x_forwarded_for_from_an_untrusted_client_is_ignored(server):
    """By default no proxy is trusted: rotating the header does not rotate the address the limits see."""
    base, data, _ = server
    with httpx.Client(base_url=base) as client:
        token = login_token(client)
        statuses = [
            client.post(
                "/login",
                data={"name": f"gissning{n}", "password": "fel", "csrf": token},
                headers={"X-Forwarded-For": f"203.0.113.{n}"},
            ).status_code
            for n in range(25)
        ]
    assert statuses[:20] == [401] * 20 and set(statuses[20:]) == {429}, statuses
    with sqlite3.connect(data / "kb.sqlite") as db:
        details = [r[0] for r in db.execute("SELECT detail FROM audit_log WHERE detail LIKE 'gissning%'")]
    assert details and all(d.endswith("från 127.0.0.1") for d in details)


def test_x_forwarded_headers_are_believed_from_a_named_proxy(served, embedder):
    """With KB_TRUSTED_PROXIES naming the proxy, its view of the client counts, and nothing a client adds before it."""
    from ipaddress import ip_network

    from app.web import create_app
    from index.config import Settings
    from index.retrieve.search import Searcher
    from tests.conftest import CORPUS
    from tests.servers import thread_server

    _, data, _ = served
    settings = Settings.from_env(data_dir=data, corpus_dir=CORPUS, trusted_proxies=(ip_network("127.0.0.0/8"),))
    with (
        thread_server(create_app(settings, Searcher(settings, embedder))) as base,
        httpx.Client(base_url=base) as client,
    ):
        token = login_token(client)
        forged_then_real = {"X-Forwarded-For": "198.51.100.1, 203.0.113.7", "X-Forwarded-Proto": "https"}
        wrong = client.post("/login", data={"name": "rut", "password": "fel", "csrf": token}, headers=forged_then_real)
        assert wrong.status_code == 401
        right = client.post(
            "/login", data={"name": "rut", "password": PASSWORD, "csrf": token}, headers=forged_then_real
        )
        assert right.status_code == 303
        assert all("; secure" in c.lower() for c in right.headers.get_list("set-cookie"))  # the proxy spoke https
    with sqlite3.connect(data / "kb.sqlite") as db:
        details = [
            r[0]
            for r in db.execute("SELECT detail FROM audit_log WHERE action LIKE 'inloggning%' ORDER BY id DESC LIMIT 2")
        ]
    assert details == ["från 203.0.113.7", "rut från 203.0.113.7"]


def processes_serving(port: int) -> tuple[int, list[int]]:
    """The `kb serve` process on this port and the pids of its children, read from /proc."""
    parents, server = {}, None
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().split(b"\0")
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        parents[int(entry.name)] = parent
        if b"serve" in command and str(port).encode() in command:
            server = int(entry.name)
    assert server is not None, f"ingen kb serve på port {port}"
    return server, [pid for pid, parent in parents.items() if parent == server]


def test_several_workers_answer_searches_together(settings, ingest_run, tmp_path):
    """`kb serve --workers 2`: two processes behind one port, each with the index, none failing."""
    _copy_data_dir(settings.data_dir, tmp_path / "data")
    (tmp_path / "tmp").mkdir()
    with kb_serve(tmp_path / "data", tmp_path / "tmp", "--workers", "2") as base:
        server, children = processes_serving(int(base.rsplit(":", 1)[1]))
        workers = [pid for pid in children if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes()]
        assert len(workers) == 2
        questions = [f"vem ansvarar för abstinensbehandling {n}" for n in range(16)]
        with ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(lambda q: httpx.get(base + "/api/search", params={"q": q}, timeout=120), questions))
        assert all(a.status_code == 200 and a.json()["results"] for a in answers)


def test_the_log_has_a_line_per_request_and_never_the_question(served):
    """A question can name a client; the log, kept on disk and shipped elsewhere, must not hold it."""
    base, _, tmp = served
    question = "får soc kräva urinprov av Anna Lindqvist 19850312-2384"
    assert httpx.get(base + "/", params={"q": question}, timeout=60).status_code == 200
    assert httpx.get(base + "/api/search", params={"q": question}, timeout=60).status_code == 200
    deadline = time.monotonic() + 10
    log = ""
    while "GET /api/search 200" not in log and time.monotonic() < deadline:
        time.sleep(0.2)
        log = (tmp / "kb-serve.log").read_text(errors="replace")
    assert re.search(r"kb\.request: GET / 200 \d+ ms", log) and "GET /api/search 200" in log
    assert re.search(r"kb\.search: index \d+ loaded from ", log)  # which index the server answers from
    for part in ("Lindqvist", "19850312", "urinprov", "q="):
        assert part not in log

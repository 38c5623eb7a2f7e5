"""Real servers for the tests that need one: `kb serve` in its own process, or uvicorn in a thread.

`kb serve` is started exactly as an operator starts it, so what uvicorn does
on its own (such as believing X-Forwarded-For) is part of what is tested.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import httpx
import uvicorn


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def kb_serve(data_dir: Path, tmp_dir: Path, *options: str, **env: str):
    """`kb serve [options]` over `data_dir` with TMPDIR=`tmp_dir`; yields its base URL, stops it after."""
    port = free_port()
    environment = os.environ | {"KB_DATA_DIR": str(data_dir), "TMPDIR": str(tmp_dir)} | env
    log = tmp_dir / "kb-serve.log"  # what the operator's terminal or journal would get, for tests to read
    with log.open("ab") as output:
        process = subprocess.Popen(
            [sys.executable, "-c", "from app.cli import main; main()", "serve", "--port", str(port), *options],
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            assert process.poll() is None, log.read_text(errors="replace")
            assert time.monotonic() < deadline, "kb serve startade inte"
            try:
                if httpx.get(base + "/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def thread_server(app):
    """uvicorn in a background thread, as `kb serve` configures it; yields its base URL."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host="127.0.0.1",
            port=port,
            log_level="warning",
            lifespan="on",
            proxy_headers=False,
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        assert time.monotonic() < deadline, "servern startade inte"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def raw_request(base: str, head: str, body: bytes = b"", timeout: float = 10) -> tuple[int, dict, bytes, float]:
    """Send a request's head and the first part of its body over a plain socket and read the answer.

    Returns (status, headers, body, seconds until the answer began). The body
    may be far shorter than the Content-Length the head declares: a server that
    answers without waiting for the rest is what some tests look for.
    """
    host, port = base.removeprefix("http://").split(":")
    started = time.monotonic()
    with socket.create_connection((host, int(port)), timeout=timeout) as connection:
        connection.sendall(head.replace("\n", "\r\n").encode() + b"\r\n" + body)
        received = b""
        while b"\r\n\r\n" not in received:
            chunk = connection.recv(65536)
            if not chunk:
                break
            received += chunk
        answered = time.monotonic() - started
        head_part, _, rest = received.partition(b"\r\n\r\n")
        lines = head_part.decode("latin-1").split("\r\n")
        headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
        length = int(headers.get("content-length", 0))
        while len(rest) < length:
            chunk = connection.recv(65536)
            if not chunk:
                break
            rest += chunk
    return int(lines[0].split()[1]), headers, rest, answered

"""The service's own log: a line per request, and never the question asked.

A question can name a client ("Anna, 19850101-1234, får soc kräva urinprov?"), and a log is kept on
disk and shipped to other systems, so a request line holds the method, the path without its query
string, the status and the time taken. uvicorn's access log, which prints the query string and the
client's address, is turned off where `kb serve` starts it.
"""

from __future__ import annotations

import logging
import time

LOG = logging.getLogger("kb")
REQUESTS = logging.getLogger("kb.request")
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def configure() -> None:
    """Lines of the `kb` loggers go to stderr at INFO, once however many apps a process creates."""
    if not LOG.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter(FORMAT))
        LOG.addHandler(handler)
        LOG.setLevel(logging.INFO)


class RequestLog:
    """ASGI middleware: after each HTTP answer, "GET /api/search 200 41 ms"."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started, status = time.perf_counter(), 500  # what the client gets if the app fails before answering

        async def sending(message):
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            elapsed = (time.perf_counter() - started) * 1000
            REQUESTS.info("%s %s %d %.0f ms", scope["method"], scope["path"], status, elapsed)

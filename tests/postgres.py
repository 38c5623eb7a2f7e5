"""A fresh PostgreSQL database per test on the server KB_TEST_DATABASE_URL names (.ci/postgres starts one).

Tests that need it skip only when no server is named; CI always names one.
"""

from __future__ import annotations

import os
import uuid
from contextlib import contextmanager
from urllib.parse import urlsplit, urlunsplit

import pytest

SERVER_URL = os.environ.get("KB_TEST_DATABASE_URL", "")


@contextmanager
def fresh_database():
    """Yields the URL of an empty database, dropped afterwards."""
    if not SERVER_URL:
        pytest.skip("KB_TEST_DATABASE_URL är inte satt (starta en server med `source .ci/postgres`)")
    import psycopg

    name = f"kb_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(SERVER_URL, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    try:
        yield urlunsplit(urlsplit(SERVER_URL)._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(SERVER_URL, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE {name} WITH (FORCE)")

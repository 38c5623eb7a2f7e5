"""Accounts, sessions, failed logins, the audit log and the key that signs cookies.

All of it lives in the shared database, so a login made through one server is
valid on every other and one backup keeps it. Password hashing and rate rules
stay in app/auth.py; this module only stores.
"""

from __future__ import annotations

import secrets
from pathlib import Path

from index.storage.database import Database
from index.storage.records import AuditEntry, User


class Accounts:
    def __init__(self, db: Database, data_dir: Path):
        self.db = db
        self.data_dir = data_dir
        self._secret: str | None = None

    # -- users ------------------------------------------------------------------

    def exists(self, name: str) -> bool:
        return self.db.one("SELECT 1 AS found FROM users WHERE name = ?", (name,)) is not None

    def put(self, name: str, role: str, password_hash: str) -> None:
        """Create the account or replace its role and password; its sessions end."""
        with self.db.transaction():
            self.db.run(
                "INSERT INTO users (name, role, password_hash) VALUES (?, ?, ?) "
                "ON CONFLICT (name) DO UPDATE SET role = excluded.role, password_hash = excluded.password_hash",
                (name, role, password_hash),
            )
            self.end_sessions(name)

    def password_hash(self, name: str) -> tuple[User, str] | None:
        row = self.db.one("SELECT name, role, password_hash FROM users WHERE name = ?", (name,))
        return (User(row["name"], row["role"]), row["password_hash"]) if row else None

    def set_password_hash(self, name: str, password_hash: str) -> None:
        self.db.run("UPDATE users SET password_hash = ? WHERE name = ?", (password_hash, name))

    # -- sessions -----------------------------------------------------------------

    def start_session(self, key: str, name: str, now: float, expires: float) -> None:
        with self.db.transaction():
            self.db.run("DELETE FROM sessions WHERE expires <= ?", (now,))
            self.db.run("INSERT INTO sessions (id, name, expires) VALUES (?, ?, ?)", (key, name, expires))

    def session_user(self, key: str, now: float) -> User | None:
        row = self.db.one(
            "SELECT u.name, u.role FROM sessions s JOIN users u ON u.name = s.name WHERE s.id = ? AND s.expires > ?",
            (key, now),
        )
        return User(**row) if row else None

    def end_session(self, key: str) -> None:
        self.db.run("DELETE FROM sessions WHERE id = ?", (key,))

    def end_sessions(self, name: str) -> None:
        self.db.run("DELETE FROM sessions WHERE name = ?", (name,))

    # -- failed logins ------------------------------------------------------------------

    def reserve_attempt(self, keys: list[str], now: float, forget_before: float, wait) -> tuple[float, list[int]]:
        """Count an attempt as failed before its password is checked, in one locked transaction.

        `wait({key: (count, last)})` says how long the attempt must still wait, from the failures
        of all its keys. Returns (seconds to wait, []) when refused, else (0, the rows to delete
        when the password is right).
        """
        with self.db.transaction(lock="kb-logins"):
            self.db.run("DELETE FROM login_failures WHERE at < ?", (forget_before,))
            counts = {}
            for key in keys:
                row = self.db.one("SELECT count(*) AS count, max(at) AS last FROM login_failures WHERE key = ?", (key,))
                counts[key] = (row["count"], row["last"])
            longest = wait(counts)
            if longest > 0:
                return longest, []
            rows = [self.db.insert("INSERT INTO login_failures (key, at) VALUES (?, ?)", (key, now)) for key in keys]
        return 0.0, rows

    def forget_failures(self, rows: list[int], keys: list[str]) -> None:
        """A right password: the attempt's own rows and these keys' earlier failures go."""
        with self.db.transaction():
            self.db.many("DELETE FROM login_failures WHERE id = ?", [(row,) for row in rows])
            self.db.many("DELETE FROM login_failures WHERE key = ?", [(key,) for key in keys])

    # -- audit log ---------------------------------------------------------------------

    def audit(self, who: str | None, action: str, detail: str = "") -> None:
        self.db.run("INSERT INTO audit_log (who, action, detail) VALUES (?, ?, ?)", (who, action, detail))

    def audit_entries(self, limit: int = 200) -> list[AuditEntry]:
        rows = self.db.query("SELECT at, who, action, detail FROM audit_log ORDER BY id DESC LIMIT ?", (limit,))
        return [AuditEntry(**row) for row in rows]

    # -- the signing key ------------------------------------------------------------------

    def secret(self) -> str:
        """The key that signs cookies, made once and kept in the database so every server shares it.

        A key an older release kept in the data dir (secret.key) is adopted, so its sessions stay valid.
        """
        if self._secret is None:
            legacy = self.data_dir / "secret.key"
            candidate = legacy.read_text().strip() if legacy.is_file() else secrets.token_urlsafe(48)
            self.db.run(
                "INSERT INTO meta (key, value) VALUES ('secret_key', ?) ON CONFLICT (key) DO NOTHING", (candidate,)
            )
            self._secret = self.db.value("SELECT value FROM meta WHERE key = 'secret_key'")
        return self._secret

"""Settings, read once from the environment so every entry point (CLI, web, tests) agrees.

Every variable is described in HELP and in the settings table of docs/operations.md; a test
checks that the two agree. A value that cannot be used stops the program with a
Swedish message naming the variable, rather than being silently replaced.
"""

from __future__ import annotations

import ipaddress
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from index.embedder import BUNDLED

PROJECT_DIR = Path(__file__).resolve().parent.parent
LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")

# Models of the e5 family were trained with these markers and rank badly without them (the bundled
# encoder adds its own).
_KNOWN_PREFIXES = {"e5": ("query: ", "passage: ")}

HELP = {
    "KB_DATA_DIR": "where this server keeps its own files: the SQLite database (when KB_DATABASE_URL is empty), "
    "the writer lock, and by default the shared folder",
    "KB_DATABASE_URL": "postgresql://user:password@host:5432/name to keep accounts, courses, the audit log and "
    "documents in PostgreSQL, shared by several servers; empty means SQLite in KB_DATA_DIR",
    "KB_SHARED_DIR": "the folder of index generations, kept source files and uploads; every server of one "
    "PostgreSQL database must see the same one (a network share); empty means KB_DATA_DIR",
    "KB_CORPUS_DIR": "what `kb ingest` reads when given no path",
    "KB_EMBEDDING_MODEL": f"empty for the bundled multilingual-e5-small ({BUNDLED}); else a local folder of a "
    "sentence-transformers model (a name needs hub access); changing it re-embeds at the next `kb ingest --rebuild`",
    "KB_QUERY_PREFIX": "prefix a sentence-transformers model needs before a query",
    "KB_PASSAGE_PREFIX": "prefix a sentence-transformers model needs before a passage",
    "KB_ENCODER_THREADS": "threads the bundled encoder uses for one text; empty uses every core, or with "
    "`kb serve --workers N` the cores shared out among the workers",
    "KB_ENCODER_DEVICE": "where a sentence-transformers model (KB_EMBEDDING_MODEL) runs: cpu (the default), or a GPU "
    "as torch names it (cuda, cuda:1, mps) on a machine that embeds a large corpus with `kb ingest`; the bundled "
    "encoder runs on the CPU only",
    "KB_SECRET_KEY": "signs login sessions; set it when several servers share one database",
    "KB_BASE_URL": "the public address, e.g. https://kb.region.se; course exports link to it "
    "(relative links when empty) and forms posted from it are accepted",
    "KB_TRUSTED_PROXIES": "addresses or networks of reverse proxies whose X-Forwarded-For and "
    "X-Forwarded-Proto are believed, comma separated; empty trusts none",
    "KB_ALLOWED_HOSTS": "the host names (or addresses) people reach the service by, comma separated; "
    "*.region.se allows every host of a domain. A request for any other Host is refused. Empty: localhost, "
    "127.0.0.1, ::1 and the host of KB_BASE_URL",
    "KB_SECURE_COOKIES": "1 behind TLS: cookies are always marked Secure and HSTS is sent",
    "KB_MAX_UPLOAD_MB": "largest file an editor may upload",
    "KB_DOCX_MAX_UNPACKED_MB": "largest size a DOCX may unpack to",
    "KB_DOCX_MAX_PARAGRAPHS": "most paragraphs and table rows a DOCX may have",
    "KB_INGEST_TIMEOUT": "seconds an uploaded file may take to read before it is refused",
    "KB_INGEST_MEMORY_MB": "memory the process reading an uploaded file may use",
    "KB_KEEP_SIGNING_OFFICIALS": "1 keeps the names of officials who sign a decision (a name with its title, "
    "\"Anna Berg / Förvaltningschef\"); 0 masks them like every other name. Takes effect at the next "
    "`kb ingest --rebuild`",
    "KB_KEEP_ORIGINALS": "1 keeps every file read and uploaded as it came, personal data included, in originals/ of "
    "the shared folder, apart from the masked copies in sources/ and out of `kb backup` unless it is given "
    "--originals; 0 (the default) keeps only the masked copies, and the next re-index deletes originals kept before",
}


class SettingsError(ValueError):
    """A setting that cannot be used; the message names the variable and what it should be."""


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    embedding_model: str
    query_prefix: str
    passage_prefix: str
    corpus_dir: Path
    encoder_threads: int = 0  # 0: the engine's default, every core
    encoder_device: str = "cpu"  # a sentence-transformers model's torch device
    database_url: str = ""
    shared_dir: Path | None = None  # None: the data dir
    base_url: str = ""
    trusted_proxies: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = ()
    allowed_hosts: tuple[str, ...] = ()  # empty: LOCAL_HOSTS and the host of base_url
    secure_cookies: bool = False
    max_upload_mb: int = 20
    docx_max_unpacked_mb: int = 100
    docx_max_paragraphs: int = 50_000
    ingest_timeout: int = 300  # a DOCX at the paragraph limit, of real prose, on a busy machine: about 200 s
    ingest_memory_mb: int = 1024
    keep_signing_officials: bool = False
    keep_originals: bool = False
    secret_key: str = field(default="", repr=False)  # empty: the key kept in the database

    @classmethod
    def from_env(cls, **overrides) -> "Settings":
        env = os.environ
        model = env.get("KB_EMBEDDING_MODEL", "").strip() or BUNDLED
        default_query, default_passage = ("", "") if model == BUNDLED else next(
            (p for key, p in _KNOWN_PREFIXES.items() if key in model.lower()), ("", "")
        )
        values = dict(
            data_dir=Path(env.get("KB_DATA_DIR") or PROJECT_DIR / "var"),
            embedding_model=model,
            query_prefix=env.get("KB_QUERY_PREFIX", default_query),
            passage_prefix=env.get("KB_PASSAGE_PREFIX", default_passage),
            corpus_dir=Path(env.get("KB_CORPUS_DIR") or PROJECT_DIR / "corpus"),
            database_url=_database_url(env.get("KB_DATABASE_URL", "")),
            shared_dir=Path(env["KB_SHARED_DIR"]) if env.get("KB_SHARED_DIR", "").strip() else None,
            base_url=_base_url(env.get("KB_BASE_URL", "")),
            trusted_proxies=_networks(env.get("KB_TRUSTED_PROXIES", "")),
            allowed_hosts=_hosts(env.get("KB_ALLOWED_HOSTS", "")),
            secure_cookies=_flag("KB_SECURE_COOKIES", env.get("KB_SECURE_COOKIES", "")),
            keep_signing_officials=_flag("KB_KEEP_SIGNING_OFFICIALS", env.get("KB_KEEP_SIGNING_OFFICIALS", "")),
            keep_originals=_flag("KB_KEEP_ORIGINALS", env.get("KB_KEEP_ORIGINALS", "")),
            secret_key=env.get("KB_SECRET_KEY", "").strip(),
        )
        for name, key in (
            ("KB_MAX_UPLOAD_MB", "max_upload_mb"),
            ("KB_DOCX_MAX_UNPACKED_MB", "docx_max_unpacked_mb"),
            ("KB_DOCX_MAX_PARAGRAPHS", "docx_max_paragraphs"),
            ("KB_INGEST_TIMEOUT", "ingest_timeout"),
            ("KB_INGEST_MEMORY_MB", "ingest_memory_mb"),
            ("KB_ENCODER_THREADS", "encoder_threads"),
        ):
            if env.get(name, "").strip():
                values[key] = _positive(name, env[name])
        values["encoder_device"] = _device(env.get("KB_ENCODER_DEVICE", ""), model)
        values.update(overrides)
        values["shared_dir"] = values["shared_dir"] or values["data_dir"]
        return cls(**values)

    @property
    def db_path(self) -> Path:
        return self.data_dir / "kb.sqlite"

    @property
    def max_upload(self) -> int:
        return self.max_upload_mb * 2**20

    @property
    def hosts(self) -> tuple[str, ...]:
        """The Host names requests may name: the setting, else this machine's own names and the public address's."""
        if self.allowed_hosts:
            return self.allowed_hosts
        public = urlsplit(self.base_url).hostname if self.base_url else None
        return LOCAL_HOSTS + ((public,) if public else ())


def _positive(name: str, value: str) -> int:
    try:
        number = int(value.strip())
    except ValueError:
        number = 0
    if number < 1:
        raise SettingsError(f"{name} måste vara ett positivt heltal, inte {value!r}.")
    return number


def _device(value: str, model: str) -> str:
    """cpu, cuda, cuda:N or mps; another device than the CPU only for a sentence-transformers model."""
    device = value.strip().lower() or "cpu"
    if not re.fullmatch(r"cpu|mps|cuda(?::\d+)?", device):
        raise SettingsError(f"KB_ENCODER_DEVICE ska vara cpu, cuda, cuda:1 eller mps, inte {value!r}.")
    if device != "cpu" and model == BUNDLED:
        raise SettingsError(
            f"KB_ENCODER_DEVICE={device} gäller bara en sentence-transformers-modell; den inbyggda kodaren körs på "
            "processorn. Sätt KB_EMBEDDING_MODEL till modellens mapp, eller ta bort KB_ENCODER_DEVICE."
        )
    return device


def _flag(name: str, value: str) -> bool:
    folded = value.strip().lower()
    if folded in ("", "0", "false", "no", "nej"):
        return False
    if folded in ("1", "true", "yes", "ja"):
        return True
    raise SettingsError(f"{name} ska vara 1 eller 0, inte {value!r}.")


def _database_url(value: str) -> str:
    value = value.strip()
    if value and urlsplit(value).scheme not in ("postgresql", "postgres"):
        raise SettingsError(f"KB_DATABASE_URL ska vara en adress som postgresql://kb@db.region.se/kb, inte {value!r}.")
    return value


def _base_url(value: str) -> str:
    """Scheme and host, and a path if the site is served under one; no trailing slash."""
    value = value.strip().rstrip("/")
    if not value:
        return ""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise SettingsError(f"KB_BASE_URL ska vara en adress som https://kb.region.se, inte {value!r}.")
    return value


def _hosts(value: str) -> tuple[str, ...]:
    hosts = []
    for item in value.replace(",", " ").split():
        name = item.lower().strip("[]").rstrip(".")
        plain = name.removeprefix("*.")
        if ":" in plain:  # only an IPv6 address has colons; a port does not belong here
            try:
                ipaddress.IPv6Address(plain)
                usable = plain == name
            except ValueError:
                usable = False
        else:
            usable = bool(re.fullmatch(r"[a-z0-9-]+(?:\.[a-z0-9-]+)*", plain))
        if not usable:
            raise SettingsError(
                f"KB_ALLOWED_HOSTS ska vara värdnamn som kb.region.se, *.region.se eller 10.0.0.5, utan port, inte {item!r}."
            )
        hosts.append(name)
    return tuple(hosts)


def _networks(value: str) -> tuple:
    networks = []
    for item in value.replace(",", " ").split():
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise SettingsError(
                f"KB_TRUSTED_PROXIES ska vara ip-adresser eller nät som 10.0.0.5 eller 10.0.0.0/24, inte {item!r}."
            ) from None
    return tuple(networks)

"""Settings, read once from the environment so every entry point (CLI, web, tests) agrees.

Every variable is declared once, in SETTINGS at the end (name, field, reader, help), and listed in
the settings table of docs/operations.md; a test checks that the two agree. A value that cannot be
used stops the program with a Swedish message naming the variable, rather than being silently replaced.
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from index.retrieve.embedder import BUNDLED

PROJECT_DIR = Path(__file__).resolve().parent.parent
LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")

# Models of the e5 family were trained with these markers and rank badly without them (the bundled
# encoder adds its own).
_KNOWN_PREFIXES = {"e5": ("query: ", "passage: ")}


@dataclass(frozen=True)
class Setting:
    """One environment variable, declared once: the Settings field it fills, how its text is read
    (a Swedish SettingsError naming the variable when it cannot be used) and what it is for."""

    variable: str
    field: str
    read: Callable[[str, str], object]  # (variable, text as set) -> value; called when set and not blank (_as_set: set)
    help: str


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
        """Every variable of SETTINGS that is set; what is not set keeps the field's default, or the
        default that depends on another setting (the prefixes on the model, the shared dir on the data dir)."""
        env = os.environ
        values = {
            setting.field: setting.read(setting.variable, env[setting.variable])
            for setting in SETTINGS
            if env.get(setting.variable, "").strip() or (setting.read is _as_set and setting.variable in env)
        }
        model = values.setdefault("embedding_model", BUNDLED)
        if values.get("encoder_device", "cpu") != "cpu" and model == BUNDLED:
            raise SettingsError(
                f"KB_ENCODER_DEVICE={values['encoder_device']} gäller bara en sentence-transformers-modell; den "
                "inbyggda kodaren körs på processorn. Sätt KB_EMBEDDING_MODEL till modellens mapp, eller ta bort "
                "KB_ENCODER_DEVICE."
            )
        query, passage = (
            ("", "")
            if model == BUNDLED
            else next((p for key, p in _KNOWN_PREFIXES.items() if key in model.lower()), ("", ""))
        )
        values = (
            {
                "data_dir": PROJECT_DIR / "var",
                "corpus_dir": PROJECT_DIR / "corpus",
                "query_prefix": query,
                "passage_prefix": passage,
            }
            | values
            | overrides
        )
        values["shared_dir"] = values.get("shared_dir") or values["data_dir"]
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


def _as_set(name: str, value: str) -> str:
    """The text exactly as set: a prefix may end in a space, and an empty one is a choice."""
    return value


def _stripped(name: str, value: str) -> str:
    return value.strip()


def _path(name: str, value: str) -> Path:
    return Path(value.strip())


def _device(name: str, value: str) -> str:
    """cpu, cuda, cuda:N or mps (another device than the CPU only for a sentence-transformers model)."""
    device = value.strip().lower()
    if not re.fullmatch(r"cpu|mps|cuda(?::\d+)?", device):
        raise SettingsError(f"{name} ska vara cpu, cuda, cuda:1 eller mps, inte {value!r}.")
    return device


def _flag(name: str, value: str) -> bool:
    folded = value.strip().lower()
    if folded in ("", "0", "false", "no", "nej"):
        return False
    if folded in ("1", "true", "yes", "ja"):
        return True
    raise SettingsError(f"{name} ska vara 1 eller 0, inte {value!r}.")


def _database_url(name: str, value: str) -> str:
    value = value.strip()
    if value and urlsplit(value).scheme not in ("postgresql", "postgres"):
        raise SettingsError(f"{name} ska vara en adress som postgresql://kb@db.region.se/kb, inte {value!r}.")
    return value


def _base_url(name: str, value: str) -> str:
    """Scheme and host, and a path if the site is served under one; no trailing slash."""
    value = value.strip().rstrip("/")
    if not value:
        return ""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise SettingsError(f"{name} ska vara en adress som https://kb.region.se, inte {value!r}.")
    return value


def _hosts(name: str, value: str) -> tuple[str, ...]:
    hosts = []
    for item in value.replace(",", " ").split():
        host = item.lower().strip("[]").rstrip(".")
        plain = host.removeprefix("*.")
        if ":" in plain:  # only an IPv6 address has colons; a port does not belong here
            try:
                ipaddress.IPv6Address(plain)
                usable = plain == host
            except ValueError:
                usable = False
        else:
            usable = bool(re.fullmatch(r"[a-z0-9-]+(?:\.[a-z0-9-]+)*", plain))
        if not usable:
            raise SettingsError(
                f"{name} ska vara värdnamn som kb.region.se, *.region.se eller 10.0.0.5, utan port, inte {item!r}."
            )
        hosts.append(host)
    return tuple(hosts)


def _networks(name: str, value: str) -> tuple:
    networks = []
    for item in value.replace(",", " ").split():
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise SettingsError(
                f"{name} ska vara ip-adresser eller nät som 10.0.0.5 eller 10.0.0.0/24, inte {item!r}."
            ) from None
    return tuple(networks)


SETTINGS = (
    Setting(
        "KB_DATA_DIR",
        "data_dir",
        _path,
        "where this server keeps its own files: the SQLite database (when KB_DATABASE_URL is empty), "
        "the writer lock, and by default the shared folder",
    ),
    Setting(
        "KB_DATABASE_URL",
        "database_url",
        _database_url,
        "postgresql://user:password@host:5432/name to keep accounts, courses, the audit log and "
        "documents in PostgreSQL, shared by several servers; empty means SQLite in KB_DATA_DIR",
    ),
    Setting(
        "KB_SHARED_DIR",
        "shared_dir",
        _path,
        "the folder of index generations, kept source files and uploads; every server of one "
        "PostgreSQL database must see the same one (a network share); empty means KB_DATA_DIR",
    ),
    Setting(
        "KB_CORPUS_DIR",
        "corpus_dir",
        _path,
        "what `kb ingest` reads when given no path",
    ),
    Setting(
        "KB_EMBEDDING_MODEL",
        "embedding_model",
        _stripped,
        f"empty for the bundled multilingual-e5-small ({BUNDLED}); else a local folder of a "
        "sentence-transformers model (a name needs hub access); changing it re-embeds at the next `kb ingest "
        "--rebuild`",
    ),
    Setting(
        "KB_QUERY_PREFIX",
        "query_prefix",
        _as_set,
        "prefix a sentence-transformers model needs before a query",
    ),
    Setting(
        "KB_PASSAGE_PREFIX",
        "passage_prefix",
        _as_set,
        "prefix a sentence-transformers model needs before a passage",
    ),
    Setting(
        "KB_ENCODER_THREADS",
        "encoder_threads",
        _positive,
        "threads the bundled encoder uses for one text; empty uses every core, or with "
        "`kb serve --workers N` the cores shared out among the workers",
    ),
    Setting(
        "KB_ENCODER_DEVICE",
        "encoder_device",
        _device,
        "where a sentence-transformers model (KB_EMBEDDING_MODEL) runs: cpu (the default), or a GPU "
        "as torch names it (cuda, cuda:1, mps) on a machine that embeds a large corpus with `kb ingest`; the bundled "
        "encoder runs on the CPU only",
    ),
    Setting(
        "KB_SECRET_KEY",
        "secret_key",
        _stripped,
        "signs login sessions; set it when several servers share one database",
    ),
    Setting(
        "KB_BASE_URL",
        "base_url",
        _base_url,
        "the public address, e.g. https://kb.region.se; course exports link to it "
        "(relative links when empty) and forms posted from it are accepted",
    ),
    Setting(
        "KB_TRUSTED_PROXIES",
        "trusted_proxies",
        _networks,
        "addresses or networks of reverse proxies whose X-Forwarded-For and "
        "X-Forwarded-Proto are believed, comma separated; empty trusts none",
    ),
    Setting(
        "KB_ALLOWED_HOSTS",
        "allowed_hosts",
        _hosts,
        "the host names (or addresses) people reach the service by, comma separated; "
        "*.region.se allows every host of a domain. A request for any other Host is refused. Empty: localhost, "
        "127.0.0.1, ::1 and the host of KB_BASE_URL",
    ),
    Setting(
        "KB_SECURE_COOKIES",
        "secure_cookies",
        _flag,
        "1 behind TLS: cookies are always marked Secure and HSTS is sent",
    ),
    Setting(
        "KB_MAX_UPLOAD_MB",
        "max_upload_mb",
        _positive,
        "largest file an editor may upload",
    ),
    Setting(
        "KB_DOCX_MAX_UNPACKED_MB",
        "docx_max_unpacked_mb",
        _positive,
        "largest size a DOCX may unpack to",
    ),
    Setting(
        "KB_DOCX_MAX_PARAGRAPHS",
        "docx_max_paragraphs",
        _positive,
        "most paragraphs and table rows a DOCX may have",
    ),
    Setting(
        "KB_INGEST_TIMEOUT",
        "ingest_timeout",
        _positive,
        "seconds an uploaded file may take to read before it is refused",
    ),
    Setting(
        "KB_INGEST_MEMORY_MB",
        "ingest_memory_mb",
        _positive,
        "memory the process reading an uploaded file may use",
    ),
    Setting(
        "KB_KEEP_SIGNING_OFFICIALS",
        "keep_signing_officials",
        _flag,
        "1 keeps the names of officials who sign a decision (a name with its title, "
        '"Anna Berg / Förvaltningschef"); 0 masks them like every other name. Takes effect at the next '
        "`kb ingest --rebuild`",
    ),
    Setting(
        "KB_KEEP_ORIGINALS",
        "keep_originals",
        _flag,
        "1 keeps every file read and uploaded as it came, personal data included, in originals/ of "
        "the shared folder, apart from the masked copies in sources/ and out of `kb backup` unless it is given "
        "--originals; 0 (the default) keeps only the masked copies, and the next re-index deletes originals kept "
        "before",
    ),
)
HELP = {setting.variable: setting.help for setting in SETTINGS}
